package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reports"
)

// The whole-command benchmarks: `taimen read face` and `taimen run` as processes, the way a
// user runs them, each compared with its counterpart in the same run.

var (
	taimenOnce sync.Once
	taimenBin  string
	taimenErr  error
)

// taimen builds cmd/taimen once per test binary and returns its path.
func taimen(b *testing.B) string {
	b.Helper()
	taimenOnce.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			taimenErr = err
			return
		}
		dir, err := os.MkdirTemp("", "taimen-bench-bin-")
		if err != nil {
			taimenErr = err
			return
		}
		taimenBin = filepath.Join(dir, "taimen")
		cmd := exec.Command("go", "build", "-o", taimenBin, "./cmd/taimen")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			taimenErr = fmt.Errorf("go build ./cmd/taimen: %v: %s", err, out)
		}
	})
	if taimenErr != nil {
		b.Fatal(taimenErr)
	}
	return taimenBin
}

// timed runs the command with env added and returns how long it took; a non-zero exit other
// than okExit fails the benchmark.
func timed(b *testing.B, env []string, okExit int, name string, args ...string) time.Duration {
	b.Helper()
	d, _ := timedOutput(b, env, okExit, name, args...)
	return d
}

// timedOutput is timed that also returns what the command printed.
func timedOutput(b *testing.B, env []string, okExit int, name string, args ...string) (time.Duration, []byte) {
	b.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if code := cmd.ProcessState.ExitCode(); err != nil && code != okExit {
		b.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, tailOf(out, 2000))
	}
	return d, out
}

// reportShare is the share of its run that `taimen run` says writing the reports took, in
// percent ("written  in 41ms, 5.8% of the run's 0.70s").
var reportShare = regexp.MustCompile(`(?m)^\s+written\s+in \S+, ([0-9.]+)% of the run`)

func tailOf(b []byte, n int) []byte { return b[max(0, len(b)-n):] }

