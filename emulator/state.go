package emulator

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/taimen-dev/taimen/internal/readfile"
)

// stateSchema names the version of the state file format.
const stateSchema = "taimen.card-state/v1"

// maxStateFile bounds a state file: a few counters and hashes take about a kilobyte.
const maxStateFile = 1 << 20

// ErrCorruptState is wrapped when a state file cannot be trusted: the card refuses
// to start rather than silently resetting its retry counters.
var ErrCorruptState = errors.New("corrupt card state")

// ErrForeignState is wrapped when a state file belongs to another card.
var ErrForeignState = errors.New("card state belongs to another card")

// ErrStateInUse is wrapped when another process holds the card's state: two emulators of one
// card on one state directory would each keep their own counters and lose decrements.
var ErrStateInUse = errors.New("card state in use by another process")

// changedSecret is a reference value changed by CHANGE REFERENCE DATA or CHANGE
// KEY, kept as a salted hash so that no PIN is ever at rest in clear.
type changedSecret struct {
	Salt string `json:"salt"`
	Hash string `json:"sha256"`
}

// stateFile is the on-disk form of a card's durable state.
type stateFile struct {
	Schema      string                   `json:"schema"`
	Card        string                   `json:"card"`        // profile ID
	Fingerprint string                   `json:"fingerprint"` // identity of the personalization
	Counters    map[string]int           `json:"counters"`    // key reference -> tries left
	Changed     map[string]changedSecret `json:"changed,omitempty"`
	Checksum    string                   `json:"checksum"`
}

// store holds the durable part of a card: retry counters and changed reference
// values. With a path, every change is written atomically (temporary file,
// fsync, rename, fsync of the directory) before the call returns.
type store struct {
	mu          sync.Mutex
	path        string // "" keeps the state in memory only
	card        string
	fingerprint string
	counters    map[string]int
	changed     map[string]changedSecret
	// beforeWrite, when set, is called before each durable write (fault injection and tests).
	beforeWrite func() error
	// fresh is true when the store was just created (no state file existed).
	fresh bool
	// memOnly keeps changes in memory (FaultCounterNotDurable): a restart undoes them.
	memOnly bool
	// log, when set, is told every write that failed (the card then answers 6581).
	log *slog.Logger
}

// openStore loads the state for card from dir, or creates it with the given
// initial counters. A corrupt or foreign file is an error, never a reset.
func openStore(dir, card, fingerprint string, initial map[string]int) (*store, error) {
	s := &store{card: card, fingerprint: fingerprint, counters: map[string]int{}, changed: map[string]changedSecret{}}
	for k, v := range initial {
		s.counters[k] = v
	}
	if dir == "" {
		s.fresh = true
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("card state dir: %w", err)
	}
	s.path = filepath.Join(dir, card+".state.json")
	lock, err := lockState(dir, card)
	if err != nil {
		return nil, err
	}
	runtime.AddCleanup(s, func(l *stateLock) { l.release() }, lock) // held while s is reachable
	sweepTemps(dir, card)
	raw, err := readfile.Regular(s.path, maxStateFile)
	if errors.Is(err, os.ErrNotExist) {
		if err := s.write(); err != nil {
			return nil, err
		}
		s.fresh = true
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read card state %s: %w", s.path, err)
	}
	// A directory the card cannot write to would answer 6581 to the first wrong code: refuse
	// to start instead, naming the path and the cause. (A new state is written at once above,
	// which fails the same way.)
	probe, err := os.CreateTemp(dir, tempPrefix(card))
	if err != nil {
		return nil, fmt.Errorf("card state dir %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	if err := s.load(raw, initial); err != nil {
		return nil, err
	}
	return s, nil
}

// load reads the state file's content raw into s, or refuses it: a file that does not decode,
// has another schema or a wrong checksum, is another card's, or holds a counter outside
// 0..limit or a changed reference of an unknown key. It touches no file (FuzzOpenStore).
func (s *store) load(raw []byte, initial map[string]int) error {
	var f stateFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("card state %s: %w: %v (delete the file to start a fresh card)", s.path, ErrCorruptState, err)
	}
	if f.Schema != stateSchema {
		return fmt.Errorf("card state %s: %w: schema %q, want %q", s.path, ErrCorruptState, f.Schema, stateSchema)
	}
	if want := f.checksum(); subtle.ConstantTimeCompare([]byte(want), []byte(f.Checksum)) != 1 {
		return fmt.Errorf("card state %s: %w: checksum mismatch (delete the file to start a fresh card)", s.path, ErrCorruptState)
	}
	if f.Card != s.card || f.Fingerprint != s.fingerprint {
		return fmt.Errorf("card state %s: %w: it is for card %q", s.path, ErrForeignState, f.Card)
	}
	for k, limit := range initial {
		v, ok := f.Counters[k]
		if !ok || v < 0 || v > limit {
			return fmt.Errorf("card state %s: %w: counter %s = %d outside 0..%d", s.path, ErrCorruptState, k, v, limit)
		}
		s.counters[k] = v
	}
	for k, c := range f.Changed {
		if _, ok := initial[k]; !ok {
			return fmt.Errorf("card state %s: %w: changed reference for unknown key %s", s.path, ErrCorruptState, k)
		}
		s.changed[k] = c
	}
	return nil
}

