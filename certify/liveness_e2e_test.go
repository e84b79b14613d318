package certify

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCertifyReplayReader: a reader that has the card sign a constant nonce
// (no GET CHALLENGE) proves nothing, since a recorded signature answers it:
// it passes RR-007 on the first card it signs with (nothing to compare yet)
// and fails it on the next, the clone, naming the scenario it repeats.
func TestCertifyReplayReader(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Parallel()
	rep := certifyWith(t, Options{Command: badReader(t, "replayreader"), Scenarios: []string{"good", "clone"}, Timeout: 30 * time.Second})
	if !slices.Equal(rep.FailedRules, []string{"RR-007"}) {
		t.Fatalf("failed rules %v, want [RR-007]\n%v", rep.FailedRules, failedIn(rep))
	}
	f := failedIn(rep)["RR-007"]
	if len(f) != 1 || !strings.HasPrefix(f[0], "clone: ") || !strings.Contains(f[0], "same data as in scenario good") {
		t.Fatalf("RR-007 failures %q", f)
	}
	for _, sc := range rep.Scenarios {
		if sc.Name == "good" && sc.APDUs != 6 {
			t.Errorf("good: the face read took %d APDUs, want 6", sc.APDUs)
		}
	}
}
