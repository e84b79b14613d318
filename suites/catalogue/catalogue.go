// Package catalogue renders the spec catalogue (suites.Catalogue) as the
// Markdown of suites/CATALOGUE.md. Its test declares every area's specs with
// a Ginkgo dry run and fails when the committed file differs from the code;
// `make catalogue` (go test ./suites/catalogue -update) rewrites it.
package catalogue

import (
	"fmt"
	"slices"
	"strings"

	"github.com/taimen-dev/taimen/suites"
)

// Markdown renders the catalogue: a count per area, then one table row per spec.
func Markdown(ms []suites.Meta) string {
	var b strings.Builder
	b.WriteString("# Conformance catalogue\n\n")
	b.WriteString("<!-- Generated from the specs by `make catalogue` (suites/catalogue). Do not edit: `make test` fails when this file and the code disagree. -->\n\n")
	areas := map[string]int{}
	destructive, spends := 0, 0
	for _, m := range ms {
		areas[m.Area]++
		if m.Destructive {
			destructive++
		}
		if m.SpendsTry > 0 {
			spends++
		}
	}
	names := make([]string, 0, len(areas))
	for a := range areas {
		names = append(names, a)
	}
	slices.Sort(names)
	fmt.Fprintf(&b, "%s in %s", plural(len(ms), "spec"), plural(len(areas), "area"))
	if len(names) > 0 {
		parts := make([]string, len(names))
		for i, a := range names {
			parts[i] = fmt.Sprintf("%s %d", a, areas[a])
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	b.WriteString(".\n\n")
	fmt.Fprintf(&b, "Every spec runs against a target: `emulator` (in-process), `vpcd` (the emulator behind a real pcscd) or `pcsc:READER` (a physical card). ")
	fmt.Fprintf(&b, "Specs for emulated targets only need a power cut, a restart or a fresh card; on a physical card they are skipped. ")
	fmt.Fprintf(&b, "Destructive specs (%d) can lock a counter or spend it to its last tries: on a physical card they run only with `--allow-destructive`, and the safety guard still keeps the floor. ", destructive)
	fmt.Fprintf(&b, "Specs that spend tries (%d) send wrong codes and restore every counter with the right code: they run on a physical card by default, each skipped when a key it spends has too few tries above the floor, and the run checks that every counter ends where it began.\n\n", spends)
	fmt.Fprintf(&b, "Select specs with `taimen run --label-filter`: each spec is labelled with its area, its application, `destructive`, `spends-try`, `emulated-only` and `power-cut` where they apply.\n\n")
	b.WriteString("| ID | Title | Area | App | What it checks | Expected result | Targets | Tries |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, m := range ms {
		d := "none"
		switch {
		case m.Destructive:
			d = "**destructive**"
		case m.SpendsTry > 0:
			d = fmt.Sprintf("spends %d, restores", m.SpendsTry)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", cell(m.ID), cell(m.Title), cell(m.Area), cell(m.App),
			cell(m.Checks), cell(m.Expect), cell(m.Targets.String()), d)
	}
	return b.String()
}

// cell escapes a table cell: pipes, newlines.
func cell(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
