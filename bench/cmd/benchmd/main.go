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
//  2. The conformance suites, timed as processes: `go test -count=1 -v ./suites/...` and
//     `ginkgo -p ./suites/...` (the CLI built from the module's ginkgo version), each with
//     TAIMEN_TARGET=emulator and TAIMEN_TARGET=vpcd.
//
// The PC/SC rows need root, pcscd and the vpcd driver (scripts/deps installs them); the vicc rows
// need scripts/vicc, which installs Debian's vicc when missing. What cannot run is reported in
// BENCH.md as not measured, with the reason.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
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
}

func main() {
	var o options
	flag.StringVar(&o.out, "o", "BENCH.md", "file to write (relative to the repository root unless absolute); - for stdout")
	flag.StringVar(&o.goCmd, "go", "go", "the go command")
	flag.IntVar(&o.pcscCount, "pcsc-count", 5, "repetitions of each PC/SC row (the table shows the median)")
	flag.IntVar(&o.faceReads, "face-reads", 200, "face-to-face reads per row")
	flag.BoolVar(&o.suites, "suites", true, "time the conformance suites")
	flag.DurationVar(&o.suiteTimeout, "suite-timeout", 90*time.Second, "limit of one timed suite run (go test -timeout and a hard kill)")
	flag.BoolVar(&o.mutants, "mutants", true, "run every source mutant of the card (internal/srcmut, about 5 minutes on 2 cores) and record the score and the time")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchmd:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, "benchmd: "+format+"\n", args...) }

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

	// vicc's packages are installed (if missing) here, in the host's network namespace: inside
	// the private pcscd's namespace there is no network.
	vicc := filepath.Join(root, "scripts", "vicc")
	if out, err := exec.Command(vicc, "--version").CombinedOutput(); err != nil {
		r.viccNote = fmt.Sprintf("scripts/vicc --version failed: %v: %s", err, lastLine(out))
		logf("%s", r.viccNote)
	} else {
		r.machine.vicc = lastLine(out)
	}

	logf("building the benchmarks")
	testBin := filepath.Join(tmp, "bench.test")
	if err := runQuiet(root, nil, o.goCmd, "test", "-c", "-o", testBin, "./bench"); err != nil {
		return fmt.Errorf("go test -c ./bench: %w", err)
	}
	benchDir := filepath.Join(root, "bench")
	steps := []struct {
		what string
		args []string
	}{
		{"emulator in-process (-cpu 1)", []string{"-test.bench", "^BenchmarkEmulator$", "-test.cpu", "1"}},
		{"through pcscd + vpcd", []string{"-test.bench", "^BenchmarkPCSC$", "-test.count", strconv.Itoa(o.pcscCount)}},
		{"face-to-face reads", []string{"-test.bench", "^BenchmarkFaceRead$", "-test.benchtime", strconv.Itoa(o.faceReads) + "x"}},
	}
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

	if o.suites {
		r.suites = timeSuites(root, tmp, o)
	}
	if o.mutants {
		r.srcmut = runSrcMutants(root, tmp, o)
	}
	r.elapsed = time.Since(began)

	md := r.markdown()
	if o.out == "-" {
		_, err = os.Stdout.WriteString(md)
		return err
	}
	path := o.out
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		return err
	}
	logf("wrote %s in %v", path, r.elapsed.Round(time.Second))
	return nil
}

// ---- running processes ----

// runTee runs a command in its own process group, echoing its output to stderr, and returns
// the output. When ctx ends the group is killed (by its ID).
func runTee(ctx context.Context, dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var buf bytes.Buffer
	w := io.MultiWriter(&buf, os.Stderr)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	err := cmd.Wait()
	close(done)
	if ctx.Err() != nil {
		err = fmt.Errorf("killed after the time limit: %w", ctx.Err())
	}
	return buf.Bytes(), err
}

func runQuiet(dir string, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// ---- the machine ----

type machine struct {
	cpu, kernel, goVersion, pcscd, vicc string
	cores                               int
}

func machineInfo(goCmd string) machine {
	m := machine{cpu: "unknown", kernel: "unknown", cores: runtime.NumCPU(), goVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		m.kernel = "Linux " + utsString(u.Release[:])
	}
	if out, err := exec.Command(goCmd, "env", "GOVERSION").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "pcscd").Output(); err == nil {
		m.pcscd = strings.TrimSpace(string(out))
	}
	return m
}

func utsString(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

// ---- benchmark output ----

// result is one line of benchmark output: iterations and value per unit ("ns/op", "apdu/s"…).
type result struct {
	n      int
	values map[string]float64
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)
	skipLine  = regexp.MustCompile(`^\s*--- (SKIP|FAIL): (Benchmark\S+)`)
	fileLine  = regexp.MustCompile(`^\S+\.go:\d+: `)
)

