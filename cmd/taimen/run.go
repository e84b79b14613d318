package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"golang.org/x/term"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
	"github.com/taimen-dev/taimen/reports"
	"github.com/taimen-dev/taimen/shard"
	"github.com/taimen-dev/taimen/suites/all"
	"github.com/taimen-dev/taimen/suites/catalogue"
	"github.com/taimen-dev/taimen/suites/target"
	"github.com/taimen-dev/taimen/vectors"
)

// cmdRun runs the conformance suites from this binary and writes the reports.
func cmdRun(_ context.Context, args []string, e env) int {
	fs := newFlagSet("run", e)
	tspec := fs.String("target", "", "emulator, vpcd or pcsc:READER (default: $TAIMEN_TARGET, else emulator)")
	profile := fs.String("profile", "", profileHelp("profile of an emulated target (default $TAIMEN_PROFILE, else p01-showa)"))
	allow := fs.Bool("allow-destructive", false, "run specs that can lock a counter on a physical card too")
	floor := fs.Int("floor", 2, "tries never spent on a physical card")
	limits := fs.String("retry-limits", "", "a physical card's retry limits, name=N,… over taimen's defaults ("+myna.DefaultRetryLimits().String()+"): a right code must reset a counter to its limit")
	behaviour := fs.String("behaviour", "", "a physical card's behaviour where CARD.md is silent, from `FILE`: taimen discover's document or a profile \"behaviour\" block; the answers it gives replace taimen's defaults")
	filter := fs.String("label-filter", "", "run only the specs whose labels match (Ginkgo syntax, e.g. 'reads && !jpki')")
	out := fs.String("out", "", "directory for the reports (default out/run-YYYYMMDD-HHMMSS)")
	open := fs.Bool("open", false, "open report.html when the run is done")
	verbose := fs.Bool("v", false, "print one line per spec as it finishes (default: progress only, and each failure)")
	failFast := fs.Bool("fail-fast", false, "stop at the first failed spec (the rest are reported as not run)")
	timeout := fs.Duration("timeout", 5*time.Second, "deadline of each command sent to the card (per APDU, not per spec or run)")
	traceAll := fs.Bool("trace-all", false, "keep every spec's APDU trace in the reports (default: the failed specs' in full, a digest of the others)")
	shardFlag := fs.String("shard", "", "run only shard `I/N` of the specs (1 ≤ I ≤ N; default $"+shard.EnvShard+"); merge the shards with taimen report merge")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return exitCode(e, usagef("run: unexpected argument %q", fs.Arg(0)))
	}
	if *floor < 1 {
		return exitCode(e, usagef("--floor must be at least 1"))
	}
	spec := *tspec
	if spec == "" {
		spec = e.getenv(target.EnvTarget)
	}
	if spec == "" {
		spec = string(target.Emulator)
	}
	kind, _, err := target.ParseSpec(spec)
	if err != nil {
		return exitCode(e, usageError{err})
	}
	cfg := all.RunConfig{
		Target:      target.Config{Spec: spec, AllowDestructive: *allow, Floor: *floor, Timeout: *timeout, Getenv: e.getenv},
		LabelFilter: *filter,
		OutDir:      *out,
		Version:     version,
		Console:     e.stdout,
		Color:       isTerminal(e.stdout) && e.getenv("NO_COLOR") == "",
		Live:        isTerminal(e.stdout) && e.getenv("TERM") != "dumb",
		Verbose:     *verbose,
		FailFast:    *failFast,
		TraceAll:    *traceAll,
	}
	if *limits != "" {
		if kind != target.PCSC {
			return exitCode(e, usagef("--retry-limits is for a physical card; an emulated card's limits are its profile's retry_limits"))
		}
		l, err := myna.ParseRetryLimits(*limits)
		if err != nil {
			return exitCode(e, usagef("--retry-limits: %v", err))
		}
		cfg.Target.RetryLimits = &l
	}
	if *behaviour != "" {
		if kind != target.PCSC {
			return exitCode(e, behaviourNotForEmulated(spec))
		}
		d, l, err := loadBehaviour(*behaviour)
		if err != nil {
			return exitCode(e, err)
		}
		cfg.Target.Discovered = d
		if cfg.Target.RetryLimits == nil { // --retry-limits, given, wins over the file's
			cfg.Target.RetryLimits = l
		}
	}
	if *profile != "" {
		if kind == target.PCSC {
			return exitCode(e, usagef("--profile is for emulated targets, not %s", spec))
		}
		if _, err := resolveProfile(*profile); err != nil {
			return exitCode(e, err)
		}
		cfg.Target.Profile = *profile
	}
	if cfg.Shard, err = parseShard(*shardFlag, e); err != nil {
		return exitCode(e, err)
	}
	if _, err := all.EffectiveFilter(cfg); err != nil {
		return exitCode(e, usageError{err})
	}
	if cfg.OutDir == "" {
		cfg.OutDir = filepath.Join("out", "run-"+time.Now().Format("20060102-150405"))
	}
	_, statErr := os.Stat(cfg.OutDir)
	if err := checkRunSetup(&cfg, kind); err != nil {
		return exitCode(e, err)
	}
	var reportTime time.Duration
	cfg.ReportTime = &reportTime
	runStart := time.Now()
	passed, err := all.Run(cfg)
	wall := time.Since(runStart)
	var se *target.SetupError
	if errors.As(err, &se) && errors.Is(statErr, os.ErrNotExist) {
		os.Remove(cfg.OutDir) // made for this run, empty: no spec ran
	}
	switch {
	case errors.As(err, &se) && errors.Is(err, reader.ErrRefused):
		return exitCode(e, err) // exit 7: a code was not sent
	case errors.As(err, &se):
		return exitCode(e, setupError{err})
	case err != nil:
		return exitCode(e, err)
	}
	files := reports.FilesIn(cfg.OutDir)
	s, err := reports.Load(files.Summary)
	if err != nil {
		return exitCode(e, err)
	}
	fmt.Fprintln(e.stdout)
	fmt.Fprintln(e.stdout, verdictLine(s))
	fmt.Fprintln(e.stdout, "  apdus "+reports.APDULine(s))
	if s.Counters != nil {
		fmt.Fprintln(e.stdout, "  counters "+s.Counters.Line())
	}
	for _, l := range reports.BehaviourLines(s.Behaviour) {
		fmt.Fprintln(e.stdout, "  behaviour "+l)
	}
	printFiles(e, files)
	fmt.Fprintf(e.stdout, "  %-8s %s\n", "written", reportTimeLine(reportTime, wall))
	if *open {
		openFile(e, files.HTML)
	}
	if !passed || s.Verdict != reports.Pass {
		return exitError
	}
	return exitOK
}

