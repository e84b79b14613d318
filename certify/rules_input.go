package certify

import (
	"fmt"
	"strings"

	"github.com/taimen-dev/taimen/myna"
)

// ruleRightCheckCodeB is RR-016: when the operator gives only the card image
// or the typed birth date, the reader builds check code B itself.
var ruleRightCheckCodeB = Rule{ID: "RR-016", Severity: Must,
	Title: "builds the right check code B from the card image or the typed birth date",
	Checks: "every VERIFY with data on a check-code-B key (surface/0012, text/0015) carries the card's check code B, the era conversion included " +
		"(compared by a salted hash, never stored), at least one does, and the read succeeds (exit 0)",
	Scenarios: []string{"image-only", "manual-date"}, check: checkRightCheckCodeB}

// isCheckCodeBKey reports whether a key reference named "app/FID" takes check code B.
func isCheckCodeBKey(key string) bool {
	ref, err := myna.ParseEFRef(key)
	if err != nil {
		return false
	}
	d, ok := myna.LookupEF(ref.App, ref.ID)
	return ok && d.Secret == myna.SecretCheckCodeB
}

func checkRightCheckCodeB(ev *evidence) (bool, string) {
	what := map[string]string{inputImage: "the card image", inputManual: "the typed birth date, expiry year and security code"}[ev.sc.Input]
	var wrong []string
	right := 0
	for _, v := range ev.verifies {
		if v.value == 0 || !isCheckCodeBKey(v.key) {
			continue
		}
		if v.checkCodeB {
			right++
		} else {
			wrong = append(wrong, fmt.Sprintf("%s (#%d)", v.key, v.seq))
		}
	}
	switch {
	case len(wrong) > 0:
		return false, fmt.Sprintf("sent a value that is not the card's check code B on %s: check code B built from %s is wrong (era conversion, OCR or the order of its parts?)",
			strings.Join(wrong, ", "), what)
	case right == 0:
		return false, fmt.Sprintf("sent no check code B: nothing was built from %s (%s)", what, exitDesc(ev))
	case ev.timedOut || ev.exitCode != 0:
		return false, fmt.Sprintf("sent the right check code B but the read failed: %s", exitDesc(ev))
	}
	return true, fmt.Sprintf("sent the right check code B built from %s (%d VERIFY) and read the card", what, right)
}
