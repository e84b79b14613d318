package reader_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/internal/fixture"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// wrongB is a well-formed check code B that p01-showa rejects.
func wrongB(t *testing.T, p *myna.Profile) myna.CheckCodeB {
	t.Helper()
	b, err := reader.CheckCodeBParts("1980-02-18", "2035", "0000", false)
	if err != nil {
		t.Fatal(err)
	}
	if b.Reveal() == p.CheckCodeB().Reveal() {
		t.Fatal("the wrong code is the right one")
	}
	return b
}

// A value the card rejected is refused by a later session (another invocation) on the same
// card, until it expires or a right value clears it; the file holds no value and is owner-only.
func TestRejectedAcrossSessions(t *testing.T) {
	ctx := context.Background()
	p, err := myna.LoadProfile(profilePath)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	dir := filepath.Join(t.TempDir(), "state")
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	mem := &reader.Rejected{Path: filepath.Join(dir, "rejected.json"), TTL: time.Hour, Now: func() time.Time { return now }}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// session opens the durable card afresh, as a new invocation would.
	session := func() (*reader.Session, *emulator.Card) {
		card, err := emulator.New(p, emulator.Options{StateDir: state})
		if err != nil {
			t.Fatal(err)
		}
		card.PowerOn()
		s := reader.NewSession(reader.NewEmulated(card), reader.Guard{Floor: 1})
		s.Rejected = mem
		if err := s.SelectApp(ctx, myna.CardSurfaceAP); err != nil {
			t.Fatal(err)
		}
		return s, card
	}
	wrong := wrongB(t, p)
	tries := func(c *emulator.Card) int { return c.Tries()["surface/0012"] }

	s, c := session()
	var wc *reader.WrongCodeError
	if err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, wrong); !errors.As(err, &wc) {
		t.Fatalf("first wrong code: %v", err)
	}
	b, err := os.ReadFile(mem.Path)
	if err != nil {
		t.Fatal(err)
	}
	// The salt and the salted digests are 64 random hex digits each, which hold "0218" now and
	// then by chance: the secrets are looked for in everything else.
	rest, n := fixture.WithoutDigests(b)
	if n < 3 {
		t.Errorf("%d salt and digest fields of 64 hex digits, want 3 (salt, key, value):\n%s", n, b)
	}
	for _, secret := range []string{wrong.Reveal(), p.CheckCodeB().Reveal(), "1980", "0218"} {
		if strings.Contains(string(rest), secret) {
			t.Errorf("the file holds %q:\n%s", secret, b)
		}
	}
	if st, _ := os.Stat(mem.Path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	after := tries(c)
	for i := range 2 {
		s, c = session()
		err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, wrong)
		if !errors.Is(err, reader.ErrRefused) || !strings.Contains(err.Error(), "taimen forget") {
			t.Fatalf("wrong code again (%d): %v", i+2, err)
		}
		if tries(c) != after {
			t.Fatalf("a remembered value was sent: tries %d → %d", after, tries(c))
		}
	}
	// Another value is sent; the right one clears the key.
	s, _ = session()
	if err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, p.CheckCodeB()); err != nil {
		t.Fatalf("right code: %v", err)
	}
	if _, err := os.Stat(mem.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the accepted code left the file: %v", err)
	}
	s, _ = session()
	if err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, wrong); !errors.As(err, &wc) {
		t.Fatalf("after the right code, the wrong one is sent (and rejected): %v", err)
	}
	// Expiry.
	now = now.Add(time.Hour)
	s, _ = session()
	if err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, wrong); !errors.As(err, &wc) {
		t.Fatalf("after the TTL, the value is sent again: %v", err)
	}
	// Another card (another profile's certificate) does not share the memory.
	p2, err := myna.LoadProfile("../vectors/profiles/p02-long-address/profile.json")
	if err != nil {
		t.Fatal(err)
	}
	{
		card, err := emulator.New(p2, emulator.Options{})
		if err != nil {
			t.Fatal(err)
		}
		card.PowerOn()
		s2 := reader.NewSession(reader.NewEmulated(card), reader.Guard{Floor: 1})
		s2.Rejected = mem
		s2.SelectApp(ctx, myna.CardSurfaceAP)
		if err := s2.Verify(ctx, myna.SurfaceCheckCodeBRef, wrong); errors.Is(err, reader.ErrRefused) {
			t.Errorf("another card refused a value only the first rejected: %v", err)
		}
	}
}

// A hostile state directory or file is refused, never followed.
func TestRejectedUnsafeFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "elsewhere.json")
	os.WriteFile(target, []byte("{}"), 0o600)
	link := filepath.Join(dir, "rejected.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	mem := &reader.Rejected{Path: link}
	if err := mem.Remember("card", "key", []byte("x")); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a symbolic link: %v", err)
	}
	wide := filepath.Join(t.TempDir(), "rejected.json")
	os.WriteFile(wide, []byte(`{"schema":"taimen.rejected/v1"}`), 0o644)
	if _, _, err := (&reader.Rejected{Path: wide}).Check("card", "key", []byte("x")); err == nil || !strings.Contains(err.Error(), "owner-only") {
		t.Errorf("a world-readable file: %v", err)
	}
	open := filepath.Join(t.TempDir(), "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	env := map[string]string{reader.EnvRejected: filepath.Join(open, "rejected.json")}
	if _, err := reader.RejectedFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Error("a world-writable directory was accepted")
	}
	env = map[string]string{reader.EnvRejected: filepath.Join(t.TempDir(), "r.json"), reader.EnvRejectedTTL: "forever"}
	if _, err := reader.RejectedFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), reader.EnvRejectedTTL) {
		t.Errorf("a malformed TTL: %v", err)
	}
}
