package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Change is a spec whose outcome differs between two runs.
type Change struct {
	Spec  string `json:"spec"` // ID, or the title of a spec without one
	Title string `json:"title"`
	Old   string `json:"old"` // outcome in the old run; "" when the spec is new
	New   string `json:"new"` // outcome in the new run; "" when the spec is gone
	// OldState and NewState are Ginkgo's states (e.g. "timedout").
	OldState string `json:"old_state,omitempty"`
	NewState string `json:"new_state,omitempty"`
}

// rank orders outcomes: a change to a lower rank is a regression.
func rank(outcome string) int {
	switch outcome {
	case OutcomePass:
		return 2
	case OutcomeSkip:
		return 1
	}
	return 0
}

// Worse reports whether the spec regressed: it did not fail and now fails. A spec that passed
// and now did not run is not a regression (Skipped: another target or filter skips it); nor
// is a spec that disappeared (suites change). Both are listed.
func (c Change) Worse() bool { return c.Old != "" && c.New == OutcomeFail && c.Old != OutcomeFail }

// Skipped reports whether the spec passed and now did not run.
func (c Change) Skipped() bool { return c.Old == OutcomePass && c.New == OutcomeSkip }

// Better reports whether the spec improved.
func (c Change) Better() bool { return c.Old != "" && c.New != "" && rank(c.New) > rank(c.Old) }

// Kind is "worse" (a regression: now failing), "skipped" (passed, now not run), "better",
// "added", "removed" or "changed" (same outcome, another state, e.g. failed → timedout).
func (c Change) Kind() string {
	switch {
	case c.Old == "":
		return "added"
	case c.New == "":
		return "removed"
	case c.Worse():
		return "worse"
	case c.Skipped():
		return "skipped"
	case c.Better():
		return "better"
	}
	return "changed"
}

func key(s Spec) string {
	if s.ID != "" {
		return s.ID
	}
	return s.Title
}

// Diff lists the specs whose state changed from old to new: the regressions first, then the
// specs that passed and no longer run, then the rest; by spec within each kind.
func Diff(old, new *Summary) []Change {
	was := map[string]Spec{}
	for _, s := range old.Specs {
		was[key(s)] = s
	}
	var out []Change
	seen := map[string]bool{}
	for _, s := range new.Specs {
		k := key(s)
		seen[k] = true
		o, ok := was[k]
		switch {
		case !ok:
			out = append(out, Change{Spec: k, Title: s.Title, New: s.Outcome, NewState: s.State})
		case o.State != s.State || o.Outcome != s.Outcome:
			out = append(out, Change{Spec: k, Title: s.Title, Old: o.Outcome, New: s.Outcome, OldState: o.State, NewState: s.State})
		}
	}
	for _, s := range old.Specs {
		if k := key(s); !seen[k] {
			out = append(out, Change{Spec: k, Title: s.Title, Old: s.Outcome, OldState: s.State})
		}
	}
	order := map[string]int{"worse": 0, "skipped": 1, "removed": 2, "changed": 3, "better": 4, "added": 5}
	slices.SortStableFunc(out, func(a, b Change) int {
		if d := order[a.Kind()] - order[b.Kind()]; d != 0 {
			return d
		}
		return strings.Compare(a.Spec, b.Spec)
	})
	return out
}

// WriteDiff prints changes as a table and a one-line count; it returns the
// number of regressions.
func WriteDiff(w io.Writer, changes []Change) (worse int, err error) {
	if len(changes) == 0 {
		_, err = fmt.Fprintln(w, "no spec changed status")
		return 0, err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANGE\tSPEC\tOLD\tNEW\tTITLE")
	counts := map[string]int{}
	for _, c := range changes {
		counts[c.Kind()]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Kind(), c.Spec, orDash(c.OldState), orDash(c.NewState), c.Title)
	}
	if err := tw.Flush(); err != nil {
		return 0, err
	}
	var parts []string
	for _, k := range []string{"worse", "skipped", "removed", "changed", "better", "added"} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	_, err = fmt.Fprintf(w, "\n%d changed: %s\n", len(changes), strings.Join(parts, ", "))
	return counts["worse"], err
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Warnings say why two runs may not be comparable: another target kind, reader, card (ATR),
// profile or label filter. Empty when they agree.
func Warnings(old, new *Summary) []string {
	var out []string
	for _, f := range []struct{ what, a, b string }{
		{"target", old.Target.Kind, new.Target.Kind},
		{"reader", old.Target.Reader, new.Target.Reader},
		{"card (ATR)", old.Target.ATR, new.Target.ATR},
		{"profile", old.Target.Profile, new.Target.Profile},
		{"label filter", old.LabelFilter, new.LabelFilter},
	} {
		if f.a != f.b {
			out = append(out, fmt.Sprintf("the runs differ in %s: %s → %s", f.what, orDash(f.a), orDash(f.b)))
		}
	}
	return out
}