// checksum is SHA-256 over the file's content with an empty checksum field.
func (f stateFile) checksum() string {
	f.Checksum = ""
	b, _ := json.Marshal(f) // maps marshal with sorted keys: stable
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// write persists the state atomically; callers hold s.mu or own s exclusively.
func (s *store) write() error {
	if s.beforeWrite != nil {
		if err := s.beforeWrite(); err != nil {
			return err
		}
	}
	if s.path == "" || s.memOnly {
		return nil
	}
	f := stateFile{Schema: stateSchema, Card: s.card, Fingerprint: s.fingerprint, Counters: s.counters, Changed: s.changed}
	f.Checksum = f.checksum()
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	tmp, err := os.CreateTemp(dir, tempPrefix(s.card))
	if err != nil {
		return s.logged(fmt.Errorf("write card state: %w", err))
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return s.logged(fmt.Errorf("write card state %s: %w", tmp.Name(), err))
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return s.logged(fmt.Errorf("sync card state %s: %w", tmp.Name(), err))
	}
	if err := tmp.Close(); err != nil {
		return s.logged(fmt.Errorf("close card state %s: %w", tmp.Name(), err))
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return s.logged(fmt.Errorf("replace card state: %w", err))
	}
	d, err := os.Open(dir)
	if err != nil {
		return s.logged(fmt.Errorf("sync card state dir: %w", err))
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return s.logged(fmt.Errorf("sync card state dir %s: %w", dir, err))
	}
	return nil
}

// logged tells the store's logger that a write failed, and returns err.
func (s *store) logged(err error) error {
	if s.log != nil {
		s.log.Error("card state not saved: the card answers 6581 (memory failure)", "card", s.card, "err", err)
	}
	return err
}

// errInjectedWrite is the failure FailNextWrite arms.
var errInjectedWrite = errors.New("write card state: injected memory failure")

// failNext makes the next write fail once, before anything is written.
func (s *store) failNext() {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.beforeWrite
	s.beforeWrite = func() error {
		s.beforeWrite = prev
		return errInjectedWrite
	}
}

// tries returns the tries left of key.
func (s *store) tries(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters[key]
}

// setTries sets key's counter and makes it durable. On a write error the
// in-memory value is rolled back, so memory never runs ahead of the disk.
func (s *store) setTries(key string, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.counters[key]
	if old == n {
		return nil
	}
	s.counters[key] = n
	if err := s.write(); err != nil {
		s.counters[key] = old
		return err
	}
	return nil
}

// matches compares value with key's changed reference, if there is one.
// It returns (matched, changed): when changed is false the caller compares
// against the personalized value.
func (s *store) matches(key string, value []byte) (matched, changed bool) {
	s.mu.Lock()
	c, ok := s.changed[key]
	s.mu.Unlock()
	if !ok {
		return false, false
	}
	salt, _ := hex.DecodeString(c.Salt)
	want, _ := hex.DecodeString(c.Hash)
	got := saltedHash(salt, value)
	return subtle.ConstantTimeCompare(got, want) == 1, true
}

// change stores a new reference value for key as a salted hash, durably.
func (s *store) change(key string, value []byte) error {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, had := s.changed[key]
	s.changed[key] = changedSecret{Salt: hex.EncodeToString(salt), Hash: hex.EncodeToString(saltedHash(salt, value))}
	if err := s.write(); err != nil {
		if had {
			s.changed[key] = old
		} else {
			delete(s.changed, key)
		}
		return err
	}
	return nil
}

// snapshot returns a copy of the counters, sorted keys first, for status and reports.
func (s *store) snapshot() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counters))
	for k, v := range s.counters {
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func saltedHash(salt, value []byte) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write(value)
	return h.Sum(nil)
}
