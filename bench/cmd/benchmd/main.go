// Command benchmd runs taimen's benchmarks once and writes BENCH.md: the machine, the date,
// tables of the results, whether the performance goals are met, and the ratios between rows,
// all from the same run. `make bench` runs it from the repository root.
//
// What it runs (each step's output is echoed to stderr as it comes):
//
//  1. `go test -c ./bench`, then that binary with
//     -test.bench '^BenchmarkEmulator$' -test.cpu 1 (the emulator in-process, one core);
//     -test.bench '^BenchmarkPCSC$' -test.count N (through a private pcscd: null card,
//     emulator, vicc; medians of N);
//     -test.bench '^BenchmarkFaceRead$' -test.benchtime 200x (reader.ReadFace, 200 reads each).
//  2. The conformance suites, timed as processes: `go test -count=1 -v ./suites/...` and, with
//     -ginkgo, `ginkgo -p ./suites/...` (the CLI built from the module's ginkgo version), each
//     with TAIMEN_TARGET=emulator and TAIMEN_TARGET=vpcd.
//  3. With -mutants, every source mutant (make mutants-full); with -mutants-from, the
//     figure of an earlier such run, read from its srcmutants.json.
//
// The PC/SC rows need root, pcscd and the vpcd driver (scripts/deps installs them); the vicc rows
// need scripts/vicc, which installs Debian's vicc when missing. What cannot run is reported in
// BENCH.md as not measured, with the reason.
//
// The code follows that order: main.go runs the steps; process.go, machine.go,
// suites.go and mutants.go measure; parse.go reads benchmark output into
// results; tables.go turns results into the figures of each table and goal;
// render.go writes BENCH.md from them, interpret.go its closing prose, and
// format.go the number formats both share.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/taimen-dev/taimen/bench"
)

type options struct {
	out          string
	goCmd        string
	pcscCount    int
	faceReads    int
	suites       bool
	suiteTimeout time.Duration
	mutants      bool
	mutantsFrom  string
	ginkgo       bool
}

func main() {
	var o options
	flag.StringVar(&o.out, "o", "BENCH.md", "file to write (relative to the repository root unless absolute); - for stdout")
	flag.StringVar(&o.goCmd, "go", "go", "the go command")
	flag.IntVar(&o.pcscCount, "pcsc-count", 3, "repetitions of each PC/SC row (the table shows the median)")
	flag.IntVar(&o.faceReads, "face-reads", 200, "face-to-face reads per row")
	flag.BoolVar(&o.suites, "suites", true, "time the conformance suites")
	flag.DurationVar(&o.suiteTimeout, "suite-timeout", 90*time.Second, "limit of one timed suite run (go test -timeout and a hard kill)")
	flag.BoolVar(&o.mutants, "mutants", false, "run every source mutant of the card (internal/srcmut, 2 to 5 minutes on 2 cores) and record the score and the time")
	flag.StringVar(&o.mutantsFrom, "mutants-from", "", "without -mutants: take section 5 from the srcmutants.json of an earlier run (make mutants-full writes out/srcmutants/srcmutants.json), said to be from that run")
	flag.BoolVar(&o.ginkgo, "ginkgo", false, "also time the suites under ginkgo -p (about 35 s more)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchmd:", err)
		os.Exit(1)
	}
}

// began is when the run started: each log line gives the time since.
var began = time.Now()

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchmd: [%6.1fs] "+format+"\n", append([]any{time.Since(began).Seconds()}, args...)...)
}

// run measures everything the options ask for, then writes BENCH.md.
func run(o options) error {
	began := time.Now()
	root, err := bench.RepoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "taimen-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	r := &report{opts: o, machine: machineInfo(o.goCmd), started: began.UTC()}
	r.machine.vicc, r.viccNote = viccVersion(root)
	if err := runBenchmarks(root, tmp, o, r); err != nil {
		return err
	}
	if o.suites {
		r.suites = timeSuites(root, tmp, o)
	}
	switch {
	case o.mutants:
		r.srcmut = runSrcMutants(root, tmp, o)
	case o.mutantsFrom != "":
		r.srcmut = readSrcMutants(o.mutantsFrom)
	}
	r.elapsed = time.Since(began)
	return write(root, o.out, r)
}

// benchSteps are the runs of the benchmark binary, in order.
func benchSteps(o options) []struct {
	what string
	args []string
} {
	return []struct {
		what string
		args []string
	}{
		{"emulator in-process (-cpu 1)", []string{"-test.bench", "^BenchmarkEmulator$", "-test.cpu", "1"}},
		{"through pcscd + vpcd", []string{"-test.bench", "^BenchmarkPCSC$", "-test.count", strconv.Itoa(o.pcscCount)}},
		{"face-to-face reads", []string{"-test.bench", "^BenchmarkFaceRead$", "-test.benchtime", strconv.Itoa(o.faceReads) + "x"}},
	}
}

// runBenchmarks builds ./bench's test binary and runs each step of it, adding
// the output, the results and any failure to r.
func runBenchmarks(root, tmp string, o options, r *report) error {
	logf("building the benchmarks")
	testBin := filepath.Join(tmp, "bench.test")
	if err := runQuiet(root, nil, o.goCmd, "test", "-c", "-o", testBin, "./bench"); err != nil {
		return fmt.Errorf("go test -c ./bench: %w", err)
	}
	benchDir := filepath.Join(root, "bench")
	steps := append(benchSteps(o), commandSteps...)
	readWhat, readArgs := readStep(o)
	steps = append(steps, struct {
		what string
		args []string
	}{readWhat, readArgs})
	for _, s := range steps {
		logf("benchmarks: %s", s.what)
		args := append([]string{"-test.run", "^$", "-test.v", "-test.benchmem", "-test.timeout", "10m"}, s.args...)
		out, err := runTee(context.Background(), benchDir, nil, testBin, args...)
		r.raw = append(r.raw, out...)
		parseBench(out, r)
		if err != nil {
			r.failures = append(r.failures, fmt.Sprintf("%s: %v", s.what, err))
		}
	}
	return nil
}

// write renders r to out: "-" for stdout, else a path relative to root unless absolute.
func write(root, out string, r *report) error {
	md := r.markdown()
	if out == "-" {
		_, err := os.Stdout.WriteString(md)
		return err
	}
	path := out
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		return err
	}
	logf("wrote %s in %v", path, r.elapsed.Round(time.Second))
	return nil
}
