package main

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/reports"
)

// physicalBudget is the most APDUs a default run of every area may send to a
// physical card: at 5–20 ms an APDU over NFC, 1,500 is 8–30 s.
const physicalBudget = 1500

// checkPhysicalBudget checks the APDUs of a default physical-card run of every area (the
// emulator passed off as a physical card, counted at the card): within the budget, and the
// report's per-spec counts add up to what the card saw, less the suite's own counter reads.
func checkPhysicalBudget(t *testing.T, run physicalRun) {
	t.Helper()
	if run.s.Totals.Passed == 0 {
		t.Fatalf("exit %d, nothing passed\n%s", run.r.code, tail(run.r.stdout, 3000))
	}
	specs := slices.Clone(run.s.Specs)
	slices.SortFunc(specs, func(a, b reports.Spec) int { return cmp.Compare(b.APDUs, a.APDUs) })
	var top []string
	for _, sp := range specs[:min(15, len(specs))] {
		top = append(top, fmt.Sprintf("%s %d", sp.ID, sp.APDUs))
	}
	t.Logf("card saw %d APDUs; report: %s; heaviest: %s", run.apdus, reports.APDULine(run.s), strings.Join(top, ", "))
	if os.Getenv("TAIMEN_BUDGET_ALL") != "" {
		for _, sp := range specs {
			t.Logf("  %s %s %d", sp.ID, sp.Outcome, sp.APDUs)
		}
	}
	recordAPDUs(t, "physical", run.s)
	if run.apdus > physicalBudget {
		t.Errorf("a physical-card run sent %d APDUs, budget %d", run.apdus, physicalBudget)
	}
	if run.s.APDUs > run.apdus || run.s.APDUs == 0 {
		t.Errorf("the report counts %d APDUs, the card saw %d", run.s.APDUs, run.apdus)
	}
}

func tail(b string, n int) string { return b[max(0, len(b)-n):] }

// recordAPDUs appends the run's APDU line ("target: N APDUs: area n, …") to the
// file named by TAIMEN_TEST_APDUS, if set: `make test` prints it at the end, so a
// change in what the suites send shows in every run.
func recordAPDUs(t *testing.T, target string, s *reports.Summary) {
	t.Helper()
	path := os.Getenv("TAIMEN_TEST_APDUS")
	if path == "" || s == nil {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("TAIMEN_TEST_APDUS: %v", err)
		return
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "%-9s %s\n", target+":", reports.APDULine(s)); err != nil {
		t.Errorf("TAIMEN_TEST_APDUS: %v", err)
	}
}
