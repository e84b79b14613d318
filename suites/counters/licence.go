package counters

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

var _ = Describe("driving-licence PIN", Label(area, "licence"), func() {
	Spec(Meta{ID: "RC-101", Title: "the licence PIN has 10 tries and the status query spends none", Area: area, App: "licence",
		Checks: "five empty VERIFYs on the licence PIN (00 20 00 86) and the whole counter map before and after",
		Expect: "63CA each time (10 tries, DLC_Starter's measurement); no counter moves"},
		func(ctx context.Context, c *target.Card) {
			NeedLicence(ctx, c)
			before := Counters(ctx, c, "at the start")
			Expect(before[LicenceKey.ID()]).To(Equal(10), "a fresh licence PIN has 10 tries (63CA)")
			ExpectSW(ctx, c, "select the licence application", SelectApp(myna.LicenceAP), apdu.SWSuccess)
			for i := range 5 {
				ExpectSW(ctx, c, fmt.Sprintf("status query %d of 5 on %s", i+1, LicenceKey), TriesQuery(myna.LicencePINRef), apdu.RetriesLeft(10))
			}
			ExpectCounters(0, "after five status queries", before, Counters(ctx, c, "at the end"))
		})

	Spec(Meta{ID: "RC-102", Title: "the licence PIN counts down by one per wrong try and the right PIN resets it", Area: area, App: "licence",
		Checks:      "every try of the licence PIN but the last spent with a wrong value, a status query after each, then the right PIN",
		Expect:      "63C9 … 63C1, the query agreeing; only licence/0006 moves; the right PIN answers 9000 and puts it back at 10",
		Destructive: true},
		func(ctx context.Context, c *target.Card) {
			NeedLicence(ctx, c)
			countDownThenRight(ctx, c, LicenceKey)
		})

	Spec(Meta{ID: "RC-103", Title: "the licence PIN blocks at zero", Area: area, App: "licence",
		Checks:      "every try of the licence PIN spent with a wrong value; then the status query, the RIGHT PIN, and READ BINARY of EF 001B",
		Expect:      "63C9 … 63C0; then the profile's blocked-status answer (63C0), 6984 for the right PIN, and the protected-read status: nothing opens",
		Destructive: true},
		func(ctx context.Context, c *target.Card) {
			NeedLicence(ctx, c)
			block(ctx, c, LicenceKey)
			expectBlocked(ctx, c, LicenceKey, "after blocking")
			ExpectSW(ctx, c, "READ BINARY of EF 001B on a blocked licence", ReadSFI(myna.LicenceData, 16), apdu.StatusWord(ProfileBehaviour().ProtectedRead))
			Expect(c.PowerCycle(ctx)).To(Succeed(), "power-cycle the card")
			expectBlocked(ctx, c, LicenceKey, "after a power cycle")
		})
})