// parseBench adds the benchmark results and skip/fail reasons of out to r.
func parseBench(out []byte, r *report) {
	if r.results == nil {
		r.results = map[string][]result{}
		r.skipped = map[string]string{}
	}
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if m := benchLine.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[2])
			res := result{n: n, values: map[string]float64{}}
			f := strings.Fields(m[3])
			for j := 0; j+1 < len(f); j += 2 {
				if v, err := strconv.ParseFloat(f[j], 64); err == nil {
					res.values[f[j+1]] = v
				}
			}
			r.results[m[1]] = append(r.results[m[1]], res)
			continue
		}
		if m := skipLine.FindStringSubmatch(l); m != nil {
			// The benchmark's log lines (indented) come before its --- line, or after it.
			var why []string
			j := i
			for j > 0 && strings.HasPrefix(lines[j-1], "    ") && !strings.Contains(lines[j-1], "--- ") {
				j--
			}
			for _, l := range lines[j:i] {
				why = append(why, fileLine.ReplaceAllString(strings.TrimSpace(l), ""))
			}
			for _, next := range lines[i+1:] {
				if !strings.HasPrefix(next, "    ") || strings.Contains(next, "--- ") {
					break
				}
				why = append(why, fileLine.ReplaceAllString(strings.TrimSpace(next), ""))
			}
			reason := strings.Join(why, "; ")
			if m[1] == "FAIL" {
				reason = "failed: " + reason
				r.failures = append(r.failures, m[2]+": "+reason)
			}
			r.skipped[m[2]] = reason
		}
	}
}

