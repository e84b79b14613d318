package reader

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/taimen-dev/taimen/internal/safedir"
	"github.com/taimen-dev/taimen/myna"
)

// Settings of the rejected-value memory (see Rejected).
const (
	// EnvRejected names the file that remembers rejected values (default: rejected.json in the
	// state directory, next to the history).
	EnvRejected = "TAIMEN_REJECTED"
	// EnvRejectedTTL is how long a rejected value is remembered, a Go duration (default 24h,
	// at most 7 days).
	EnvRejectedTTL = "TAIMEN_REJECTED_TTL"
	// DefaultRejectedTTL is the default of EnvRejectedTTL.
	DefaultRejectedTTL = 24 * time.Hour
	// MaxRejectedTTL bounds EnvRejectedTTL: the hashes of low-entropy secrets are kept no longer.
	MaxRejectedTTL = 7 * 24 * time.Hour
)

// Rejected remembers, across invocations, the values a card rejected, so that the reader never
// sends one again (DESIGN.md: "a rejected value is never sent again"). An entry is keyed by the
// card and the key reference and holds a slow salted hash (Argon2id) of the value, never the
// value; nothing derived from an accepted value is stored, and an accepted value clears its key's
// entries. Entries expire after TTL. The file is owner-only in a directory checked as
// internal/safedir checks one, replaced atomically, under an advisory lock of its directory.
type Rejected struct {
	// Path is the file (rejected.json).
	Path string
	// TTL is how long an entry lives (DefaultRejectedTTL when 0).
	TTL time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// RejectedEntry is a remembered rejection as Check finds it.
type RejectedEntry struct {
	Expires time.Time
}

// rejectedFile is the file's JSON form.
type rejectedFile struct {
	Schema  string         `json:"schema"`
	Salt    string         `json:"salt"` // hex, 32 random bytes, new whenever the file is created
	Entries []rejectedLine `json:"entries"`
}

type rejectedLine struct {
	Key     string    `json:"key"`   // hex HMAC-SHA256(salt, card ‖ key reference)
	Value   string    `json:"value"` // hex Argon2id(card ‖ key reference ‖ value, salt)
	Expires time.Time `json:"expires"`
}

const rejectedSchema = "taimen.rejected/v1"

// maxRejectedFile bounds what is read from the file.
const maxRejectedFile = 1 << 20

// DefaultRejectedPath is $TAIMEN_REJECTED, else rejected.json in the state directory:
// $XDG_STATE_HOME/taimen, else ~/.local/state/taimen.
func DefaultRejectedPath(getenv func(string) string) string {
	if p := getenv(EnvRejected); p != "" {
		return p
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "taimen", "rejected.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".local", "state", "taimen", "rejected.json")
}

// RejectedFromEnv returns the memory the environment configures (EnvRejected, EnvRejectedTTL),
// its directory created and checked (safedir.Prepare): an unsafe directory or a malformed TTL is
// an error naming the variable or the directory.
func RejectedFromEnv(getenv func(string) string) (*Rejected, error) {
	ttl, err := RejectedTTLFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	r := &Rejected{Path: DefaultRejectedPath(getenv), TTL: ttl}
	if err := safedir.Prepare(filepath.Dir(r.Path)); err != nil {
		return nil, fmt.Errorf("remembered rejected values (%s): %w", EnvRejected, err)
	}
	return r, nil
}

// RejectedTTLFromEnv is $TAIMEN_REJECTED_TTL (DefaultRejectedTTL when unset); a value that is
// not a duration from 1s to MaxRejectedTTL is an error naming the variable.
func RejectedTTLFromEnv(getenv func(string) string) (time.Duration, error) {
	v := getenv(EnvRejectedTTL)
	if v == "" {
		return DefaultRejectedTTL, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second || d > MaxRejectedTTL {
		return 0, fmt.Errorf("%s=%q: want a duration from 1s to %v (e.g. 24h, 30m)", EnvRejectedTTL, v, MaxRejectedTTL)
	}
	return d, nil
}

func (r *Rejected) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Rejected) ttl() time.Duration {
	if r.TTL <= 0 {
		return DefaultRejectedTTL
	}
	return r.TTL
}

// Check reports whether the card rejected value for key (a key name such as
// "surface/0012 (check code B)") within the TTL.
func (r *Rejected) Check(card, key string, value []byte) (RejectedEntry, bool, error) {
	var found RejectedEntry
	var ok bool
	err := r.update(false, func(f *rejectedFile, salt []byte) bool {
		k, v := lineKey(salt, card, key), lineValue(salt, card, key, value)
		for _, l := range f.Entries {
			if hmac.Equal([]byte(l.Key), []byte(k)) && hmac.Equal([]byte(l.Value), []byte(v)) {
				found, ok = RejectedEntry{Expires: l.Expires}, true
			}
		}
		return false
	})
	return found, ok, err
}

// Remember records that the card rejected value for key.
func (r *Rejected) Remember(card, key string, value []byte) error {
	return r.update(true, func(f *rejectedFile, salt []byte) bool {
		k, v := lineKey(salt, card, key), lineValue(salt, card, key, value)
		f.Entries = slices.DeleteFunc(f.Entries, func(l rejectedLine) bool { return l.Key == k && l.Value == v })
		f.Entries = append(f.Entries, rejectedLine{Key: k, Value: v, Expires: r.now().Add(r.ttl()).UTC().Truncate(time.Second)})
		return true
	})
}

// Clear forgets every rejected value of key on card: the card accepted a value for it.
func (r *Rejected) Clear(card, key string) error {
	return r.update(false, func(f *rejectedFile, salt []byte) bool {
		k := lineKey(salt, card, key)
		n := len(f.Entries)
		f.Entries = slices.DeleteFunc(f.Entries, func(l rejectedLine) bool { return l.Key == k })
		return len(f.Entries) != n
	})
}

// Forget removes every remembered value and says how many there were (expired ones not counted).
func (r *Rejected) Forget() (int, error) {
	n := 0
	err := r.update(false, func(f *rejectedFile, _ []byte) bool {
		n = len(f.Entries)
		f.Entries = nil
		return true
	})
	return n, err
}

func lineKey(salt []byte, card, key string) string {
	m := hmac.New(sha256.New, salt)
	io.WriteString(m, "key\x00"+card+"\x00"+key)
	return hex.EncodeToString(m.Sum(nil))
}

// lineValue is a slow hash: the values are short (a 4-digit PIN, a date and a year), so a fast
// one would be as good as the value to whoever reads the file.
func lineValue(salt []byte, card, key string, value []byte) string {
	in := append([]byte("value\x00"+card+"\x00"+key+"\x00"), value...)
	return hex.EncodeToString(argon2.IDKey(in, salt, 2, 16<<10, 1, 32))
}

// update loads the file under the directory's lock, drops expired entries, lets fn change it
// and writes it back when fn says so (or when entries expired). create is false when an absent
// file should stay absent. A file left with no entry is removed, so its salt goes with it.
func (r *Rejected) update(create bool, fn func(f *rejectedFile, salt []byte) bool) error {
	dir := filepath.Dir(r.Path)
	unlock, err := lockDir(dir)
	if err != nil {
		return fmt.Errorf("remembered rejected values: %w", err)
	}
	defer unlock()
	f, err := loadRejected(r.Path)
	if err != nil {
		return err
	}
	existed := f != nil
	if !existed {
		if !create {
			return nil
		}
		salt := make([]byte, 32)
		rand.Read(salt)
		f = &rejectedFile{Schema: rejectedSchema, Salt: hex.EncodeToString(salt)}
	}
	salt, err := hex.DecodeString(f.Salt)
	if err != nil || len(salt) < 16 {
		return fmt.Errorf("remembered rejected values %s: malformed salt (delete the file, or run taimen forget)", r.Path)
	}
	now := r.now()
	n := len(f.Entries)
	f.Entries = slices.DeleteFunc(f.Entries, func(l rejectedLine) bool { return !now.Before(l.Expires) })
	changed := fn(f, salt) || len(f.Entries) != n || !existed
	if !changed {
		return nil
	}
	if len(f.Entries) == 0 {
		if err := os.Remove(r.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remembered rejected values: %w", err)
		}
		return nil
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := safedir.WriteFile(dir, filepath.Base(r.Path), append(b, '\n')); err != nil {
		return fmt.Errorf("remembered rejected values: %w", err)
	}
	return nil
}

// loadRejected reads the file (nil when there is none), refusing a symbolic link, a file of
// another user or one that its group or others may read.
func loadRejected(path string) (*rejectedFile, error) {
	fd, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil
	case errors.Is(err, syscall.ELOOP):
		return nil, fmt.Errorf("remembered rejected values %s: %w: a symbolic link", path, safedir.ErrUnsafe)
	case err != nil:
		return nil, fmt.Errorf("remembered rejected values: %w", err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("remembered rejected values: %w", err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("remembered rejected values %s: %w: mode %v, want owner-only (0600)", path, safedir.ErrUnsafe, st.Mode())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return nil, fmt.Errorf("remembered rejected values %s: %w: owned by user %d, not by you", path, safedir.ErrUnsafe, sys.Uid)
	}
	b, err := io.ReadAll(io.LimitReader(fd, maxRejectedFile+1))
	if err != nil {
		return nil, fmt.Errorf("remembered rejected values: %w", err)
	}
	var f rejectedFile
	if len(b) > maxRejectedFile || json.Unmarshal(b, &f) != nil || f.Schema != rejectedSchema {
		return nil, fmt.Errorf("remembered rejected values %s: not a %s file (delete it, or run taimen forget)", path, rejectedSchema)
	}
	return &f, nil
}

// lockDir takes an exclusive advisory lock on dir, so that two invocations do not lose each
// other's entries.
func lockDir(dir string) (func(), error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX); err != nil {
		d.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() { syscall.Flock(int(d.Fd()), syscall.LOCK_UN); d.Close() }, nil
}

// identityEF is the free EF of each application that names the card: the application's card-
// verifiable certificate (its key is the card's own), or JPKI's authentication certificate.
var identityEF = map[myna.App]myna.FileID{
	myna.CardSurfaceAP: myna.SurfaceCVCert,
	myna.TextAP:        myna.TextCVCert,
	myna.JPKIAP:        myna.JPKIAuthCert,
}

// cardID names the card for the rejected-value memory: a digest of the current application's
// identity EF, read without a credential, else of the ATR (a card whose application has none).
func (s *Session) cardID(ctx context.Context) string {
	if id, ok := s.cardIDs[s.cur]; ok {
		return id
	}
	id := ""
	if ef, ok := identityEF[s.cur]; ok {
		if b, err := s.ReadEF(ctx, ef); err == nil && len(b) > 0 {
			sum := sha256.Sum256(b)
			id = s.cur.String() + ":" + hex.EncodeToString(sum[:])
		}
	}
	if id == "" {
		sum := sha256.Sum256(s.t.ATR())
		id = "atr:" + hex.EncodeToString(sum[:])
	}
	if s.cardIDs == nil {
		s.cardIDs = map[myna.App]string{}
	}
	s.cardIDs[s.cur] = id
	return id
}

// rememberedRefusal is the refusal of a value the memory holds.
func (r *Rejected) refusal(key string, tries int, e RejectedEntry) *RefusedError {
	return &RefusedError{Key: key, Tries: tries, Reason: fmt.Sprintf(
		"the card rejected this value before (remembered until %s in %s): give the right value, or run `taimen forget` (or delete that file) to send it again",
		e.Expires.Local().Format("2006-01-02 15:04 MST"), r.Path)}
}

// KeyName is how the reader names a key reference ("surface/0012 (check code B)") in its
// messages and in the rejected-value memory.
func KeyName(app myna.App, key myna.FileID) string { return keyName(app, key) }

// CardIDs reads the card's names in the rejected-value memory, as Session.Verify uses them,
// for every application that answers its SELECT; the zero App maps to the ATR's name, for the
// others. It selects applications and reads free files only: reset the card after it.
func CardIDs(ctx context.Context, t Transport) map[myna.App]string {
	s := NewSession(t, Guard{})
	out := map[myna.App]string{0: s.cardID(ctx)} // no application selected: the ATR's
	for app := range identityEF {
		if s.SelectApp(ctx, app) == nil {
			out[app] = s.cardID(ctx)
		}
	}
	return out
}