// privateCard serves the card on slot 0 of a new private pcscd until the benchmark ends.
func privateCard(b *testing.B, card vpcd.Card) *pcscd.Daemon {
	b.Helper()
	if err := pcscd.Available(); err != nil {
		b.Skip(err)
	}
	d, err := pcscd.Start(context.Background(), pcscd.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = vpcd.Serve(ctx, card, vpcd.Options{DialSlot: d.DialVPCD, Reconnect: 20 * time.Millisecond})
	}()
	b.Cleanup(func() { cancel(); <-served; _ = d.Stop() })
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := d.WaitReader(wctx, pcscd.ReaderName(0)); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkReadProcess times `taimen read face` as a process, round after round: with an
// in-process emulated card (--emulator) from a warm signature cache and with none
// (TAIMEN_CACHE_DIR=off, every file signed again), and through a private pcscd to an emulated
// card that a long-running process serves (--reader). Medians per kind; emulator/pcscd ≤ 1 is
// the goal (personalisation no longer costs more than the PC/SC round trips).
func BenchmarkReadProcess(b *testing.B) {
	bin := taimen(b)
	root, err := RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	profile := ProfilePath(root)
	p, err := myna.LoadProfile(profile)
	if err != nil {
		b.Fatal(err)
	}
	card, err := emulator.New(p, emulator.Options{})
	if err != nil {
		b.Fatal(err)
	}
	d := privateCard(b, card)
	code := "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal()
	cache := "TAIMEN_CACHE_DIR=" + b.TempDir()
	kinds := []struct {
		name string
		env  []string
		args []string
	}{
		{"emulator-ms", []string{code, cache}, []string{"read", "face", "--emulator", profile, "--json"}},
		{"emulator-nocache-ms", []string{code, "TAIMEN_CACHE_DIR=off"}, []string{"read", "face", "--emulator", profile, "--json"}},
		{"pcscd-ms", []string{code, "PCSCLITE_CSOCK_NAME=" + d.SocketPath()}, []string{"read", "face", "--reader", pcscd.ReaderName(0), "--test-ca", profile, "--json"}},
	}
	for _, k := range kinds { // warm the cache and the page cache
		timed(b, k.env, 0, bin, k.args...)
	}
	samples := make([][]time.Duration, len(kinds))
	for b.Loop() {
		for i, k := range kinds {
			samples[i] = append(samples[i], timed(b, k.env, 0, bin, k.args...))
		}
	}
	med := make([]float64, len(kinds))
	for i, k := range kinds {
		med[i] = float64(Percentile(samples[i], 50).Microseconds()) / 1000
		b.ReportMetric(med[i], k.name)
	}
	b.ReportMetric(med[0]/med[2], "emulator/pcscd")
	b.ReportMetric(float64(len(samples[0])), "rounds")
}

// BenchmarkRunTargets times `taimen run` of every area on p01 as a process: in-process
// (--target emulator) and behind a private pcscd (--target vpcd), whose ratio should stay ≤ 3;
// and the p01 emulator passed off as a physical card (--target pcsc:READER, a default
// non-destructive run) with 20 ms added to every APDU, as an NFC card, which should finish in
// ≤ 60 s. It reports the APDUs the card received there.
func BenchmarkRunTargets(b *testing.B) {
	bin := taimen(b)
	root, err := RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	profile := ProfilePath(root)
	p, err := myna.LoadProfile(profile)
	if err != nil {
		b.Fatal(err)
	}
	var apdus atomic.Int64
	nfc, err := emulator.New(p, emulator.Options{Faults: []emulator.FaultSetting{{Fault: emulator.FaultSlow, Delay: 20 * time.Millisecond}},
		Observe: func(_, _ []byte, _ time.Duration) { apdus.Add(1) }})
	if err != nil {
		b.Fatal(err)
	}
	d := privateCard(b, nfc)
	out := b.TempDir()
	env := []string{"PCSCLITE_CSOCK_NAME=" + d.SocketPath(),
		"TAIMEN_CHECK_CODE_A=" + p.CheckCodeA().Reveal(), "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal(),
		"TAIMEN_TEXT_PIN=" + p.TextPIN().Reveal(), "TAIMEN_AUTH_PIN=" + p.AuthPIN().Reveal(), "TAIMEN_SIGN_PASSWORD=" + p.SignPassword().Reveal()}
	var emu, vpc, phys []time.Duration
	var shares []float64
	var sent int64
	for b.Loop() {
		d, printed := timedOutput(b, nil, 0, bin, "run", "--target", "emulator", "--profile", profile, "--out", filepath.Join(out, "emulator"))
		emu = append(emu, d)
		m := reportShare.FindSubmatch(printed)
		if m == nil {
			b.Fatalf("taimen run does not say how long the reports took:\n%s", tailOf(printed, 1000))
		}
		share, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			b.Fatal(err)
		}
		shares = append(shares, share)
		vpc = append(vpc, timed(b, nil, 0, bin, "run", "--target", "vpcd", "--profile", profile, "--out", filepath.Join(out, "vpcd")))
		apdus.Store(0)
		// The emulated card fails the specs that check it against the production J-LIS keys: exit 1.
		phys = append(phys, timed(b, env, 1, bin, "run", "--target", "pcsc:"+pcscd.ReaderName(0), "--out", filepath.Join(out, "nfc")))
		sent = apdus.Load()
	}
	e, v, n := Percentile(emu, 50).Seconds(), Percentile(vpc, 50).Seconds(), Percentile(phys, 50).Seconds()
	b.ReportMetric(e, "emulator-s")
	b.ReportMetric(v, "vpcd-s")
	b.ReportMetric(v/e, "vpcd/emulator")
	slices.Sort(shares)
	b.ReportMetric(shares[len(shares)/2], "report-%")
	// The power-cut specs wait for pcscd to see the card leave and come back (vpcd.CardAbsence,
	// its 0.4 s presence poll): a fixed cost of the real stack, not of round trips.
	if pc, err := labelSeconds(filepath.Join(out, "vpcd"), "power-cut"); err == nil {
		b.ReportMetric(pc, "vpcd-power-cut-s")
		b.ReportMetric((v-pc)/e, "vpcd-rest/emulator")
	} else {
		b.Logf("vpcd power-cut specs: %v", err)
	}
	b.ReportMetric(n, "nfc20ms-s")
	b.ReportMetric(float64(sent), "nfc20ms-apdus")
	if s, err := os.ReadFile(filepath.Join(out, "nfc", "summary.json")); err == nil {
		var sum struct {
			APDUs int `json:"apdus"`
		}
		if json.Unmarshal(s, &sum) == nil {
			b.ReportMetric(float64(sum.APDUs), "nfc20ms-report-apdus")
		}
	}
}

// labelSeconds sums the durations of the specs labelled label in the run reported in dir.
func labelSeconds(dir, label string) (float64, error) {
	sum, err := reports.Load(dir)
	if err != nil {
		return 0, err
	}
	var d time.Duration
	n := 0
	for _, sp := range sum.Specs {
		if slices.Contains(sp.Labels, label) {
			d += sp.Duration
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("%s: no spec labelled %s", dir, label)
	}
	return d.Seconds(), nil
}
