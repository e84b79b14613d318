// Package target opens the card a conformance run is aimed at: the emulator
// in-process, the emulator behind a private pcscd through vpcd, or a physical
// card in a PC/SC reader. Specs use every target the same way, through a
// reader.Transport; emulated targets also let a spec power-cycle, restart or
// tear the card, which a physical card cannot offer.
package target

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/cvc"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/vectors"
)

// Kind is the kind of target.
type Kind string

// The kinds of target.
const (
	Emulator Kind = "emulator" // the emulator in-process
	VPCD     Kind = "vpcd"     // the emulator behind a private pcscd
	PCSC     Kind = "pcsc"     // a physical card
)

// EnvTarget selects the target when no flag does: emulator, vpcd or pcsc:NAME.
const EnvTarget = "TAIMEN_TARGET"

// EnvProfile names the profile of emulated targets.
const EnvProfile = "TAIMEN_PROFILE"

// Config says which target to open and how carefully to treat it.
type Config struct {
	// Spec is "emulator", "vpcd" or "pcsc:READER" (a name, substring or #index).
	Spec string
	// Profile is the emulated card's profile: a file, a profile's directory or an embedded
	// profile's ID, as vectors.LoadProfile takes it (default p01-showa).
	Profile string
	// AllowDestructive lets specs labelled destructive run on a physical card.
	AllowDestructive bool
	// Floor is the number of tries a run never spends on a physical card (default 2).
	Floor int
	// Timeout is the per-command deadline (default 5 s).
	Timeout time.Duration
	// Getenv reads the physical card's codes (default os.Getenv).
	Getenv func(string) string
	// RetryLimits are the limits a physical card's counters must reset to after a right code
	// (default myna.DefaultRetryLimits: CARD.md leaves the real card's open, see "taimen's
	// defaults"). Emulated cards use their profile's.
	RetryLimits *myna.RetryLimits
	// Discovered is a physical card's discovered behaviour (run --behaviour FILE); nil keeps
	// taimen's defaults. Emulated cards use their profile's.
	Discovered *Discovered
	// Rejected remembers the values a physical card rejected across runs (reader.Rejected): the
	// run's check of the codes (Preflight) refuses to send one again. Nil remembers nothing.
	Rejected *reader.Rejected
	// Faults make the emulated card misbehave (mutation runs); env TAIMEN_FAULTS (comma-separated).
	Faults []emulator.FaultSetting
}

// EnvFaults lists faults for emulated targets, comma-separated (e.g. "no-decrement,slow=50ms").
const EnvFaults = "TAIMEN_FAULTS"

// ParseFaults parses a comma-separated fault list.
func ParseFaults(s string) ([]emulator.FaultSetting, error) {
	var out []emulator.FaultSetting
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		fs, err := emulator.ParseFault(f)
		if err != nil {
			return nil, err
		}
		out = append(out, fs)
	}
	return out, nil
}

// ParseSpec splits a target spec into kind and reader selection.
func ParseSpec(s string) (Kind, string, error) {
	switch {
	case s == "" || s == "emulator":
		return Emulator, "", nil
	case s == "vpcd":
		return VPCD, "", nil
	case strings.HasPrefix(s, "pcsc:"):
		return PCSC, strings.TrimPrefix(s, "pcsc:"), nil
	case s == "pcsc":
		return PCSC, "", nil
	}
	return "", "", fmt.Errorf("target %q: want emulator, vpcd or pcsc:READER", s)
}

// DefaultProfile is the reference of the profile emulated targets take by default: the ID of a
// profile embedded in the binary (vectors.LoadProfile).
func DefaultProfile() string { return vectors.DefaultProfile }

// Target is an open target. It is safe for use by one spec at a time.
type Target struct {
	Kind Kind
	cfg  Config
	// Profile is the emulated card's personalization (nil on a physical card).
	Profile *myna.Profile
	// Codes are the card's secrets: the profile's, or the physical card's from the environment.
	Codes Codes
	// Anchors validate the card: the profile's test CA for emulated cards, production J-LIS keys otherwise.
	Anchors *cvc.AnchorSet

	proto   *emulator.Card // personalized once; specs get fresh copies
	daemon  *pcscd.Daemon
	release func()
	slot    *swapCard
	cancel  context.CancelFunc
	served  chan struct{}
	reader  string // PC/SC reader selection
	mu      sync.Mutex
	lowest  map[string]int // physical cards: the fewest tries the floor guard let each key reach
	apdus   atomic.Int64   // APDUs sent to the target's cards (see APDUs)
	memo    atomic.Pointer[triesMemo]
}

