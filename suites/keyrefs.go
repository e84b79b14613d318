package suites

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"strconv"
	"sync"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/suites/target"
)

// Key is one key reference of one application and the kind of secret it
// holds (an invalid Kind for a key that arrives blocked).
type Key struct {
	App  myna.App
	Ref  myna.FileID
	Kind myna.SecretKind
}

// ID is the key's name in the Tries map, e.g. "surface/0012".
func (k Key) ID() string { return k.App.String() + "/" + k.Ref.String() }

// String names the key and what it holds, e.g. "surface/0012 (check code B)".
func (k Key) String() string {
	if !k.Kind.Valid() {
		return k.ID() + " (key that arrives blocked)"
	}
	return fmt.Sprintf("%s (%s)", k.ID(), k.Kind)
}

// The key references of the card surface and text APs that the checkcodes
// and counters areas exercise (CARD.md §2.2, §2.3, §3).
var (
	SurfaceBKey     = Key{myna.CardSurfaceAP, myna.SurfaceCheckCodeBRef, myna.SecretCheckCodeB}
	SurfaceAKey     = Key{myna.CardSurfaceAP, myna.SurfaceCheckCodeARef, myna.SecretCheckCodeA}
	SurfaceBirthKey = Key{myna.CardSurfaceAP, myna.SurfaceBirthDateKeyRef, myna.SecretBirthDateKey}
	TextBKey        = Key{myna.TextAP, myna.TextCheckCodeBRef, myna.SecretCheckCodeB}
	TextAKey        = Key{myna.TextAP, myna.TextCheckCodeARef, myna.SecretCheckCodeA}
	TextPINKey      = Key{myna.TextAP, myna.TextPINRef, myna.SecretTextPIN}
)

// SecretOf returns the target's secret of kind k, failing the spec when the
// target has none (a physical card without the value in the environment).
func SecretOf(k myna.SecretKind) myna.Secret { return Need(Current().Codes.Of(k), k.String()) }

// RetryLimit is the retry limit of kind k: the profile's, or taimen's default
// on a physical card (CARD.md "taimen's defaults").
func RetryLimit(k myna.SecretKind) int { return Current().RetryLimits().For(k) }

// ProfileBehaviour is the profile's answers where the public record is
// silent; on a physical card its discovered answers (run --behaviour) over taimen's defaults.
func ProfileBehaviour() myna.Behaviour { return Current().Behaviour() }

// Counters reads every retry counter with empty VERIFYs (nothing is spent)
// and, on an emulated card, checks them against the emulator's own counters.
// On a physical card a reading that no APDU has followed since, or counters
// a sampled step checked (appCounters), answer without a read (Card.Tries).
func Counters(ctx context.Context, c *target.Card, step string) map[string]int {
	m, err := c.Tries(ctx)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s: read every counter with empty VERIFYs (CARD.md §3)", step)
	if emu := c.Emulated(); emu != nil {
		ExpectWithOffset(1, cmp.Diff(emu.Tries(), m)).To(BeEmpty(),
			"%s: the tries the card answers to empty VERIFYs differ from its own counters (-card's counters +answered)", step)
	}
	return m
}

// ExpectCounters compares the whole counter map, reporting a failure offset
// frames above its caller.
func ExpectCounters(offset int, step string, want, got map[string]int) {
	ExpectWithOffset(offset+1, cmp.Diff(want, got)).To(BeEmpty(), "%s: retry counters differ (-want +got)", step)
}

// Minus returns a copy of m with k's counter n lower.
func Minus(m map[string]int, k Key, n int) map[string]int {
	out := maps.Clone(m)
	out[k.ID()] -= n
	return out
}

// RightTry presents the right value to k and checks CARD.md §3: 9000, and the
// counter back at its limit (the profile's; on a physical card at least what
// it was at the start) with every other counter as in initial. It returns the
// counters it checked.
func RightTry(ctx context.Context, c *target.Card, k Key, initial map[string]int, what string) map[string]int {
	ExpectSW(ctx, c, "select "+k.App.String(), SelectApp(k.App), apdu.SWSuccess)
	ExpectSW(ctx, c, fmt.Sprintf("VERIFY %s with the right %s %s (CARD.md §3: 9000 and the counter reset)", k, k.Kind, what),
		Verify(k.Ref, SecretOf(k.Kind).Bytes()), apdu.SWSuccess)
	if Sampled() {
		return appCounters(ctx, c, k.App, ResetWant(initial, k), "after the right "+k.Kind.String())
	}
	got := Counters(ctx, c, "after the right "+k.Kind.String())
	limit := "its limit"
	if Current().Physical() {
		limit = fmt.Sprintf("its limit (%d: taimen's default for a physical card unless --retry-limits gives the card's)", RetryLimit(k.Kind))
	}
	ExpectCounters(1, fmt.Sprintf("after the right %s: %s back at %s, the others as at the start", k.Kind, k.ID(), limit), ResetWant(initial, k), got)
	return got
}

