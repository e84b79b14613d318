package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/reports"
	"github.com/taimen-dev/taimen/suites/target"
)

// mutant is the outcome of the suites against one faulty emulator.
type mutant struct {
	Fault    string   `json:"fault"`
	Does     string   `json:"does"`
	Expected string   `json:"expected_area"`
	Filter   string   `json:"label_filter,omitempty"`
	Caught   []string `json:"caught_by"`          // failing spec IDs
	InArea   []string `json:"caught_in_area"`     // of those, the ones in the expected area
	Verdict  string   `json:"verdict"`            // caught, missed, error, n/a (the fault does not apply to the profile)
	Error    string   `json:"error,omitempty"`    // why the run could not be judged, or why the fault does not apply
	Duration string   `json:"duration,omitempty"` // wall time of its run
}

// mutantParams gives faults a parameter that keeps the mutation run short:
// 20 ms is four times the in-process median bound of the timing area.
var mutantParams = map[emulator.Fault]string{emulator.FaultSlow: "=20ms"}

// mutantFilters narrows the run for faults that make every command slow or
// mute: their expected area is enough to prove detection, and a full run
// would take minutes for no more information.
var mutantFilters = map[emulator.Fault]string{
	emulator.FaultSlow: "timing && !destructive", // the latency bounds; the leak tests (destructive) time 600 VERIFYs each
	emulator.FaultMute: "robustness",
	emulator.FaultTorn: "robustness",
}

// cmdMutants runs the suites once against the clean emulator and once per
// fault, and prints which specs catch each fault. It fails when the clean
// emulator does not pass everything or a fault is not caught by a spec of the
// area expected to catch it.
func cmdMutants(ctx context.Context, args []string, e env) int {
	fs := newFlagSet("mutants", e)
	out := fs.String("out", filepath.Join("out", "mutants"), "directory for each run's summary.json and console.log (taimen report --in DIR/FAULT renders its report) and the table (MUTANTS.md, mutants.json)")
	var only listFlag
	fs.Var(&only, "fault", "run only this fault (repeatable)")
	jobs := fs.Int("j", 2, "runs in parallel")
	profile := fs.String("profile", "", profileHelp("the emulated card's profile (default p01-showa)"))
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	self, err := os.Executable()
	if err != nil {
		return exitCode(e, err)
	}
	faults := emulator.Faults()
	if len(only) > 0 {
		faults = slices.DeleteFunc(faults, func(f emulator.FaultInfo) bool { return !slices.Contains(only, string(f.Fault)) })
		if len(faults) != len(only) {
			return exitCode(e, usagef("mutants: unknown fault among %v ('taimen emulate --fault list' lists them)", only))
		}
	}
	run := func(name, faultEnv, filter string) (*reports.Summary, time.Duration, error) {
		dir := filepath.Join(*out, name)
		os.RemoveAll(dir)
		argv := []string{"run", "--target", "emulator", "--profile", *profile, "--out", dir, "--timeout", "500ms"}
		if filter != "" {
			argv = append(argv, "--label-filter", filter)
		}
		cmd := exec.CommandContext(ctx, self, argv...)
		cmd.Env = append(os.Environ(), target.EnvTarget+"=emulator", target.EnvFaults+"="+faultEnv)
		start := time.Now()
		logb, _ := cmd.CombinedOutput() // a failing run exits 1: the summary says why
		if err := os.WriteFile(filepath.Join(*out, name+".log"), logb, 0o644); err != nil {
			return nil, 0, err
		}
		files := reports.FilesIn(dir)
		s, err := reports.Load(files.Summary)
		// Keep the summary only: the other reports derive from it (or, Ginkgo's, repeat it), and
		// thirty runs' worth of them would be hundreds of megabytes.
		for _, p := range []string{files.Ginkgo, files.JUnit, files.HTML} {
			os.Remove(p)
		}
		return s, time.Since(start), err
	}
	if *profile == "" {
		*profile = target.DefaultProfile()
	}
	prof, err := resolveProfile(*profile)
	if err != nil {
		return exitCode(e, err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return exitCode(e, err)
	}
	fmt.Fprintln(e.stderr, "taimen mutants: clean emulator …")
	clean, _, err := run("clean", "", "")
	if err != nil {
		return exitCode(e, fmt.Errorf("clean run: %w", err))
	}
	if failing := failedIDs(clean); len(failing) > 0 || clean.Verdict != "PASS" {
		fmt.Fprintf(e.stderr, "taimen mutants: the clean emulator fails %s: fix that first\n", strings.Join(failing, " "))
		return exitError
	}
	results := make([]mutant, len(faults))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, *jobs))
	for i, f := range faults {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			m := mutant{Fault: string(f.Fault), Does: f.Does, Expected: f.Area, Filter: mutantFilters[f.Fault]}
			if why := f.Fault.NotApplicable(prof); why != "" {
				m.Verdict, m.Error = verdictNA, why
				results[i] = m
				return
			}
			fmt.Fprintf(e.stderr, "taimen mutants: %s …\n", f.Fault)
			s, d, err := run(string(f.Fault), string(f.Fault)+mutantParams[f.Fault], m.Filter)
			m.Duration = d.Round(time.Millisecond).String()
			if err != nil {
				m.Verdict, m.Error = "error", err.Error()
				results[i] = m
				return
			}
			m.Caught = failedIDs(s)
			for _, sp := range s.Specs {
				if sp.Area == f.Area && slices.Contains(m.Caught, sp.ID) {
					m.InArea = append(m.InArea, sp.ID)
				}
			}
			if len(m.InArea) > 0 {
				m.Verdict = "caught"
			} else {
				m.Verdict = "missed"
			}
			results[i] = m
		})
	}
	wg.Wait()
	if err := writeMutants(*out, results); err != nil {
		return exitCode(e, err)
	}
	printMutants(e, results)
	missed, na := 0, 0
	for _, m := range results {
		switch m.Verdict {
		case "caught":
		case verdictNA:
			na++
		default:
			missed++
		}
	}
	notApplicable := ""
	if na > 0 {
		notApplicable = fmt.Sprintf("; %d do not apply to %s", na, prof.ID)
	}
	if missed > 0 {
		fmt.Fprintf(e.stdout, "\n%d of %d faults NOT caught by their expected area%s (table: %s)\n", missed, len(results)-na, notApplicable, filepath.Join(*out, "MUTANTS.md"))
		return exitError
	}
	fmt.Fprintf(e.stdout, "\nall %d applicable faults caught%s; the clean emulator (%s) passes every spec (table: %s)\n", len(results)-na, notApplicable, prof.ID, filepath.Join(*out, "MUTANTS.md"))
	return exitOK
}