// Codes holds the secrets specs may present. On a physical card only those
// given in the environment are set.
type Codes struct {
	A, B, BirthDate, TextPIN, AuthPIN, SignPassword myna.Secret
	LicencePIN                                      myna.Secret // nil when the card has no licence (or it was not given)
}

// Of returns the secret of kind k, or nil when the target has none.
func (c Codes) Of(k myna.SecretKind) myna.Secret {
	switch k {
	case myna.SecretCheckCodeA:
		return c.A
	case myna.SecretCheckCodeB:
		return c.B
	case myna.SecretBirthDateKey:
		return c.BirthDate
	case myna.SecretTextPIN:
		return c.TextPIN
	case myna.SecretAuthPIN:
		return c.AuthPIN
	case myna.SecretSignPassword:
		return c.SignPassword
	case myna.SecretLicencePIN:
		return c.LicencePIN
	}
	return nil
}

// ProfilePath is the emulated card's profile reference (vectors.LoadProfile): Profile, else
// $TAIMEN_PROFILE, else DefaultProfile.
func (c Config) ProfilePath() string {
	if c.Profile != "" {
		return c.Profile
	}
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := getenv(EnvProfile); p != "" {
		return p
	}
	return DefaultProfile()
}

// Open opens the target of cfg.
func Open(ctx context.Context, cfg Config) (*Target, error) {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Spec == "" {
		cfg.Spec = cfg.Getenv(EnvTarget)
	}
	cfg.Profile = cfg.ProfilePath()
	if cfg.Floor == 0 {
		cfg.Floor = 2
	}
	if cfg.Faults == nil {
		f, err := ParseFaults(cfg.Getenv(EnvFaults))
		if err != nil {
			return nil, err
		}
		cfg.Faults = f
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	kind, sel, err := ParseSpec(cfg.Spec)
	if err != nil {
		return nil, err
	}
	t := &Target{Kind: kind, cfg: cfg, reader: sel}
	if kind == PCSC {
		return t, t.openPhysical(ctx)
	}
	if t.Profile, err = vectors.LoadProfile(cfg.Profile); err != nil {
		return nil, err
	}
	p := t.Profile
	t.Codes = Codes{A: p.CheckCodeA(), B: p.CheckCodeB(), BirthDate: p.BirthDateKey(), TextPIN: p.TextPIN(), AuthPIN: p.AuthPIN(), SignPassword: p.SignPassword(), LicencePIN: p.Secret(myna.SecretLicencePIN)}
	if t.Anchors, err = emulator.TestAnchors(p); err != nil {
		return nil, err
	}
	if kind == PCSC && len(cfg.Faults) > 0 {
		return nil, errors.New("faults apply to emulated cards only")
	}
	if t.proto, err = emulator.New(p, emulator.Options{Faults: cfg.Faults}); err != nil {
		return nil, err
	}
	if kind == VPCD {
		return t, t.openVPCD(ctx)
	}
	return t, nil
}

func (t *Target) openPhysical(ctx context.Context) error {
	t.Anchors = cvc.ProductionSet()
	for _, c := range []struct {
		dst  *myna.Secret
		kind myna.SecretKind
	}{{&t.Codes.A, myna.SecretCheckCodeA}, {&t.Codes.B, myna.SecretCheckCodeB}, {&t.Codes.TextPIN, myna.SecretTextPIN},
		{&t.Codes.AuthPIN, myna.SecretAuthPIN}, {&t.Codes.SignPassword, myna.SecretSignPassword}, {&t.Codes.LicencePIN, myna.SecretLicencePIN}} {
		s, ok, err := reader.SecretFromEnv(t.cfg.Getenv, c.kind, false)
		if err != nil {
			return err
		}
		if ok {
			*c.dst = s
		}
	}
	if b, ok := t.Codes.B.(myna.CheckCodeB); ok {
		t.Codes.BirthDate = b.BirthDateKey()
	}
	return nil
}

func (t *Target) openVPCD(ctx context.Context) error {
	if err := pcscd.Available(); err != nil {
		return fmt.Errorf("target vpcd: %w", err)
	}
	d, err := pcscd.Start(ctx, pcscd.Options{})
	if err != nil {
		return fmt.Errorf("target vpcd: %w", err)
	}
	t.daemon = d
	if t.release, err = d.UseInProcess(ctx); err != nil {
		d.Stop()
		return err
	}
	t.slot = &swapCard{card: t.proto.Fresh()}
	sctx, cancel := context.WithCancel(context.Background())
	t.cancel, t.served = cancel, make(chan struct{})
	go func() {
		defer close(t.served)
		_ = vpcd.Serve(sctx, t.slot, vpcd.Options{DialSlot: d.DialVPCD, Reconnect: 20 * time.Millisecond})
	}()
	t.reader = pcscd.ReaderName(0)
	return nil
}

// Close releases the target: the private pcscd is stopped by PID.
func (t *Target) Close() error {
	if t.cancel != nil {
		t.cancel()
		<-t.served
	}
	if t.release != nil {
		t.release()
	}
	if t.daemon != nil {
		return t.daemon.Stop()
	}
	return nil
}

// Physical reports whether the target is a physical card.
func (t *Target) Physical() bool { return t.Kind == PCSC }

// AllowDestructive reports whether specs that can lock a counter may run.
func (t *Target) AllowDestructive() bool { return !t.Physical() || t.cfg.AllowDestructive }

// Guard is the safety policy for this target: emulated cards may be driven to
// lockout; a physical card keeps its floor unless destruction is allowed.
func (t *Target) Guard() reader.Guard {
	if t.Physical() && t.floor() > 0 {
		return reader.Guard{Floor: t.floor()}
	}
	return reader.Guard{AllowLastTry: true}
}

// floor is the number of tries the floor guard of a physical card keeps: the
// configured floor, or none once destruction is allowed (the guard then only
// remembers the counters it saw fall, to restore them).
func (t *Target) floor() int {
	if t.cfg.AllowDestructive {
		return 0
	}
	return t.cfg.Floor
}

// RetryLimits are the limits the card's counters reset to: the profile's on an emulated card,
// Config.RetryLimits or taimen's defaults on a physical card.
func (t *Target) RetryLimits() myna.RetryLimits {
	switch {
	case t.Profile != nil:
		return t.Profile.RetryLimits
	case t.cfg.RetryLimits != nil:
		return *t.cfg.RetryLimits
	}
	return myna.DefaultRetryLimits()
}

// Floor is the number of tries a spec may not spend below on this target: the floor of a
// physical card (0 once destruction is allowed), 0 on emulated cards.
func (t *Target) Floor() int {
	if !t.Physical() {
		return 0
	}
	return t.floor()
}

// Lowest returns, for each key of a physical card a VERIFY with data was sent to, the fewest
// tries it could have been left with (its tries before the VERIFY, less one).
func (t *Target) Lowest() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.lowest)
}

