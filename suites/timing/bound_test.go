package timing_test

import (
	"testing"
	"time"

	"github.com/taimen-dev/taimen/suites/timing"
)

// DiscoveredBound is max(4·L, L + 50 ms), at most CARD.md's 1 s: a card of latency up to 100 ms
// behind a relay adding 300 ms per command (its slow fault) is at or over it.
func TestDiscoveredBound(t *testing.T) {
	ms := time.Millisecond
	for l, want := range map[time.Duration]time.Duration{
		1 * ms: 51 * ms, 10 * ms: 60 * ms, 16 * ms: 66 * ms, 17 * ms: 68 * ms, 40 * ms: 160 * ms,
		200 * ms: 800 * ms, 250 * ms: time.Second, 2 * time.Second: time.Second,
	} {
		if got := timing.DiscoveredBound(l); got != want {
			t.Errorf("DiscoveredBound(%v) = %v, want %v", l, got, want)
		}
	}
	for l := ms; l <= 100*ms; l += ms {
		if b := timing.DiscoveredBound(l); l+300*ms < b {
			t.Errorf("a card of %v behind a relay adding 300 ms (%v) is under the bound %v", l, l+300*ms, b)
		}
	}
}