// median of one unit over the repetitions of a benchmark; ok is false when it did not run.
func (r *report) median(name, unit string) (float64, bool) {
	var vs []float64
	for _, res := range r.results[name] {
		if v, ok := res.values[unit]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// values of one unit over the repetitions of a benchmark.
func (r *report) values(name, unit string) []float64 {
	var vs []float64
	for _, res := range r.results[name] {
		if v, ok := res.values[unit]; ok {
			vs = append(vs, v)
		}
	}
	return vs
}

// why explains a missing result: the skip or failure reason of the benchmark or a parent.
func (r *report) why(name string) string {
	for n := name; n != ""; {
		if s, ok := r.skipped[n]; ok && s != "" {
			return s
		}
		i := strings.LastIndex(n, "/")
		if i < 0 {
			break
		}
		n = n[:i]
	}
	return "did not run"
}

// ---- suites ----

type suiteRun struct {
	target, runner, cmd string
	wall                time.Duration
	ran, total          int
	suites              int
	failed              []string
	err                 error
	skipped             string
}

var (
	ranSpecs    = regexp.MustCompile(`Ran (\d+) of (\d+) Specs`)
	ginkgoSpecs = regexp.MustCompile(`- (\d+)/(\d+) specs -`)
	ansi        = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	goFail      = regexp.MustCompile(`^FAIL\s+(\S+)`)
	ginkgoFail  = regexp.MustCompile(`(?m)^\s*(\S+) \[(?:build failed|FAILED|Failed)\]|Test Suite Failed`)
)

func timeSuites(root, tmp string, o options) []suiteRun {
	logf("suites: warming the build cache")
	_ = runQuiet(root, nil, o.goCmd, "test", "-count=1", "-run", "^$", "./suites/...")
	ginkgo := filepath.Join(tmp, "ginkgo")
	ginkgoErr := runQuiet(root, nil, o.goCmd, "build", "-o", ginkgo, "github.com/onsi/ginkgo/v2/ginkgo")
	if ginkgoErr != nil {
		logf("ginkgo CLI: %v", ginkgoErr)
	}
	var runs []suiteRun
	for _, runner := range []string{"go test", "ginkgo -p"} {
		for _, target := range []string{"emulator", "vpcd"} {
			s := suiteRun{target: target, runner: runner}
			var args []string
			name := o.goCmd
			switch runner {
			case "go test":
				args = []string{"test", "-count=1", "-v", "-timeout", o.suiteTimeout.String(), "./suites/..."}
				s.cmd = "go test -count=1 -v ./suites/..."
			default:
				name = ginkgo
				args = []string{"-p", "--keep-going", "--no-color", "--timeout=" + o.suiteTimeout.String(), "./suites/..."}
				s.cmd = "ginkgo -p --keep-going ./suites/..."
				if ginkgoErr != nil {
					s.skipped = "ginkgo CLI did not build: " + ginkgoErr.Error()
					runs = append(runs, s)
					continue
				}
			}
			logf("suites: TAIMEN_TARGET=%s %s", target, s.cmd)
			env := append(os.Environ(), "TAIMEN_TARGET="+target)
			ctx, cancel := context.WithTimeout(context.Background(), o.suiteTimeout+30*time.Second)
			start := time.Now()
			out, err := runTee(ctx, root, env, name, args...)
			s.wall = time.Since(start)
			cancel()
			s.err = err
			text := ansi.ReplaceAllString(string(out), "")
			re := ranSpecs
			if runner != "go test" {
				re = ginkgoSpecs
			}
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				a, _ := strconv.Atoi(m[1])
				b, _ := strconv.Atoi(m[2])
				s.ran, s.total, s.suites = s.ran+a, s.total+b, s.suites+1
			}
			sc := bufio.NewScanner(strings.NewReader(text))
			for sc.Scan() {
				if m := goFail.FindStringSubmatch(sc.Text()); m != nil && runner == "go test" {
					s.failed = append(s.failed, strings.TrimPrefix(m[1], "github.com/taimen-dev/taimen/"))
				}
			}
			if runner != "go test" {
				for _, m := range ginkgoFail.FindAllStringSubmatch(text, -1) {
					if m[1] != "" {
						s.failed = append(s.failed, m[1])
					}
				}
			}
			runs = append(runs, s)
		}
	}
	return runs
}

// ---- the report ----

type report struct {
	opts     options
	machine  machine
	started  time.Time
	elapsed  time.Duration
	results  map[string][]result
	skipped  map[string]string
	failures []string
	suites   []suiteRun
	raw      []byte
	viccNote string
	srcmut   *srcMutRun
}

// srcMutRun is one full run of the source mutants (internal/srcmut/cmd/srcmutants).
type srcMutRun struct {
	wall     time.Duration
	summary  string
	counts   map[string]int
	mutants  int
	err      error
	failures string
}

// runSrcMutants runs every source mutant with -j GOMAXPROCS and reads its table.
func runSrcMutants(root, tmp string, o options) *srcMutRun {
	logf("source mutants (every one)")
	out := filepath.Join(tmp, "srcmutants")
	start := time.Now()
	raw, err := runTee(context.Background(), root, nil, o.goCmd, "run", "./internal/srcmut/cmd/srcmutants", "-j", strconv.Itoa(runtime.GOMAXPROCS(0)), "-out", out)
	m := &srcMutRun{wall: time.Since(start), err: err, counts: map[string]int{}}
	b, rerr := os.ReadFile(filepath.Join(out, "srcmutants.json"))
	if rerr != nil {
		m.err, m.failures = errors.Join(err, rerr), lastLine(raw)
		return m
	}
	var j struct {
		Summary string `json:"summary"`
		Mutants []struct {
			Status string `json:"status"`
		} `json:"mutants"`
	}
	if jerr := json.Unmarshal(b, &j); jerr != nil {
		m.err = errors.Join(err, jerr)
		return m
	}
	m.summary, m.mutants = j.Summary, len(j.Mutants)
	for _, x := range j.Mutants {
		m.counts[x.Status]++
	}
	return m
}

func fmtRate(v float64) string {
	switch {
	case v >= 100:
		return group(int64(v + 0.5))
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// group writes n with thousands separators (1,234,567).
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func fmtNs(ns float64) string {
	d := time.Duration(ns)
	switch {
	case ns < 1000:
		return strconv.FormatFloat(ns, 'f', 1, 64) + " ns"
	case ns < 1e6:
		return strconv.FormatFloat(ns/1e3, 'f', 1, 64) + " µs"
	case ns < 1e9:
		return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + " ms"
	}
	return d.Round(time.Millisecond).String()
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**not met**"
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	m := r.machine
	p("# taimen benchmarks\n\n")
	p("How fast the emulator answers, in-process and through the real PC/SC stack (pcscd + vpcd), against\n")
	p("a null card that answers 90 00 at once and against Debian's vicc; what a face-to-face read costs; and\n")
	p("how long the conformance suites take. Every figure below comes from **one run** of `make bench`\n")
	p("(Go's benchmark harness, `bench/`), and every ratio compares rows of that same run. This file is\n")
	p("generated by `bench/cmd/benchmd`: do not edit it by hand.\n\n")
	p("| Machine | |\n|---|---|\n")
	p("| Date | %s (the run took %v) |\n", r.started.Format("2006-01-02 15:04 MST"), r.elapsed.Round(time.Second))
	p("| CPU | %s |\n| Cores | %d (logical CPUs seen by Go) |\n| Kernel | %s |\n| Go | %s |\n", m.cpu, m.cores, m.kernel, m.goVersion)
	if m.pcscd != "" {
		p("| pcscd | %s (Debian), vpcd driver from vsmartcard-vpcd |\n", m.pcscd)
	}
	if m.vicc != "" {
		p("| vicc | %s (Debian vsmartcard-vpicc, run by `scripts/vicc`) |\n", m.vicc)
	}
	p("\n")

	// 1. In-process.
	p("## 1. The emulator in-process (one core)\n\n")
	p("`BenchmarkEmulator`, `-cpu 1` (GOMAXPROCS=1): `emulator.Card.Transmit` of one command APDU in a loop,\n")
	p("the path every suite takes against the `emulator` target. Allocations are per APDU.\n\n")
	p("| Command | APDU | APDU/s | Time per APDU | Response data | Allocs/APDU | Bytes allocated/APDU |\n|---|---|--:|--:|--:|--:|--:|\n")
	type inRow struct{ name, label, apdu string }
	inRows := []inRow{
		{"SELECT_AID", "SELECT card-surface AP by AID", "`00 A4 04 0C 0A D3…02`"},
		{"READ_BINARY_256", "READ BINARY, 256 bytes (EF 0002 selected)", "`00 B0 00 00 00`"},
		{"READ_BINARY_extended_face", "READ BINARY extended, the whole card-surface file (EF 0002)", "`00 B0 82 00 00 00 00`"},
		{"VERIFY_status", "VERIFY without data (tries left, check code B)", "`00 20 00 92`"},
		{"VERIFY_wrong_durable", "VERIFY wrong check code B, counter written and fsynced", "`00 20 00 92 0E …`"},
	}
	var plainMin float64
	plainOK, allocOK, haveIn := true, true, true
	for _, row := range inRows {
		name := "BenchmarkEmulator/" + row.name
		rate, ok := r.median(name, "apdu/s")
		if !ok {
			haveIn = false
			p("| %s | %s | not measured: %s | | | | |\n", row.label, row.apdu, r.why(name))
			continue
		}
		ns, _ := r.median(name, "ns/op")
		allocs, _ := r.median(name, "allocs/op")
		bop, _ := r.median(name, "B/op")
		mbs, hasMB := r.median(name, "MB/s")
		data := "none"
		if hasMB && mbs > 0 {
			data = fmt.Sprintf("%s bytes", group(int64(mbs*1e6*ns/1e9+0.5)))
		}
		p("| %s | %s | %s | %s | %s | %s | %s |\n", row.label, row.apdu, fmtRate(rate), fmtNs(ns), data, fmtRate(allocs), group(int64(bop)))
		switch row.name {
		case "SELECT_AID", "READ_BINARY_256", "VERIFY_status", "READ_BINARY_extended_face":
			if row.name != "READ_BINARY_extended_face" {
				if plainMin == 0 || rate < plainMin {
					plainMin = rate
				}
				plainOK = plainOK && rate >= 1e6
			}
			if strings.HasPrefix(row.name, "READ_BINARY") {
				allocOK = allocOK && allocs == 0
			}
		}
	}
	durable, hasDurable := r.median("BenchmarkEmulator/VERIFY_wrong_durable", "apdu/s")
	p("\nGoals:\n\n")
	if haveIn {
		p("- ≥ 1,000,000 plain APDU/s on one core (SELECT, READ BINARY 256, VERIFY status; the slowest: %s APDU/s): %s.\n", fmtRate(plainMin), verdict(plainOK))
		p("- 0 allocations per APDU on the READ BINARY path (256-byte and extended): %s.\n", verdict(allocOK))
	} else {
		p("- not evaluated: some in-process rows did not run.\n")
	}
	p("\nThe wrong-code VERIFY spends a try durably before comparing (DESIGN.md); every 5 wrong tries a\n")
	p("correct code resets the counter with the timer stopped, so the card never blocks. Its rate is the\n")
	p("storage's fsync rate (the state directory is `b.TempDir()`, under `$TMPDIR`).\n\n")

	// 2. PC/SC.
	p("## 2. Through pcscd + vpcd\n\n")
	p("`BenchmarkPCSC`: `SCardTransmit` from the benchmark process through one private pcscd (own mount\n")
	p("and network namespace, `pcscd` package) and Debian's vpcd driver to a card process, every card on\n")
	p("the same daemon. The **emulator** and the **null card** (`vpcd.NullCard`, answers 90 00 at once) are\n")
	p("measured as a pair: one card on each of vpcd's two slots, the loop sending blocks of 50 commands\n")
	p("to each in turn and timing each card's blocks, so that whatever else the machine does falls on both\n")
	p("alike; each pair runs in both slot layouts (null on slot 0, then on slot 1), which cancels the\n")
	p("small difference between the slots. Each layout is repeated %d times for about a second; a card's\n", r.opts.pcscCount)
	p("rate is the mean of the two layouts' medians and the ratio their geometric mean (the range is over\n")
	p("every repetition). Placements: **goroutine**, both cards in the benchmark process\n")
	p("(`Daemon.DialVPCD`); **separate process**, each card in its own process (`pcscd.DialNetns`, as\n")
	p("`taimen emulate` runs). Debian's **vicc** (`vicc -t iso7816` through `scripts/vicc`, started with\n")
	p("`Daemon.CommandInside` so that it connects to 127.0.0.1:35963 inside the namespace) is measured alone;\n")
	p("it is a separate process, so the fair comparison with it is the emulator in a separate process.\n\n")
	p("Commands: `SELECT_MF` = `00 A4 00 0C` (SELECT MF, no data) is the one command all three answer\n")
	p("with 90 00 (the emulator once an application is selected: each row first sends one SELECT by AID);\n")
	p("`SELECT_AID` = SELECT of the card-surface AP by AID (`00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04\n")
	p("02`), the emulator's own; `SELECT_3F00` = `00 A4 00 0C 02 3F 00`, vicc's own (the emulator\n")
	p("answers it 6A82: it has no FID 3F00).\n\n")
	p("| Card processes | Command | Null card APDU/s | Emulator APDU/s | Emulator / null card | per layout (null on slot 0 / 1) | range | Round trip (emulator) |\n|---|---|--:|--:|--:|--:|--:|--:|\n")
	type pair struct {
		place, cmd   string
		nullR, emuR  float64
		ratio        float64
		ok           bool
		layoutRatios [2]float64
	}
	pairs := map[string]*pair{}
	placeName := map[string]string{"goroutine": "goroutines of the client process", "process": "separate processes"}
	for _, place := range []string{"goroutine", "process"} {
		for _, cmd := range []string{"SELECT_MF", "SELECT_AID"} {
			pr := &pair{place: place, cmd: cmd, ok: true}
			pairs[place+"/"+cmd] = pr
			var all []float64
			var missing string
			ratioProd := 1.0
			for i, layout := range []string{"null0-emulator1", "null1-emulator0"} {
				name := "BenchmarkPCSC/" + place + "/" + layout + "/" + cmd
				nr, ok1 := r.median(name, "null-apdu/s")
				er, ok2 := r.median(name, "emulator-apdu/s")
				ra, ok3 := r.median(name, "emulator/null")
				if !ok1 || !ok2 || !ok3 {
					pr.ok, missing = false, r.why(name)
					break
				}
				pr.nullR += nr / 2
				pr.emuR += er / 2
				ratioProd *= ra
				pr.layoutRatios[i] = ra
				all = append(all, r.values(name, "emulator/null")...)
			}
			if !pr.ok {
				p("| %s | %s | not measured: %s | | | | | |\n", placeName[place], cmd, missing)
				continue
			}
			pr.ratio = math.Sqrt(ratioProd)
			p("| %s | %s | %s | %s | **%.3f** | %.3f / %.3f | %.3f–%.3f | %s |\n", placeName[place], cmd, fmtRate(pr.nullR), fmtRate(pr.emuR),
				pr.ratio, pr.layoutRatios[0], pr.layoutRatios[1], slices.Min(all), slices.Max(all), fmtNs(1e9/pr.emuR))
		}
	}
	p("\n| Card | Command | APDU/s (median) | range | Round trip |\n|---|---|--:|--:|--:|\n")
	for _, cmd := range []string{"SELECT_MF", "SELECT_3F00"} {
		name := "BenchmarkPCSC/vicc/" + cmd
		rate, ok := r.median(name, "apdu/s")
		if !ok {
			why := r.why(name)
			if r.viccNote != "" {
				why = r.viccNote
			}
			p("| vicc (Python, separate process) | %s | not measured: %s | | |\n", cmd, why)
			continue
		}
		vs := r.values(name, "apdu/s")
		p("| vicc (Python, separate process) | %s | %s | %s–%s | %s |\n", cmd, fmtRate(rate), fmtRate(slices.Min(vs)), fmtRate(slices.Max(vs)), fmtNs(1e9/rate))
	}
	p("%s", r.viccAndReadSection(pairs["process/SELECT_MF"].emuR))
	p("\nGoals and ratios:\n\n")
	var within []string
	goalPCSC, evaluated := true, false
	for _, k := range []string{"goroutine/SELECT_AID", "goroutine/SELECT_MF", "process/SELECT_AID", "process/SELECT_MF"} {
		if pr := pairs[k]; pr.ok {
			evaluated = true
			goalPCSC = goalPCSC && pr.ratio >= 0.9
			within = append(within, fmt.Sprintf("%s, %s: %.1f%%", map[string]string{"goroutine": "goroutines", "process": "separate processes"}[pr.place], pr.cmd, 100*pr.ratio))
		}
	}
	if evaluated {
		p("- The emulator within 10%% of the null card (emulator APDU/s ≥ 90%% of the null card's; %s): %s.\n", strings.Join(within, "; "), verdict(goalPCSC))
	} else {
		p("- The emulator within 10%% of the null card: not evaluated (rows missing).\n")
	}
	vicc, hasVicc := r.median("BenchmarkPCSC/vicc/SELECT_MF", "apdu/s")
	emuProc, hasEmuProc := pairs["process/SELECT_MF"].emuR, pairs["process/SELECT_MF"].ok
	if hasVicc && hasEmuProc {
		p("- Emulator vs vicc on the same command (SELECT_MF), both separate processes: **%.0f×** (%s vs %s APDU/s)", emuProc/vicc, fmtRate(emuProc), fmtRate(vicc))
		if g := pairs["goroutine/SELECT_MF"]; g.ok {
			p("; with the emulator in a goroutine: %.0f×", g.emuR/vicc)
		}
		p(".\n")
	} else {
		p("- Emulator vs vicc: not measured (see the rows above).\n")
	}
	if bop, ok := r.median("BenchmarkPCSC/vicc/SELECT_MF", "B/op"); ok {
		p("\nThe %s bytes allocated per APDU on the client side are `github.com/ebfe/scard`'s (it allocates a\n", group(int64(bop)))
		p("maximum-size receive buffer per `Transmit`), not the card's.\n")
	}
	p("\n")
	roundTrip := 0.0
	if pr := pairs["process/SELECT_MF"]; pr.ok {
		roundTrip = 1e9 / pr.nullR
	}

	// 3. Face read.
	p("## 3. The face-to-face read\n\n")
	p("`BenchmarkFaceRead`: `reader.ReadFace` with check code B, end to end — SELECT, tries, VERIFY, the card\n")
	p("face, the CV certificate, the AP information, the signature and certificate checks and the liveness\n")
	p("challenge (an RSA-2048 signature made by the emulated card) — %d reads per row on one session, with a\n", r.opts.faceReads)
	p("5 s per-command deadline as the suites and `taimen read` use. \"extended\" reads each file with one\n")
	p("extended READ BINARY; \"short\" forces 256-byte reads (`Session.NoExtended`). Through pcscd the\n")
	p("emulator runs in a goroutine (`DialVPCD`) and the client is `reader/pcsc`.\n\n")
	p("| Transport | READ BINARY | Reads | APDUs per read | Median | p99 | Allocs per read |\n|---|---|--:|--:|--:|--:|--:|\n")
	faceName := map[string]string{"inprocess": "in-process", "pcscd": "pcscd + vpcd"}
	for _, tr := range []string{"inprocess", "pcscd"} {
		for _, mode := range []string{"extended", "short"} {
			name := "BenchmarkFaceRead/" + tr + "/" + mode
			apdus, ok := r.median(name, "apdus/read")
			if !ok {
				p("| %s | %s | not measured: %s | | | | |\n", faceName[tr], mode, r.why(name))
				continue
			}
			reads, _ := r.median(name, "reads")
			p50, _ := r.median(name, "p50-ms")
			p99, _ := r.median(name, "p99-ms")
			allocs, _ := r.median(name, "allocs/op")
			p("| %s | %s | %d | %d | %s | %s | %s |\n", faceName[tr], mode, int(reads), int(apdus), fmtNs(p50*1e6), fmtNs(p99*1e6), group(int64(allocs)))
		}
	}
	ext, ok1 := r.median("BenchmarkFaceRead/pcscd/extended", "p50-ms")
	short, ok2 := r.median("BenchmarkFaceRead/pcscd/short", "p50-ms")
	extA, _ := r.median("BenchmarkFaceRead/pcscd/extended", "apdus/read")
	shortA, _ := r.median("BenchmarkFaceRead/pcscd/short", "apdus/read")
	inExt, ok3 := r.median("BenchmarkFaceRead/inprocess/extended", "p50-ms")
	if ok1 && ok2 {
		p("\nThe round-trip lever: through pcscd, short reads take %d APDUs instead of %d and the median read\n", int(shortA), int(extA))
		p("%.1f× as long (%s vs %s); each extra round trip costs about %s.", short/ext, fmtNs(short*1e6), fmtNs(ext*1e6), fmtNs((short-ext)*1e6/(shortA-extA)))
		if ok3 {
			p(" In-process the same read takes %s: the rest of the pcscd figure is transport.", fmtNs(inExt*1e6))
		}
		p("\n")
	}
	p("\n")

	// 4. Suites.
	p("## 4. The conformance suites\n\n")
	if len(r.suites) == 0 {
		p("Not timed (`-suites=false`).\n\n")
	} else {
		p("Wall time of the whole process, as typed, with `TAIMEN_TARGET` set and the build cache warm (so it\n")
		p("includes linking each suite's test binary, and for vpcd starting a private pcscd per suite process).\n")
		p("`go test` runs the specs of a package serially (and up to GOMAXPROCS packages at once); `ginkgo -p`\n")
		p("also splits each suite's specs over parallel processes. Specs ran is the sum of Ginkgo's own count\n")
		p("over the suites that reported one.\n\n")
		p("| Target | Command | Wall time | Suites | Specs ran | Result |\n|---|---|--:|--:|--:|---|\n")
		for _, s := range r.suites {
			if s.skipped != "" {
				p("| %s | `%s` | not measured: %s | | | |\n", s.target, s.cmd, s.skipped)
				continue
			}
			res := "passed"
			if s.err != nil {
				res = "failed"
				if len(s.failed) > 0 {
					res += ": " + strings.Join(s.failed, ", ")
				} else {
					res += fmt.Sprintf(" (%v)", s.err)
				}
				if strings.Contains(s.err.Error(), "time limit") {
					res += "; killed at the time limit"
				}
			}
			p("| %s | `%s` | %s | %d | %d of %d | %s |\n", s.target, s.cmd, s.wall.Round(10*time.Millisecond), s.suites, s.ran, s.total, res)
		}
		p("\n")
	}

	// 5. Source mutants.
	p("## 5. Source mutants of the card\n\n")
	switch m := r.srcmut; {
	case m == nil:
		p("Not run (`-mutants=false`).\n\n")
	case m.summary == "":
		p("Not measured: %v %s\n\n", m.err, m.failures)
	default:
		killed := m.counts["killed"] + m.counts["timeout"]
		ran := killed + m.counts["survived"] + m.counts["known"] + m.counts["equivalent"]
		p("`go run ./internal/srcmut/cmd/srcmutants -j %d` (`make mutants-full`): every mutation site of the card's\n", runtime.GOMAXPROCS(0))
		p("decision code compiled into one binary (mutant schemata), then the suites against the emulator as each\n")
		p("mutant, one process per mutant. The wall time includes the build and the clean run; it measures this\n")
		p("machine's two cores shared with nothing else of this run, not the suites' own speed (section 4).\n\n")
		p("| Mutants | Run | Killed | Equivalent (reviewed) | Known survivors | New survivors | Fault-only / excluded (not run) | Score | Wall time | Per mutant run |\n|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		score := 100.0
		if d := killed + m.counts["survived"] + m.counts["known"]; d > 0 {
			score = 100 * float64(killed) / float64(d)
		}
		per := time.Duration(0)
		if ran > 0 {
			per = m.wall * time.Duration(runtime.GOMAXPROCS(0)) / time.Duration(ran)
		}
		p("| %d | %d | %d | %d | %d | %d | %d / %d | %.1f%% | %s | %s |\n\n", m.mutants, ran, killed, m.counts["equivalent"], m.counts["known"], m.counts["survived"],
			m.counts["fault-only"], m.counts["excluded"], score, m.wall.Round(time.Second), per.Round(10*time.Millisecond))
		p("Score = killed / (killed + survivors, known or new). Its summary line: %s\n\n", m.summary)
	}

	// Regenerate.
	p("## Regenerating\n\n")
	p("    make bench          # as root: scripts/deps, then go run ./bench/cmd/benchmd -o BENCH.md\n\n")
	p("`go run ./bench/cmd/benchmd -h` lists the options (`-pcsc-count`, `-face-reads`, `-suites=false`,\n")
	p("`-o -` for stdout). The benchmarks also run alone, e.g. `go test -run '^$' -bench BenchmarkEmulator\n")
	p("-benchmem -cpu 1 ./bench`. Without root (or pcscd, or the vpcd driver) the PC/SC rows say why they\n")
	p("were not measured; `scripts/vicc` installs Debian's vicc and runs it with its packaging fixed.\n\n")

	// Interpretation.
	p("## Interpretation\n\n")
	p("%s\n\n", r.interpretation(plainMin, plainOK, allocOK, durable, hasDurable, goalPCSC, evaluated, roundTrip, vicc, hasVicc, emuProc, hasEmuProc))

	if len(r.failures) > 0 {
		p("## Problems in this run\n\n")
		for _, f := range r.failures {
			p("- %s\n", f)
		}
		p("\n")
	}
	p("<details><summary>Raw benchmark output of this run</summary>\n\n```\n")
	for _, l := range strings.Split(string(r.raw), "\n") {
		if benchLine.MatchString(l) || strings.HasPrefix(l, "cpu:") || strings.HasPrefix(l, "--- ") {
			p("%s\n", l)
		}
	}
	p("```\n\n</details>\n")
	return b.String()
}

func (r *report) interpretation(plainMin float64, plainOK, allocOK bool, durable float64, hasDurable, goalPCSC, evaluated bool, roundTrip, vicc float64, hasVicc bool, emuProc float64, hasEmuProc bool) string {
	var s []string
	if plainMin > 0 {
		s = append(s, fmt.Sprintf("In-process the emulator answers plain commands at %s APDU/s or more on one core, %s, so the card engine is never what a suite waits for.", fmtRate(plainMin), map[bool]string{true: "well past the 1,000,000 goal", false: "short of the 1,000,000 goal"}[plainOK]))
	}
	if hasDurable {
		s = append(s, fmt.Sprintf("The exception is the wrong-code VERIFY, at %s APDU/s: it is bounded by fsync, the price of the rule that a try is spent durably before the comparison, and it is the one place where the emulator's speed depends on the disk.", fmtRate(durable)))
	}
	if roundTrip > 0 {
		s = append(s, fmt.Sprintf("Through pcscd and vpcd a round trip costs about %s whatever answers it, and measured side by side the emulator keeps pace with the null card (%s): the cost is pcscd, the vpcd driver, loopback TCP and the context switches between three processes, while the card's own work is tens of nanoseconds.", fmtNs(roundTrip), map[bool]string{true: "the 10% goal is met", false: "yet the 10% goal is not met in this run — the card's own cost cannot explain a gap of that size, so look for load on the machine and rerun"}[goalPCSC || !evaluated]))
	}
	if hasVicc && hasEmuProc {
		s = append(s, fmt.Sprintf("vicc answers the same command about %.0f× slower (%s APDU/s, one answer per ~%s): most of that interval is Linux's 40 ms delayed-ACK timer rather than Python, since vpcd sends each frame as two segments (length, then payload, with Nagle on) and vicc, unlike taimen's vpcd client, does not re-arm TCP_QUICKACK or write a frame in one call.", emuProc/vicc, fmtRate(vicc), fmtNs(1e9/vicc)))
	}
	ext, ok1 := r.median("BenchmarkFaceRead/pcscd/extended", "p50-ms")
	short, ok2 := r.median("BenchmarkFaceRead/pcscd/short", "p50-ms")
	if ok1 && ok2 {
		s = append(s, fmt.Sprintf("For a real read the lever is the number of round trips: extended-length READ BINARY makes the face-to-face read %.1f× faster through pcscd than 256-byte reads, and on a physical reader, where a round trip costs milliseconds rather than tens of microseconds, the difference is larger still.", short/ext))
	}
	if sent := r.suitesSentence(); sent != "" {
		s = append(s, sent)
	}
	if len(s) == 0 {
		return "Nothing was measured in this run."
	}
	return strings.Join(s, " ")
}

// suitesSentence compares the timed suite runs, if they all passed.
func (r *report) suitesSentence() string {
	wall := map[string]time.Duration{}
	for _, s := range r.suites {
		if s.skipped != "" || s.err != nil {
			return "Some suite runs failed or were not measured in this run (see section 4), so their wall times are not compared."
		}
		wall[s.runner+"/"+s.target] = s.wall
	}
	ge, gv := wall["go test/emulator"], wall["go test/vpcd"]
	ke, kv := wall["ginkgo -p/emulator"], wall["ginkgo -p/vpcd"]
	if ge == 0 || gv == 0 {
		return ""
	}
	out := fmt.Sprintf("The whole suite takes %v against the emulator in-process and %v through vpcd with `go test`; the extra time is the transport's — a private pcscd per suite process, the card's arrival on vpcd's 0.4 s poll, and round trips of tens of microseconds where in-process commands take nanoseconds — not the card's.", ge.Round(100*time.Millisecond), gv.Round(100*time.Millisecond))
	if ke == 0 || kv == 0 {
		return out
	}
	if ke > ge && kv > gv {
		out += fmt.Sprintf(" `ginkgo -p` is slower here (%v and %v): it starts several processes per suite and each opens its own target (BeforeSuite), which costs more than the specs' own run time on a %d-core machine; parallelism pays off only when specs themselves are slow.", ke.Round(100*time.Millisecond), kv.Round(100*time.Millisecond), r.machine.cores)
	} else {
		out += fmt.Sprintf(" `ginkgo -p` takes %v and %v: splitting specs over processes pays for the extra targets each parallel process opens.", ke.Round(100*time.Millisecond), kv.Round(100*time.Millisecond))
	}
	return out
}