// verdictNA marks a fault that a correct card of the profile cannot be told
// apart from (emulator.Fault.NotApplicable): it is not run.
const verdictNA = "n/a"

// failedIDs lists the IDs of specs that did not pass (skips excluded).
func failedIDs(s *reports.Summary) []string {
	var ids []string
	for _, sp := range s.Specs {
		if sp.State != "passed" && sp.State != "skipped" && sp.State != "pending" && sp.ID != "" {
			ids = append(ids, sp.ID)
		}
	}
	if len(s.SuiteFailures) > 0 && len(ids) == 0 {
		ids = append(ids, "suite-setup")
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func printMutants(e env, ms []mutant) {
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FAULT\tEXPECTED AREA\tVERDICT\tCAUGHT BY (in area first)")
	for _, m := range ms {
		others := slices.DeleteFunc(slices.Clone(m.Caught), func(id string) bool { return slices.Contains(m.InArea, id) })
		caught := strings.Join(m.InArea, " ")
		if len(others) > 0 {
			caught += fmt.Sprintf("  (+%d elsewhere: %s)", len(others), abbreviate(others, 6))
		}
		if m.Error != "" {
			caught = m.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Fault, m.Expected, strings.ToUpper(m.Verdict), caught)
	}
	tw.Flush()
}

func abbreviate(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, " ")
	}
	return strings.Join(ids[:n], " ") + " …"
}

func writeMutants(dir string, ms []mutant) error {
	b, err := json.MarshalIndent(struct {
		Schema  string   `json:"schema"`
		Mutants []mutant `json:"mutants"`
	}{"taimen.mutants/v1", ms}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "mutants.json"), b, 0o644); err != nil {
		return err
	}
	var md strings.Builder
	md.WriteString("# Mutation run: does each emulator fault get caught?\n\n")
	md.WriteString("Generated by `make mutants` (`taimen mutants`). Each fault is one deliberate misbehaviour of the\nemulated card; the suites ran against it, and these specs failed.\n\n")
	md.WriteString("| fault | what the card does wrong | expected area | verdict | caught by (expected area) | also failing |\n|---|---|---|---|---|---|\n")
	for _, m := range ms {
		others := slices.DeleteFunc(slices.Clone(m.Caught), func(id string) bool { return slices.Contains(m.InArea, id) })
		caught := strings.Join(m.InArea, " ")
		if m.Verdict == verdictNA {
			caught = "not run: " + m.Error
		}
		fmt.Fprintf(&md, "| `%s` | %s | %s | %s | %s | %s |\n", m.Fault, m.Does, m.Expected, m.Verdict, caught, abbreviate(others, 8))
	}
	return os.WriteFile(filepath.Join(dir, "MUTANTS.md"), []byte(md.String()), 0o644)
}
