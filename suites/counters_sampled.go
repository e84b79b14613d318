package suites

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/suites/target"
)

// appCounters is the sampled (physical-card) check of the counters after a
// step: only the keys of app (selected) are read, each with its tries query,
// and compared with want; the other applications' counters are taken from
// want, and the run's check of every counter after its last spec covers them.
// It returns want. A whole read is about 17 APDUs, this one 3 or 4.
func appCounters(ctx context.Context, c *target.Card, app myna.App, want map[string]int, step string) map[string]int {
	prefix := app.String() + "/"
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if !strings.HasPrefix(id, prefix) {
			continue
		}
		ref, err := myna.ParseEFRef(id)
		Expect(err).NotTo(HaveOccurred(), "%s: counter %s", step, id)
		sw := Send(ctx, c, TriesQuery(ref.ID)).SW
		got, ok := sw.Retries()
		if !ok && (sw == apdu.SWReferenceDataBlocked || sw == apdu.SWAuthMethodBlocked) {
			got, ok = 0, true
		}
		ExpectWithOffset(1, ok).To(BeTrue(), "%s: the tries query of %s answered %s", step, id, sw)
		ExpectWithOffset(1, got).To(Equal(want[id]), fmt.Sprintf("%s: %s has %d tries, want %d (the application's counters read alone on a physical card)", step, id, got, want[id]))
	}
	c.SetKnown(want)
	return want
}

// ExpectAppCounters checks the counters after a step against want: every
// counter on an emulated card; sampled (a physical card), only the keys of app,
// which the caller has selected (see appCounters).
func ExpectAppCounters(ctx context.Context, c *target.Card, app myna.App, want map[string]int, step string) {
	if Sampled() {
		appCounters(ctx, c, app, want, step)
		return
	}
	ExpectCounters(1, step, want, Counters(ctx, c, step))
}
