package checkcodes

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
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

// key is one key reference of one application.
type key struct {
	app  myna.App
	ref  myna.FileID
	kind myna.SecretKind
}

// id is the key's name in the Tries map, e.g. "surface/0012".
func (k key) id() string { return k.app.String() + "/" + k.ref.String() }

// String names the key and what it holds, e.g. "surface/0012 (check code B)".
func (k key) String() string {
	if !k.kind.Valid() {
		return k.id() + " (key that arrives blocked)"
	}
	return fmt.Sprintf("%s (%s)", k.id(), k.kind)
}

// The key references this area exercises (CARD.md §2.2, §2.3, §3).
var (
	surfaceB     = key{myna.CardSurfaceAP, myna.SurfaceCheckCodeBRef, myna.SecretCheckCodeB}
	surfaceA     = key{myna.CardSurfaceAP, myna.SurfaceCheckCodeARef, myna.SecretCheckCodeA}
	surfaceBirth = key{myna.CardSurfaceAP, myna.SurfaceBirthDateKeyRef, myna.SecretBirthDateKey}
	textB        = key{myna.TextAP, myna.TextCheckCodeBRef, myna.SecretCheckCodeB}
	textA        = key{myna.TextAP, myna.TextCheckCodeARef, myna.SecretCheckCodeA}
	textPIN      = key{myna.TextAP, myna.TextPINRef, myna.SecretTextPIN}
	bKeys        = []key{surfaceB, textB}
)

// secret returns the target's secret of kind k, failing the spec when the
// target has none (a physical card without the value in the environment).
func secret(k myna.SecretKind) myna.Secret {
	codes := Current().Codes
	var s myna.Secret
	switch k {
	case myna.SecretCheckCodeA:
		s = codes.A
	case myna.SecretCheckCodeB:
		s = codes.B
	case myna.SecretBirthDateKey:
		s = codes.BirthDate
	case myna.SecretTextPIN:
		s = codes.TextPIN
	case myna.SecretAuthPIN:
		s = codes.AuthPIN
	case myna.SecretSignPassword:
		s = codes.SignPassword
	}
	return Need(s, k.String())
}

// checkCodeB returns the digits of the target's check code B (never printed).
func checkCodeB() []byte { return secret(myna.SecretCheckCodeB).Bytes() }

// limit is the retry limit of kind k: the profile's, or taimen's default on a
// physical card (CARD.md "taimen's defaults").
func limit(k myna.SecretKind) int {
	if p := Current().Profile; p != nil {
		return p.RetryLimits.For(k)
	}
	return k.DefaultRetryLimit()
}

// behaviour is the profile's answers where the public record is silent, or
// taimen's defaults on a physical card.
func behaviour() myna.Behaviour {
	if p := Current().Profile; p != nil {
		return p.Behaviour
	}
	return myna.DefaultBehaviour()
}

// counters reads every retry counter with empty VERIFYs (nothing is spent).
func counters(ctx context.Context, c *target.Card, step string) map[string]int {
	m, err := c.Tries(ctx)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s: read every counter with empty VERIFYs (CARD.md §3)", step)
	if emu := c.Emulated(); emu != nil {
		ExpectWithOffset(1, cmp.Diff(emu.Tries(), m)).To(BeEmpty(),
			"%s: the tries the card answers to empty VERIFYs differ from its own counters (-card's counters +answered)", step)
	}
	return m
}

// expectCounters compares the whole counter map.
func expectCounters(offset int, step string, want, got map[string]int) {
	ExpectWithOffset(offset+1, cmp.Diff(want, got)).To(BeEmpty(), "%s: retry counters differ (-want +got)", step)
}

// minus returns m with k's counter n lower.
func minus(m map[string]int, k key, n int) map[string]int {
	out := maps.Clone(m)
	out[k.id()] -= n
	return out
}