// sawTries records that key may now have n tries left.
func (t *Target) sawTries(key string, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lowest == nil {
		t.lowest = map[string]int{}
	}
	if was, ok := t.lowest[key]; !ok || n < was {
		t.lowest[key] = n
	}
}

// Info describes the target for reports: kind, reader, ATR, profile ID.
func (t *Target) Info() map[string]string {
	m := map[string]string{"kind": string(t.Kind)}
	if t.Profile != nil {
		m["profile"] = t.Profile.ID
	}
	if t.reader != "" {
		m["reader"] = t.reader
	}
	return m
}

// ErrNotEmulated is returned by card controls a physical card does not have.
var ErrNotEmulated = errors.New("only an emulated card can do this")

// swapCard is the vpcd slot's card: specs swap in a fresh emulated card.
type swapCard struct {
	mu   sync.Mutex
	card *emulator.Card
}

func (s *swapCard) get() *emulator.Card { s.mu.Lock(); defer s.mu.Unlock(); return s.card }
func (s *swapCard) set(c *emulator.Card) {
	s.mu.Lock()
	s.card = c
	s.mu.Unlock()
}
func (s *swapCard) ATR() []byte                { return s.get().ATR() }
func (s *swapCard) PowerOn()                   { s.get().PowerOn() }
func (s *swapCard) PowerOff()                  { s.get().PowerOff() }
func (s *swapCard) Reset()                     { s.get().Reset() }
func (s *swapCard) Transmit(cmd []byte) []byte { return s.get().Transmit(cmd) }
func (s *swapCard) Powered() bool              { return s.get().Powered() }
func (s *swapCard) MayBlock() bool             { return s.get().MayBlock() }
func (s *swapCard) Abort()                     { s.get().Abort() }
