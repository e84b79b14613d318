package reports

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func summaryOf(specs ...Spec) *Summary { return &Summary{Schema: Schema, Specs: specs} }

func sp(id, state string) Spec {
	o := map[string]string{"passed": OutcomePass, "failed": OutcomeFail, "timedout": OutcomeFail, "skipped": OutcomeSkip}[state]
	return Spec{ID: id, Title: "title of " + id, State: state, Outcome: o}
}

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		old, new *Summary
		want     []string // kind spec
		worse    int
	}{
		{"same", summaryOf(sp("A-1", "passed")), summaryOf(sp("A-1", "passed")), nil, 0},
		{"pass to fail", summaryOf(sp("A-1", "passed")), summaryOf(sp("A-1", "failed")), []string{"worse A-1"}, 1},
		{"pass to skip is apart, not a regression", summaryOf(sp("A-1", "passed")), summaryOf(sp("A-1", "skipped")), []string{"skipped A-1"}, 0},
		{"skip to fail", summaryOf(sp("A-1", "skipped")), summaryOf(sp("A-1", "failed")), []string{"worse A-1"}, 1},
		{"fail to pass", summaryOf(sp("A-1", "failed")), summaryOf(sp("A-1", "passed")), []string{"better A-1"}, 0},
		{"fail to timeout", summaryOf(sp("A-1", "failed")), summaryOf(sp("A-1", "timedout")), []string{"changed A-1"}, 0},
		{"added and removed", summaryOf(sp("A-1", "passed")), summaryOf(sp("A-2", "failed")), []string{"removed A-1", "added A-2"}, 0},
		{"worse first", summaryOf(sp("A-1", "failed"), sp("B-1", "passed"), sp("C-1", "passed")),
			summaryOf(sp("A-1", "passed"), sp("B-1", "passed"), sp("C-1", "failed")), []string{"worse C-1", "better A-1"}, 1},
		{"regressions, then passed to skipped", summaryOf(sp("A-1", "passed"), sp("B-1", "passed"), sp("C-1", "skipped"), sp("D-1", "failed")),
			summaryOf(sp("A-1", "skipped"), sp("B-1", "failed"), sp("C-1", "failed"), sp("D-1", "passed")),
			[]string{"worse B-1", "worse C-1", "skipped A-1", "better D-1"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := Diff(tc.old, tc.new)
			var got []string
			for _, c := range cs {
				got = append(got, c.Kind()+" "+c.Spec)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			var b strings.Builder
			worse, err := WriteDiff(&b, cs)
			if err != nil || worse != tc.worse {
				t.Errorf("WriteDiff: worse %d, err %v; want %d", worse, err, tc.worse)
			}
			if len(cs) == 0 && !strings.Contains(b.String(), "no spec changed") {
				t.Errorf("output: %s", b.String())
			}
			for _, c := range cs {
				if !strings.Contains(b.String(), c.Spec) {
					t.Errorf("output lacks %s:\n%s", c.Spec, b.String())
				}
			}
		})
	}
}

func TestDiffWarnings(t *testing.T) {
	a := &Summary{Target: Target{Kind: "emulator", Profile: "p01-showa", ATR: "3B"}}
	if w := Warnings(a, a); len(w) != 0 {
		t.Errorf("same target: %v", w)
	}
	b := &Summary{Target: Target{Kind: "pcsc", Reader: "ACS ACR1252", ATR: "3B"}, LabelFilter: "!destructive"}
	want := []string{"the runs differ in target: emulator → pcsc", "the runs differ in reader: — → ACS ACR1252",
		"the runs differ in profile: p01-showa → —", "the runs differ in label filter: — → !destructive"}
	if d := cmp.Diff(want, Warnings(a, b)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}