// mustDiffer fails the spec when a value built to be wrong equals the right
// one: the spec itself would be wrong, not the card. Neither value is printed.
func mustDiffer(wrong []byte, right myna.Secret, what string) {
	if right.Matches(wrong) && len(wrong) == len(right.Bytes()) {
		Fail(fmt.Sprintf("spec error: %s equals the right %s for this card; the spec cannot test it", what, right.Kind()))
	}
}

// wrongTry presents a wrong value of the right length to k and checks CARD.md
// §3: the card answers 63Cx with x one lower than before, and that counter
// alone moves, by exactly one.
func wrongTry(ctx context.Context, c *target.Card, k key, value []byte, what string) {
	before := counters(ctx, c, "before "+what)
	n := before[k.id()]
	if n < 1 {
		Fail(fmt.Sprintf("%s: %s has no tries left before the wrong value is sent", what, k))
	}
	ExpectSW(ctx, c, "select "+k.app.String(), SelectApp(k.app), apdu.SWSuccess)
	ExpectSW(ctx, c, fmt.Sprintf("VERIFY %s with %s (CARD.md §3: a wrong value spends one try and answers 63Cx, x = tries left)", k, what),
		Verify(k.ref, value), apdu.RetriesLeft(n-1))
	expectCounters(1, fmt.Sprintf("after %s: only %s one lower", what, k.id()), minus(before, k, 1), counters(ctx, c, "after "+what))
}

// wrongLength presents a value of the wrong length to k: by CARD.md's
// default it counts as a wrong try (63Cx); a profile may choose 6700 without
// spending a try.
func wrongLength(ctx context.Context, c *target.Card, k key, value []byte, what string) {
	switch w := behaviour().WrongLengthVerify; w {
	case myna.WrongLengthCounts:
		wrongTry(ctx, c, k, value, what+" (taimen's default: a wrong-length value counts as a wrong try)")
	case myna.WrongLengthRejects:
		noSpend(ctx, c, k, Verify(k.ref, value), apdu.SWWrongLength, what+" (profile: wrong length answers 6700 and spends nothing)")
	default:
		Fail(fmt.Sprintf("spec error: unknown wrong-length behaviour %v", w))
	}
}

// noSpend sends cmd to k's application and checks its status word and that no
// counter moved.
func noSpend(ctx context.Context, c *target.Card, k key, cmd apdu.Command, want apdu.StatusWord, what string) {
	before := counters(ctx, c, "before "+what)
	ExpectSW(ctx, c, "select "+k.app.String(), SelectApp(k.app), apdu.SWSuccess)
	ExpectSW(ctx, c, fmt.Sprintf("%s on %s", what, k), cmd, want)
	expectCounters(1, fmt.Sprintf("after %s: no counter moves", what), before, counters(ctx, c, "after "+what))
}

// rightTry presents the right value to k and checks CARD.md §3: 9000, and the
// counter back at its limit (the profile's; on a physical card at least what
// it was at the start) with every other counter as in initial. It returns the
// counters it checked.
func rightTry(ctx context.Context, c *target.Card, k key, initial map[string]int, what string) map[string]int {
	ExpectSW(ctx, c, "select "+k.app.String(), SelectApp(k.app), apdu.SWSuccess)
	ExpectSW(ctx, c, fmt.Sprintf("VERIFY %s with the right %s %s (CARD.md §3: 9000 and the counter reset)", k, k.kind, what),
		Verify(k.ref, secret(k.kind).Bytes()), apdu.SWSuccess)
	got := counters(ctx, c, "after the right "+k.kind.String())
	expectCounters(1, fmt.Sprintf("after the right %s: %s back at its limit, the others as at the start", k.kind, k.id()), resetWant(initial, got, k), got)
	return got
}

