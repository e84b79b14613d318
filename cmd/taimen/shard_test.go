package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/onsi/ginkgo/v2/reporters"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reader/pcsc"
	"github.com/taimen-dev/taimen/reports"
	"github.com/taimen-dev/taimen/shard"
)

// lab is one private pcscd with vpcdSlots vpcd readers (the lab's readers) and an emulated
// card of the same profile in each (the lab's cards of one generation).
type lab struct {
	d       *pcscd.Daemon
	readers []string
	env     []string // the PC/SC socket and the cards' codes, for `taimen run --target pcsc:…`
}

// vpcdSlots is the number of readers of the lab: Debian's vpcd driver makes two slots per
// reader entry, so the lab's daemon has two entries, the second loading a copy of the driver
// (a library loaded twice by path keeps one set of slots) on the next two ports.
const vpcdSlots = 4

// labReaderName is the PC/SC name pcscd gives the lab's slot: entry r of the configuration is
// named labFriendly(r), and pcscd appends a number per name and the slot.
func labReaderName(slot int) string { return fmt.Sprintf("%s 00 %02d", labFriendly(slot/2), slot%2) }

func labFriendly(r int) string {
	if r == 0 {
		return "Virtual PCD"
	}
	return fmt.Sprintf("Virtual PCD %c", 'A'+r)
}

