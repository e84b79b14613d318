package checkcodes

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	. "github.com/onsi/ginkgo/v2"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

// bKeys are both applications' check code B keys (CARD.md §2.2, §2.3, §3).
var bKeys = []Key{SurfaceBKey, TextBKey}

// checkCodeB returns the digits of the target's check code B (never printed).
func checkCodeB() []byte { return SecretOf(myna.SecretCheckCodeB).Bytes() }

// mustDiffer fails the spec when a value built to be wrong equals the right
// one: the spec itself would be wrong, not the card. Neither value is printed.
func mustDiffer(wrong []byte, right myna.Secret, what string) {
	if right.Matches(wrong) && len(wrong) == len(right.Bytes()) {
		Fail(fmt.Sprintf("spec error: %s equals the right %s for this card; the spec cannot test it", what, right.Kind()))
	}
}

// wrongTry presents a wrong value of the right length to k and checks CARD.md
// §3: the card answers 63Cx with x one lower than before, and that counter
// alone moves, by exactly one. It returns the counters after it.
func wrongTry(ctx context.Context, c *target.Card, k Key, value []byte, what string) map[string]int {
	return wrongTryFrom(ctx, c, k, Counters(ctx, c, "before "+what), value, what)
}

// wrongTryFrom is wrongTry from the counters before, as last read or
// predicted. Sampled (a physical card), it reads back only k's counter: the
// others are as in before until a whole read says otherwise, and the right
// try that ends every such spec (RightTry) reads them all.
func wrongTryFrom(ctx context.Context, c *target.Card, k Key, before map[string]int, value []byte, what string) map[string]int {
	n := before[k.ID()]
	if n < 1 {
		Fail(fmt.Sprintf("%s: %s has no tries left before the wrong value is sent", what, k))
	}
	ExpectSW(ctx, c, "select "+k.App.String(), SelectApp(k.App), apdu.SWSuccess)
	ExpectSW(ctx, c, fmt.Sprintf("VERIFY %s with %s (CARD.md §3: a wrong value spends one try and answers 63Cx, x = tries left)", k, what),
		Verify(k.Ref, value), apdu.RetriesLeft(n-1))
	want := Minus(before, k, 1)
	if Sampled() {
		ExpectSW(ctx, c, fmt.Sprintf("after %s: tries of %s (one lower)", what, k), TriesQuery(k.Ref), apdu.RetriesLeft(n-1))
		c.SetKnown(want)
		return want
	}
	ExpectCounters(1, fmt.Sprintf("after %s: only %s one lower", what, k.ID()), want, Counters(ctx, c, "after "+what))
	return want
}

// wrongLength presents a value of the wrong length to k: by CARD.md's
// default it counts as a wrong try (63Cx); a profile may choose 6700 without
// spending a try.
func wrongLength(ctx context.Context, c *target.Card, k Key, value []byte, what string) {
	switch w := ProfileBehaviour().WrongLengthVerify; w {
	case myna.WrongLengthCounts:
		wrongTryFrom(ctx, c, k, Counters(ctx, c, "before "+what), value, what+" (taimen's default: a wrong-length value counts as a wrong try)")
	case myna.WrongLengthRejects:
		noSpend(ctx, c, k, Verify(k.Ref, value), apdu.SWWrongLength, what+" (profile: wrong length answers 6700 and spends nothing)")
	default:
		Fail(fmt.Sprintf("spec error: unknown wrong-length behaviour %v", w))
	}
}

// noSpend sends cmd to k's application and checks its status word and that no
// counter moved.
func noSpend(ctx context.Context, c *target.Card, k Key, cmd apdu.Command, want apdu.StatusWord, what string) {
	before := Counters(ctx, c, "before "+what)
	ExpectSW(ctx, c, "select "+k.App.String(), SelectApp(k.App), apdu.SWSuccess)
	ExpectSW(ctx, c, fmt.Sprintf("%s on %s", what, k), cmd, want)
	ExpectAppCounters(ctx, c, k.App, before, fmt.Sprintf("after %s: no counter moves", what))
}

// wrongThenRight is one spec's whole story: a wrong value spends exactly one
// try of k, the right value then resets it.
func wrongThenRight(ctx context.Context, c *target.Card, k Key, value []byte, what string) {
	initial := Counters(ctx, c, "at the start")
	NeedTries(initial, 1, k)
	wrongTry(ctx, c, k, value, what)
	RightTry(ctx, c, k, initial, "after "+what)
}

// wrongLengthThenRight is wrongThenRight for a value of the wrong length.
func wrongLengthThenRight(ctx context.Context, c *target.Card, k Key, value []byte, what string) {
	initial := Counters(ctx, c, "at the start")
	NeedTries(initial, 1, k)
	wrongLength(ctx, c, k, value, what)
	RightTry(ctx, c, k, initial, "after "+what)
}

// wrongExpiryYear changes check code B's expiry year by one.
func wrongExpiryYear(b []byte) []byte {
	y, _ := strconv.Atoi(string(b[6:10]))
	if y >= 2099 {
		y -= 2
	}
	return WithDigits(b, 6, strconv.Itoa(y+1))
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
