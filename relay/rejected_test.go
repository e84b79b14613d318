package relay

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// With the reader's rejected-value memory, the relay passes a wrong value once and answers 6985
// to it afterwards without reaching the card; the memory is the reader's own: a read session
// refuses the value the relay saw rejected, and the relay refuses one a read saw rejected.
func TestRelayRemembersRejectedValues(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := myna.LoadProfile(p01)
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(p, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const wrongValue = "55021820350000" // well formed, not p01-showa's
	wrongCmd := append([]byte{0x00, 0x20, 0x00, 0x92, 14}, wrongValue...)
	mem := &reader.Rejected{Path: filepath.Join(t.TempDir(), "rejected.json")}
	tr := reader.NewEmulated(emu)
	ids := reader.CardIDs(ctx, tr)
	c := New(ctx, tr, Options{Rejected: mem, CardIDs: ids})
	c.Reset()
	if got := sw(c.Transmit(selectSurface())); got != "9000" {
		t.Fatalf("select: %s", got)
	}
	if got := sw(c.Transmit(wrongCmd)); got != "63C9" {
		t.Fatalf("first wrong value: %s", got)
	}
	for range 2 {
		if got := sw(c.Transmit(wrongCmd)); got != "6985" {
			t.Fatalf("the same wrong value again: %s, want 6985", got)
		}
	}
	if got := emu.Tries()["surface/0012"]; got != 9 {
		t.Errorf("tries %d, want 9 (one spent)", got)
	}
	// A read session on the same card refuses what the relay saw rejected.
	s := reader.NewSession(reader.NewEmulated(emu), reader.DefaultGuard)
	s.Rejected = mem
	if err := s.SelectApp(ctx, myna.CardSurfaceAP); err != nil {
		t.Fatal(err)
	}
	wrong, err := myna.SecretCheckCodeB.Parse(wrongValue)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, wrong); !errors.Is(err, reader.ErrRefused) {
		t.Errorf("a read after the relay: %v, want a refusal", err)
	}
	// The right value clears the key: the wrong one passes again.
	right := append([]byte{0x00, 0x20, 0x00, 0x92, 14}, p.CheckCodeB().Bytes()...)
	if got := sw(c.Transmit(right)); got != "9000" {
		t.Fatalf("right value: %s", got)
	}
	if got := sw(c.Transmit(wrongCmd)); got != "63C9" {
		t.Errorf("after the right value: %s, want the card's 63C9", got)
	}
}