// resetWant is initial with k's counter back at its limit: the profile's, or
// on a physical card (whose limit is not known) whatever it now is, as long
// as that is not lower than at the start.
func resetWant(initial, got map[string]int, k key) map[string]int {
	want := maps.Clone(initial)
	if Current().Profile != nil {
		want[k.id()] = limit(k.kind)
	} else if got[k.id()] >= initial[k.id()] {
		want[k.id()] = got[k.id()]
	}
	return want
}

// wrongThenRight is one spec's whole story: a wrong value spends exactly one
// try of k, the right value then resets it.
func wrongThenRight(ctx context.Context, c *target.Card, k key, value []byte, what string) {
	initial := counters(ctx, c, "at the start")
	wrongTry(ctx, c, k, value, what)
	rightTry(ctx, c, k, initial, "after "+what)
}

// wrongLengthThenRight is wrongThenRight for a value of the wrong length.
func wrongLengthThenRight(ctx context.Context, c *target.Card, k key, value []byte, what string) {
	initial := counters(ctx, c, "at the start")
	wrongLength(ctx, c, k, value, what)
	rightTry(ctx, c, k, initial, "after "+what)
}

// withDigits returns b with the digits from off replaced by s.
func withDigits(b []byte, off int, s string) []byte {
	out := bytes.Clone(b)
	copy(out[off:], s)
	return out
}

// nextDigit is d+1 modulo 10, for an ASCII digit.
func nextDigit(d byte) byte { return '0' + (d-'0'+1)%10 }

// wrongBirthDay changes the day of check code B's birth date to another valid day.
func wrongBirthDay(b []byte) []byte {
	dd, _ := strconv.Atoi(string(b[4:6]))
	return withDigits(b, 4, fmt.Sprintf("%02d", dd%28+1))
}

// wrongExpiryYear changes check code B's expiry year by one.
func wrongExpiryYear(b []byte) []byte {
	y, _ := strconv.Atoi(string(b[6:10]))
	if y >= 2099 {
		y -= 2
	}
	return withDigits(b, 6, strconv.Itoa(y+1))
}

// wrongSecurityCode changes every digit of check code B's security code.
func wrongSecurityCode(b []byte) []byte {
	out := bytes.Clone(b)
	for i := 10; i < 14; i++ {
		out[i] = nextDigit(out[i])
	}
	return out
}

// swapAdjacent swaps the first two adjacent digits that differ; ok is false
// when all digits are equal.
func swapAdjacent(b []byte) (out []byte, ok bool) {
	out = bytes.Clone(b)
	for i := 0; i+1 < len(out); i++ {
		if out[i] != out[i+1] {
			out[i], out[i+1] = out[i+1], out[i]
			return out, true
		}
	}
	return out, false
}

// lettersFor maps each digit d to the letter 'A'+d: the right length, no digit.
func lettersFor(b []byte) []byte {
	out := bytes.Clone(b)
	for i, d := range out {
		out[i] = 'A' + (d-'0')%26
	}
	return out
}

// wrongValue changes the last character of a PIN or key value.
func wrongValue(v []byte) []byte {
	out := bytes.Clone(v)
	i := len(out) - 1
	switch d := out[i]; {
	case d >= '0' && d <= '9':
		out[i] = nextDigit(d)
	case d >= 'A' && d <= 'Z':
		out[i] = 'A' + (d-'A'+1)%26
	default:
		out[i] = '0'
	}
	return out
}

// counting is a transport that counts what passes through it without keeping
// any of it: every APDU, VERIFY commands that carry data, and every VERIFY.
type counting struct {
	reader.Transport
	mu                          sync.Mutex
	apdus, verifyData, verifies int
}

// countAPDUs wraps the card's transport in a counter for the rest of the spec.
func countAPDUs(c *target.Card) *counting {
	ct := &counting{Transport: c.T}
	c.T = ct
	return ct
}

func (t *counting) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
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

// counts returns the APDUs, the VERIFYs with data and all VERIFYs sent so far.
func (t *counting) counts() (apdus, verifyData, verifies int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.apdus, t.verifyData, t.verifies
}
