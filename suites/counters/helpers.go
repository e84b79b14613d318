package counters

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
	jpkiAuth     = key{myna.JPKIAP, myna.JPKIAuthPINRef, myna.SecretAuthPIN}
	jpkiSign     = key{myna.JPKIAP, myna.JPKISignPasswordRef, myna.SecretSignPassword}
	// textBlocked is the text AP's key 0012, which arrives blocked and holds no known secret.
	textBlocked = key{myna.TextAP, myna.TextBlockedRef, 0}
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

// wrongFor returns a wrong value of the right length for k: check code B
// with another security code, the birth-date key with another day, any other
// secret with its last character changed.
func wrongFor(k key) []byte {
	right := secret(k.kind).Bytes()
	switch k.kind {
	case myna.SecretCheckCodeB:
		return wrongSecurityCode(right)
	case myna.SecretBirthDateKey:
		return wrongBirthDay(right)
	}
	return wrongValue(right)
}

// blockedQuery is the answer to an empty VERIFY on a blocked key: the
// profile's choice, 63C0 by default (CARD.md "taimen's defaults").
func blockedQuery() apdu.StatusWord { return apdu.StatusWord(behaviour().BlockedStatusQuery) }

// countDown sends n wrong values to k (already selected) and checks every
// answer: 63C(start−1), 63C(start−2), …; the try that exhausts the counter
// answers 63C0 (CARD.md §3).
func countDown(ctx context.Context, c *target.Card, k key, start, n int) {
	wrong := wrongFor(k)
	for i := 1; i <= n; i++ {
		step := fmt.Sprintf("wrong try %d of %d on %s (CARD.md §3: each wrong value spends one try, 63Cx with x = tries left)", i, n, k)
		if start-i == 0 {
			step = fmt.Sprintf("wrong try %d on %s, its last (CARD.md §3: the attempt that exhausts the counter answers 63C0)", i, k)
		}
		ExpectSW(ctx, c, step, Verify(k.ref, wrong), apdu.RetriesLeft(start-i))
	}
}

// block spends every try of k with wrong values and checks that only k's
// counter moved, to zero. It returns the counters as they were at the start.
func block(ctx context.Context, c *target.Card, k key) map[string]int {
	initial := counters(ctx, c, "before blocking "+k.id())
	n := initial[k.id()]
	if n < 1 {
		Fail(fmt.Sprintf("%s is already blocked before the spec spends its tries", k))
	}
	ExpectSW(ctx, c, "select "+k.app.String(), SelectApp(k.app), apdu.SWSuccess)
	countDown(ctx, c, k, n, n)
	expectCounters(1, fmt.Sprintf("after blocking %s: it alone is at 0", k.id()), minus(initial, k, n), counters(ctx, c, "after blocking "+k.id()))
	return initial
}

// expectBlocked checks that k is blocked: the tries query answers the
// profile's blocked-status answer and the RIGHT value answers 6984.
func expectBlocked(ctx context.Context, c *target.Card, k key, when string) {
	ExpectSW(ctx, c, "select "+k.app.String()+" "+when, SelectApp(k.app), apdu.SWSuccess)
	ExpectSW(ctx, c, fmt.Sprintf("empty VERIFY on blocked %s %s (profile's blocked-status answer, CARD.md default 63C0)", k, when), TriesQuery(k.ref), blockedQuery())
	ExpectSW(ctx, c, fmt.Sprintf("VERIFY blocked %s with the RIGHT value %s (CARD.md §3: any VERIFY after blocking answers 6984)", k, when),
		Verify(k.ref, secret(k.kind).Bytes()), apdu.SWReferenceDataBlocked)
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

// wrongSecurityCode changes every digit of check code B's security code.
func wrongSecurityCode(b []byte) []byte {
	out := bytes.Clone(b)
	for i := 10; i < 14; i++ {
		out[i] = nextDigit(out[i])
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