// ResetWant is initial with k's counter back at its limit (RetryLimit): the profile's, or on
// a physical card taimen's default unless --retry-limits gives the card's. A card whose 63Cx
// says one try more or fewer than it has shows here, and only here on a physical card.
func ResetWant(initial map[string]int, k Key) map[string]int {
	want := maps.Clone(initial)
	want[k.ID()] = RetryLimit(k.Kind)
	return want
}

// NeedTries skips the spec on a physical card when it cannot spend n tries of each of keys
// and then present the right code within the run's floor: the floor guard lets a VERIFY
// through only when, were its value wrong, it would still leave floor tries, so the right
// code after n wrong ones needs n+1 tries above the floor. Nothing is spent by a skip, and
// the reason names the key and its tries.
func NeedTries(initial map[string]int, n int, keys ...Key) {
	floor := Current().Floor()
	if floor == 0 {
		return
	}
	for _, k := range keys {
		if have := initial[k.ID()]; have-n-1 < floor {
			Skip(fmt.Sprintf("%s has %d tries left: %d wrong and then the right one need %d above the floor of %d "+
				"(a right code resets the counter; --floor lowers the floor)", k, have, n, n+1, floor))
		}
	}
}

// WithDigits returns a copy of b with the digits from off replaced by s.
func WithDigits(b []byte, off int, s string) []byte {
	out := bytes.Clone(b)
	copy(out[off:], s)
	return out
}

// NextDigit is d+1 modulo 10, for an ASCII digit.
func NextDigit(d byte) byte { return '0' + (d-'0'+1)%10 }

// WrongBirthDay changes the day of check code B's birth date to another
// valid day.
func WrongBirthDay(b []byte) []byte {
	dd, _ := strconv.Atoi(string(b[4:6]))
	return WithDigits(b, 4, fmt.Sprintf("%02d", dd%28+1))
}

// WrongSecurityCode changes every digit of check code B's security code.
func WrongSecurityCode(b []byte) []byte {
	out := bytes.Clone(b)
	for i := myna.CheckCodeBSecurityCode; i < myna.CheckCodeBLen; i++ {
		out[i] = NextDigit(out[i])
	}
	return out
}

// WrongFor returns a wrong value of the right length for k: check code B
// with another security code, the birth-date key with another day, any other
// secret with its last character changed.
func WrongFor(k Key) []byte {
	right := SecretOf(k.Kind).Bytes()
	switch k.Kind {
	case myna.SecretCheckCodeB:
		return WrongSecurityCode(right)
	case myna.SecretBirthDateKey:
		return WrongBirthDay(right)
	}
	return WrongValue(right)
}

// WrongValue changes the last character of a PIN or key value.
func WrongValue(v []byte) []byte {
	out := bytes.Clone(v)
	i := len(out) - 1
	switch d := out[i]; {
	case d >= '0' && d <= '9':
		out[i] = NextDigit(d)
	case d >= 'A' && d <= 'Z':
		out[i] = 'A' + (d-'A'+1)%26
	default:
		out[i] = '0'
	}
	return out
}

// APDUCounter is a transport that counts what passes through it without
// keeping any of it: every APDU, VERIFY commands that carry data, and every
// VERIFY.
type APDUCounter struct {
	reader.Transport
	mu                          sync.Mutex
	apdus, verifyData, verifies int
}

// CountAPDUs wraps the card's transport in a counter for the rest of the spec.
func CountAPDUs(c *target.Card) *APDUCounter {
	ct := &APDUCounter{Transport: c.T}
	c.T = ct
	return ct
}

// Transmit counts cmd and passes it on to the wrapped transport.
func (t *APDUCounter) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	t.mu.Lock()
	t.apdus++
	if cmd, err := apdu.ParseCommand(cmd); err == nil && cmd.INS == 0x20 {
		t.verifies++
		if len(cmd.Data) > 0 {
			t.verifyData++
		}
	}
	t.mu.Unlock()
	return t.Transport.Transmit(ctx, cmd)
}

// Counts returns the APDUs, the VERIFYs with data and all VERIFYs sent so far.
func (t *APDUCounter) Counts() (apdus, verifyData, verifies int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.apdus, t.verifyData, t.verifies
}