// checkRunSetup finds, before any spec runs, what would otherwise fail every spec (and exit
// 1, the code of a failed spec): the emulated card's profile must load, the report directory
// must be writable, and a physical card needs a running PC/SC service. Its errors are
// setupErrors (exit 9) naming the file or service.
func checkRunSetup(cfg *all.RunConfig, kind target.Kind) error {
	if kind == target.PCSC {
		if _, err := pcsc.Readers(context.Background()); errors.Is(err, reader.ErrNoService) {
			return setupError{err}
		}
		mem, err := rejectedMemory(env{getenv: cfg.Target.Getenv})
		if err != nil {
			return err
		}
		cfg.Target.Rejected = mem
	} else {
		ref := cfg.Target.ProfilePath() // --profile, $TAIMEN_PROFILE or the default
		if _, err := vectors.LoadProfile(ref); err != nil {
			return setupError{err}
		}
		cfg.Target.Profile = ref
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return setupf("report directory: %w", err)
	}
	probe, err := os.CreateTemp(cfg.OutDir, ".taimen-probe-*")
	if err != nil {
		return setupf("report directory %s is not writable: %w", cfg.OutDir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// verdictLine is the one-line result of a run.
func verdictLine(s *reports.Summary) string {
	t := s.Target.Kind
	if s.Target.Profile != "" {
		t += " " + s.Target.Profile
	} else if s.Target.Reader != "" {
		t += " " + s.Target.Reader
	}
	line := fmt.Sprintf("%s  %d passed, %d failed, %d not run in %s — %s",
		s.Verdict, s.Totals.Passed, s.Totals.Failed, s.Totals.Skipped, s.Duration.Round(time.Millisecond), t)
	if n := len(s.SuiteFailures); n > 0 {
		line += fmt.Sprintf(" — the suite itself failed (%s)", s.SuiteFailures[0].Node)
	}
	return line
}

// reportTimeLine says how long writing the reports took of a run's wall time (BENCH.md's goal:
// at most 10%), for the line under the files (printFiles).
func reportTimeLine(report, wall time.Duration) string {
	share := 0.0
	if wall > 0 {
		share = 100 * float64(report) / float64(wall)
	}
	return fmt.Sprintf("in %s, %.1f%% of the run's %s", report.Round(time.Millisecond), share, wall.Round(10*time.Millisecond))
}

func printFiles(e env, f reports.Files) {
	for _, p := range [][2]string{{"report", f.HTML}, {"summary", f.Summary}, {"junit", f.JUnit}, {"ginkgo", f.Ginkgo}, {"console", filepath.Join(f.Dir, reports.FileConsole)}} {
		if _, err := os.Stat(p[1]); err == nil {
			fmt.Fprintf(e.stdout, "  %-8s %s\n", p[0], p[1])
		}
	}
}

func openFile(e env, path string) {
	abs, err := filepath.Abs(path)
	if err == nil {
		err = exec.Command("xdg-open", abs).Start()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "taimen: could not open %s (%v): open it in a browser\n", path, err)
	}
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// cmdCatalogue prints every spec's ID, title and what it checks.
func cmdCatalogue(_ context.Context, args []string, e env) int {
	fs := newFlagSet("catalogue", e)
	asJSON := fs.Bool("json", false, "print JSON instead of Markdown")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	ms, err := all.Catalogue()
	if err != nil {
		return exitCode(e, err)
	}
	if *asJSON {
		type entry struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Area        string `json:"area"`
			App         string `json:"app"`
			Checks      string `json:"checks"`
			Expect      string `json:"expect"`
			Targets     string `json:"targets"`
			Destructive bool   `json:"destructive"`
			Durable     bool   `json:"durable,omitempty"`
		}
		out := make([]entry, len(ms))
		for i, m := range ms {
			out[i] = entry{m.ID, m.Title, m.Area, m.App, m.Checks, m.Expect, m.Targets.String(), m.Destructive, m.Durable}
		}
		return exitCode(e, writeJSON(e.stdout, out))
	}
	_, err = fmt.Fprint(e.stdout, catalogue.Markdown(ms))
	return exitCode(e, err)
}
