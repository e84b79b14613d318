package bench

import (
	"testing"
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/emulator"
)

func TestPercentile(t *testing.T) {
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {99, 99}, {100, 100}, {1, 1}, {0.1, 1}} {
		if got := Percentile(s, c.p); got != c.want {
			t.Errorf("Percentile(1..100, %v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("Percentile(nil) = %v", got)
	}
}

// TestCommands checks what the PC/SC benchmarks assume of the emulator: SELECT_AID answers
// 90 00, SELECT_MF too once an application is selected, SELECT_3F00 does not.
func TestCommands(t *testing.T) {
	c := newCard(t, profile(t), emulator.Options{})
	send(t, c, SelectSurfaceAID, apdu.SWSuccess)
	send(t, c, SelectMF, apdu.SWSuccess)
	send(t, c, SelectMFByFID, apdu.SWFileNotFound)
}
