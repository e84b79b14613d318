package main

import (
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/myna"
)

// TestStatusMarksProvisional: `taimen status` on the provisional next-generation profile says
// so, in the table and the JSON, lists only its two applications' keys (two PINs, the
// check codes), and says nothing of the kind for today's card.
func TestStatusMarksProvisional(t *testing.T) {
	for _, args := range [][]string{{"status", "--emulator", "p08-nextgen-provisional"}, {"status", "--emulator", "p08-nextgen-provisional", "--json"}} {
		r := runCLI(t, nil, args...)
		if r.code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, myna.ProvisionalNotice) {
			t.Errorf("%v does not say %q:\n%s", args, myna.ProvisionalNotice, r.stdout)
		}
		for _, app := range []string{"text", "juki", "common"} {
			if strings.Contains(r.stdout, app+" ") || strings.Contains(r.stdout, `"`+app+`"`) {
				t.Errorf("%v lists a key of the %s application", args, app)
			}
		}
	}
	r := runCLI(t, nil, "status", "--emulator", "p01-showa")
	if r.code != exitOK || strings.Contains(r.stdout, "provisional") || strings.Contains(r.stdout, "generation") {
		t.Errorf("p01 status: exit %d\n%s", r.code, r.stdout)
	}
}