func startLab(t *testing.T, p *myna.Profile) *lab {
	t.Helper()
	if err := pcscd.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	base := t.TempDir()
	conf, lib := filepath.Join(base, "reader.conf.d"), filepath.Join(base, "lib")
	for _, dir := range []string{conf, lib} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	driver, err := os.ReadFile(pcscd.VPCDDriver())
	if err != nil {
		t.Fatal(err)
	}
	var cfg strings.Builder
	for r := range vpcdSlots / 2 {
		path := pcscd.VPCDDriver()
		if r > 0 {
			path = filepath.Join(lib, fmt.Sprintf("libifdvpcd-%d.so", r))
			if err := os.WriteFile(path, driver, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		port := pcscd.VPCDPort + 2*r
		fmt.Fprintf(&cfg, "FRIENDLYNAME \"%s\"\nDEVICENAME   /dev/null:0x%04X\nLIBPATH      %s\nCHANNELID    0x%04X\n\n", labFriendly(r), port, path, port)
	}
	if err := os.WriteFile(filepath.Join(conf, "vpcd"), []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := pcscd.Start(ctx, pcscd.Options{ReaderConfDir: conf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("pcscd output:\n%s", d.Log())
		}
	})
	l := &lab{d: d, env: []string{"PCSCLITE_CSOCK_NAME=" + d.SocketPath(),
		"TAIMEN_CHECK_CODE_A=" + p.CheckCodeA().Reveal(), "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal(),
		"TAIMEN_TEXT_PIN=" + p.TextPIN().Reveal(), "TAIMEN_AUTH_PIN=" + p.AuthPIN().Reveal(), "TAIMEN_SIGN_PASSWORD=" + p.SignPassword().Reveal()}}
	for s := range vpcdSlots {
		l.readers = append(l.readers, labReaderName(s))
		if err := d.WaitReader(ctx, labReaderName(s)); err != nil {
			t.Fatalf("slot %d: %v", s, err)
		}
	}
	return l
}

// insert serves a fresh emulated card of p in the lab's slot until the test ends, or until
// the returned function is called.
func (l *lab) insert(t *testing.T, p *myna.Profile, slot int) (remove func()) {
	t.Helper()
	card, err := emulator.New(p, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns := fmt.Sprintf("/proc/%d/ns/net", l.d.PID())
	addr := "127.0.0.1:" + strconv.Itoa(pcscd.VPCDPort+slot)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = vpcd.Serve(ctx, card, vpcd.Options{Reconnect: 20 * time.Millisecond,
			Dial: func(ctx context.Context) (net.Conn, error) { return pcscd.DialNetns(ctx, ns, "tcp", addr) }})
	}()
	var once sync.Once
	remove = func() { once.Do(func() { cancel(); <-served }) }
	t.Cleanup(remove)
	return remove
}

// waitCards waits until every reader of the lab shows its card, so that each run's report
// names the card's ATR (pcscd polls vpcd for a card every 0.4 s).
func (l *lab) waitCards(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	release, err := l.d.UseInProcess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for {
		rs, err := pcsc.Readers(ctx)
		present := 0
		for _, r := range rs {
			if r.CardPresent && r.ATR != "" {
				present++
			}
		}
		if err == nil && present == vpcdSlots {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the lab's cards: %d of %d present (%v): %v", present, vpcdSlots, err, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestRunShardsOnFourReaders is a lab on one machine: one private pcscd with four vpcd
// readers, a card in each. The whole run goes on the first reader; then the run is split into
// four shards, run as four parallel processes, one per reader, and merged. The merged report must
// hold the whole run's verdicts (run, areas, every spec; summary and JUnit), and the interop
// matrix of the two must agree; merging without a shard, or with a shard of another report
// schema, is refused with exit 2.
func TestRunShardsOnFourReaders(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites twice through pcscd")
	}
	p := profile(t)
	l := startLab(t, p)
	base := t.TempDir()
	target := func(slot int) string { return "pcsc:" + l.readers[slot] }

	for slot := range vpcdSlots {
		l.insert(t, p, slot) // a physical-card run leaves the card as it found it: the shards reuse them
	}
	l.waitCards(t)
	whole := filepath.Join(base, "whole")
	rw := taimenEnv(t, l.env, "run", "--target", target(0), "--out", whole)
	sw, err := reports.Load(whole)
	if err != nil {
		t.Fatalf("the whole run: exit %d, no summary: %v\n%s", rw.code, err, rw.stderr)
	}
	if sw.Shard != nil {
		t.Errorf("an unsharded run is marked as shard %+v", sw.Shard)
	}

	dirs := make([]string, vpcdSlots)
	runs := make([]suiteRun, vpcdSlots)
	var wg sync.WaitGroup
	for slot := range vpcdSlots {
		dirs[slot] = filepath.Join(base, fmt.Sprintf("shard%d", slot+1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[slot] = taimenEnv(t, l.env, "run", "--target", target(slot), "--shard", fmt.Sprintf("%d/%d", slot+1, vpcdSlots), "--out", dirs[slot])
		}()
	}
	wg.Wait()
	for slot, dir := range dirs {
		s, err := reports.Load(dir)
		if err != nil {
			t.Fatalf("shard %d: exit %d, no summary: %v\n%s", slot+1, runs[slot].code, err, runs[slot].stderr)
		}
		if s.Shard == nil || s.Shard.Index != slot+1 || s.Shard.Total != vpcdSlots || s.Target.Reader != l.readers[slot] || len(s.Specs) == 0 {
			t.Fatalf("shard %d: mark %+v, reader %q, %d specs", slot+1, s.Shard, s.Target.Reader, len(s.Specs))
		}
		for _, sp := range s.Specs {
			if shard.Of(sp.ID, vpcdSlots) != slot+1 {
				t.Errorf("shard %d ran %s, which belongs to shard %d", slot+1, sp.ID, shard.Of(sp.ID, vpcdSlots))
			}
		}
	}

	merged := filepath.Join(base, "merged")
	rm := runCLI(t, nil, append([]string{"report", "merge", "--out", merged}, dirs...)...)
	sm, err := reports.Load(merged)
	if err != nil {
		t.Fatalf("merge: exit %d: %v\n%s", rm.code, err, rm.stderr)
	}
	if d := cmp.Diff(runVerdicts(sw), runVerdicts(sm)); d != "" {
		t.Errorf("the merged verdicts differ from the whole run's (-whole +merged):\n%s", d)
	}
	if d := cmp.Diff(junitVerdicts(t, whole), junitVerdicts(t, merged)); d != "" {
		t.Errorf("the merged JUnit differs from the whole run's (-whole +merged):\n%s", d)
	}
	if rm.code != rw.code {
		t.Errorf("merge exits %d, the whole run %d", rm.code, rw.code)
	}
	t.Logf("whole: %s\nmerged: %s", verdictLine(sw), verdictLine(sm))

	// The interop matrix of the whole run and the merged one: one card, two "readers" (one and
	// the four), and the same verdict in every area.
	mdir := filepath.Join(base, "matrix")
	r := runCLI(t, nil, "report", "matrix", "--out", mdir, whole, merged)
	var m reports.Matrix
	if b, err := os.ReadFile(filepath.Join(mdir, reports.FileMatrixJSON)); err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("matrix: exit %d, %v\n%s", r.code, err, r.stderr)
	}
	if len(m.Cards) != 1 || m.Cards[0] != "ATR "+sw.Target.ATR || len(m.Readers) != 2 || len(m.Cells) != 2*len(m.Areas) {
		t.Fatalf("matrix: cards %q, %d readers, %d cells over %d areas", m.Cards, len(m.Readers), len(m.Cells), len(m.Areas))
	}
	for _, a := range m.Areas {
		cw, _ := m.Cell(m.Cards[0], reports.ReaderName(sw.Target), a)
		cm, _ := m.Cell(m.Cards[0], reports.ReaderName(sm.Target), a)
		if cw.Verdict == "" || cw.Verdict != cm.Verdict || cw.Counts != cm.Counts {
			t.Errorf("matrix, area %s: whole %+v, merged %+v", a, cw, cm)
		}
	}

	// Refusals: a shard missing, a shard of another report schema.
	r = runCLI(t, nil, "report", "merge", "--out", filepath.Join(base, "m2"), dirs[0], dirs[2], dirs[3])
	if r.code != exitUsage || !strings.Contains(r.stderr, "shard 2/4 missing (have 1/4, 3/4, 4/4)") {
		t.Errorf("a shard missing: exit %d, %s", r.code, r.stderr)
	}
	v2 := filepath.Join(base, "shard2-v2")
	copyRun(t, dirs[1], v2, func(b []byte) []byte {
		out := regexp.MustCompile(`"schema":\s*"taimen.report/v1"`).ReplaceAllString(string(b), `"schema":"taimen.report/v2"`)
		if out == string(b) {
			t.Fatal("the shard's summary has no schema to change")
		}
		return []byte(out)
	})
	r = runCLI(t, nil, "report", "merge", "--out", filepath.Join(base, "m3"), dirs[0], v2, dirs[2], dirs[3])
	if r.code != exitUsage || !strings.Contains(r.stderr, `schema "taimen.report/v2"`) {
		t.Errorf("a shard of schema v2: exit %d, %s", r.code, r.stderr)
	}
	for _, d := range []string{"m2", "m3"} {
		if _, err := os.Stat(filepath.Join(base, d)); err == nil {
			t.Errorf("a refused merge wrote %s", d)
		}
	}
}

// runVerdicts are what a merge must keep of a run: its verdict, totals, areas and each spec's
// state.
func runVerdicts(s *reports.Summary) map[string]string {
	v := map[string]string{"run": fmt.Sprintf("%s %+v", s.Verdict, s.Totals)}
	for _, a := range s.Areas {
		v["area "+a.Area] = fmt.Sprintf("%s %+v", a.Verdict, a.Counts)
	}
	for _, sp := range s.Specs {
		v[sp.ID] = sp.State + " " + sp.Outcome
	}
	return v
}

// junitVerdicts are the JUnit test cases of the specs (not the suite nodes, which each shard
// has) and their status.
func junitVerdicts(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, reports.FileJUnit))
	if err != nil {
		t.Fatal(err)
	}
	var suites reporters.JUnitTestSuites
	if err := xml.Unmarshal(b, &suites); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	out := map[string]string{}
	for _, s := range suites.TestSuites {
		for _, c := range s.TestCases {
			if strings.HasPrefix(c.Name, "[BeforeSuite]") || strings.HasPrefix(c.Name, "[AfterSuite]") || strings.HasPrefix(c.Name, "[ReportAfterSuite]") {
				continue
			}
			out[c.Name] = c.Status
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no test case", dir)
	}
	return out
}

// copyRun copies a run's report directory, passing summary.json through edit.
func copyRun(t *testing.T, from, to string, edit func([]byte) []byte) {
	t.Helper()
	if err := os.Mkdir(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{reports.FileSummary, reports.FileGinkgo} {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == reports.FileSummary {
			b = edit(b)
		}
		if err := os.WriteFile(filepath.Join(to, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Bad shard flags and merge or matrix calls without directories are usage errors: nothing runs.
func TestShardUsage(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"run", "--shard", "5/4", "--out", "x"}, "I must be 1..4"},
		{nil, []string{"run", "--shard", "0/4", "--out", "x"}, "shards count from 1"},
		{map[string]string{shard.EnvShard: "2"}, []string{"run", "--out", "x"}, "want I/N"},
		{nil, []string{"report", "merge"}, "give the report directories of every shard"},
		{nil, []string{"report", "matrix"}, "give the report directories of complete runs"},
	} {
		r := runCLI(t, tc.env, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d with %q", tc.args, r.code, r.stderr, exitUsage, tc.want)
		}
	}
	if _, err := os.Stat("x"); err == nil {
		t.Error("a refused run created its report directory")
	}
}
