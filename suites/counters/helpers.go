package counters

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

// The key references this area exercises besides those the suites package
// declares (CARD.md §2.2, §3).
var (
	jpkiAuth = Key{App: myna.JPKIAP, Ref: myna.JPKIAuthPINRef, Kind: myna.SecretAuthPIN}
	jpkiSign = Key{App: myna.JPKIAP, Ref: myna.JPKISignPasswordRef, Kind: myna.SecretSignPassword}
	// textBlocked is the text AP's key 0012, which arrives blocked and holds no known secret.
	textBlocked = Key{App: myna.TextAP, Ref: myna.TextBlockedRef, Kind: 0}
)

// blockedQuery is the answer to an empty VERIFY on a blocked key: the
// profile's choice, 63C0 by default (CARD.md "taimen's defaults").
func blockedQuery() apdu.StatusWord { return apdu.StatusWord(ProfileBehaviour().BlockedStatusQuery) }

// countDown sends n wrong values to k (already selected) and checks every
// answer: 63C(start−1), 63C(start−2), …; the try that exhausts the counter
// answers 63C0 (CARD.md §3).
func countDown(ctx context.Context, c *target.Card, k Key, start, n int) {
	wrong := WrongFor(k)
	for i := 1; i <= n; i++ {
		step := fmt.Sprintf("wrong try %d of %d on %s (CARD.md §3: each wrong value spends one try, 63Cx with x = tries left)", i, n, k)
		if start-i == 0 {
			step = fmt.Sprintf("wrong try %d on %s, its last (CARD.md §3: the attempt that exhausts the counter answers 63C0)", i, k)
		}
		ExpectSW(ctx, c, step, Verify(k.Ref, wrong), apdu.RetriesLeft(start-i))
	}
}

// block spends every try of k with wrong values and checks that only k's
// counter moved, to zero. It returns the counters as they were at the start.
func block(ctx context.Context, c *target.Card, k Key) map[string]int {
	initial := Counters(ctx, c, "before blocking "+k.ID())
	n := initial[k.ID()]
	if n < 1 {
		Fail(fmt.Sprintf("%s is already blocked before the spec spends its tries", k))
	}
	ExpectSW(ctx, c, "select "+k.App.String(), SelectApp(k.App), apdu.SWSuccess)
	countDown(ctx, c, k, n, n)
	ExpectCounters(1, fmt.Sprintf("after blocking %s: it alone is at 0", k.ID()), Minus(initial, k, n), Counters(ctx, c, "after blocking "+k.ID()))
	return initial
}

// expectBlocked checks that k is blocked: the tries query answers the
// profile's blocked-status answer and the RIGHT value answers 6984.
func expectBlocked(ctx context.Context, c *target.Card, k Key, when string) {
	ExpectSW(ctx, c, "select "+k.App.String()+" "+when, SelectApp(k.App), apdu.SWSuccess)
	ExpectSW(ctx, c, fmt.Sprintf("empty VERIFY on blocked %s %s (profile's blocked-status answer, CARD.md default 63C0)", k, when), TriesQuery(k.Ref), blockedQuery())
	ExpectSW(ctx, c, fmt.Sprintf("VERIFY blocked %s with the RIGHT value %s (CARD.md §3: any VERIFY after blocking answers 6984)", k, when),
		Verify(k.Ref, SecretOf(k.Kind).Bytes()), apdu.SWReferenceDataBlocked)
}
