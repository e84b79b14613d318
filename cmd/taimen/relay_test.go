package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reports"
)

// relayRun is one `taimen run --target pcsc:…` against the relay of an emulated card: the
// emulator plays the physical card behind a first private pcscd, `taimen relay` reads it there
// through PC/SC and serves vpcd's slot of a second private pcscd, where the run (a child
// process) finds it.
type relayRun struct {
	s             *reports.Summary
	r             suiteRun
	before, after map[string]int
}

// relayed is the relay of a clean emulated card (the physical card) with faults, serving
// pcscd.ReaderName(0) of a second private pcscd whose socket is sock ("PCSCLITE_CSOCK_NAME=…").
type relayed struct {
	p    *myna.Profile
	card *emulator.Card
	sock string
	stop func() // idempotent; also run when the test ends
}

func runThroughRelay(t *testing.T, filter string, faults ...string) relayRun {
	t.Helper()
	return runThroughRelayArgs(t, filter, nil, faults...)
}

// runThroughRelayArgs is runThroughRelay with more arguments for taimen run (--behaviour FILE).
func runThroughRelayArgs(t *testing.T, filter string, extra []string, faults ...string) relayRun {
	t.Helper()
	rl := startRelay(t, faults...)
	p := rl.p
	var run relayRun
	run.before = rl.card.Tries()
	out := filepath.Join(t.TempDir(), "run")
	env := []string{rl.sock,
		"TAIMEN_CHECK_CODE_A=" + p.CheckCodeA().Reveal(), "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal(),
		"TAIMEN_TEXT_PIN=" + p.TextPIN().Reveal(), "TAIMEN_AUTH_PIN=" + p.AuthPIN().Reveal(), "TAIMEN_SIGN_PASSWORD=" + p.SignPassword().Reveal()}
	args := []string{"run", "--target", "pcsc:" + pcscd.ReaderName(0), "--out", out}
	if filter != "" {
		args = append(args, "--label-filter", filter)
	}
	run.r = taimenEnv(t, env, append(args, extra...)...)
	var err error
	if run.s, err = reports.Load(out); err != nil {
		t.Fatalf("exit %d, no summary: %v\n%s%s", run.r.code, err, run.r.stdout, run.r.stderr)
	}
	rl.stop()
	run.after = rl.card.Tries()
	return run
}

// discoverThroughRelay runs `taimen discover` (no codes: nothing it sends can move a counter)
// on the relay of a clean card and returns the discover document's path: what a user learns
// of the physical card through a clean path before judging it through another.
func discoverThroughRelay(t *testing.T) string {
	t.Helper()
	rl := startRelay(t)
	before := rl.card.Tries()
	doc := filepath.Join(t.TempDir(), "card.json")
	r := taimenEnv(t, []string{rl.sock}, "discover", "--reader", pcscd.ReaderName(0), "--out", doc)
	rl.stop()
	if r.code != exitOK {
		t.Fatalf("discover through the relay: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "plain_latency_ms") {
		t.Errorf("the discover report does not give plain_latency_ms:\n%s", r.stdout)
	}
	if d := cmp.Diff(before, rl.card.Tries()); d != "" {
		t.Errorf("counters changed by discover (-before +after):\n%s", d)
	}
	return doc
}

// startRelay starts the relay of a clean emulated card of p01 with faults (emulator stream
// fault names, "slow", "mute=60"): the emulator plays the physical card behind a first private
// pcscd, and `taimen relay` (a child process in the second private pcscd's network namespace,
// where vpcd listens on its usual port) reads it there through PC/SC and serves vpcd's slot of
// the second pcscd. Nothing of it holds this process's PC/SC selection, so relays run side by
// side.
func startRelay(t *testing.T, faults ...string) *relayed {
	t.Helper()
	d1, d2 := pcscd.StartForTest(t), pcscd.StartForTest(t)
	p := profile(t)
	card, err := emulator.New(p, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // on a failure before stop is registered too
	served := make(chan struct{})
	go func() { _ = vpcd.Serve(ctx, card, vpcd.Options{DialSlot: d1.DialVPCD}); close(served) }()

	var args []string
	for _, f := range faults {
		args = append(args, "--fault", f)
	}
	stopRelay := relayCLI(t, d1, d2, args...)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			stopRelay()
			cancel()
			<-served
		})
	}
	t.Cleanup(stop)
	return &relayed{p: p, card: card, sock: "PCSCLITE_CSOCK_NAME=" + d2.SocketPath(), stop: stop}
}

// relayCLI starts `taimen relay -v` with args (--fault, --trace) for the card in d1's first
// reader: a child process in d2's network namespace, where vpcd listens on its usual port,
// serving d2's first slot. It returns once d2 has powered the relayed card on (the relay logs
// the reset it makes of it), as pcscd does when it sees a card arrive. stop
// (idempotent; also run when the test ends) interrupts the relay, as Ctrl-C, and waits for it to
// exit 0, its --trace written.
func relayCLI(t *testing.T, d1, d2 *pcscd.Daemon, args ...string) (stop func()) {
	t.Helper()
	args = append([]string{"--target", strconv.Itoa(d2.PID()), "--net", "--", os.Args[0],
		"relay", "-v", "--reader", pcscd.ReaderName(0), "--wait", "30s"}, args...)
	cmd := exec.Command("nsenter", args...)
	cmd.Env = childEnv([]string{"PCSCLITE_"}, "NO_COLOR=1", "PCSCLITE_CSOCK_NAME="+d1.SocketPath(),
		"TAIMEN_REJECTED="+filepath.Join(t.TempDir(), "rejected.json"))
	stderr := &watchWriter{want: `relay: card reset" on="power on"`, seen: make(chan struct{})}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start taimen relay: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("taimen relay: %v\n%s", err, stderr)
				}
			case <-time.After(40 * time.Second):
				_ = cmd.Process.Kill()
				t.Errorf("taimen relay did not stop within 40 s (then %v)\n%s", <-exited, stderr)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case <-stderr.seen:
	case err := <-exited:
		exited <- err
		t.Fatalf("taimen relay exited before pcscd powered the relayed card on: %v\n%s", err, stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("pcscd did not power the relayed card on within 30 s\n%s", stderr)
	}
	return stop
}

// watchWriter keeps what is written to it and closes seen once it holds want.
type watchWriter struct {
	mu   sync.Mutex
	b    bytes.Buffer
	want string
	seen chan struct{}
	done bool
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if !w.done && strings.Contains(w.b.String(), w.want) {
		w.done = true
		close(w.seen)
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// relayAreas are the areas the relay tests run (the others are slow through two daemons, and
// the relay changes nothing in them that these do not show).
const relayAreas = "reads || checkcodes"

// relayTiming are the timing specs the relay tests run: not the destructive ones (their leak
// tests send hundreds of VERIFYs, a minute each behind a slow relay).
const relayTiming = "timing && !destructive"

// quickTiming are the timing specs bounded by the discovered latency (DiscoveredBound).
var quickTiming = []string{"TM-001", "TM-002", "TM-003", "TM-008"}

// TestRelayCleanCard: the relay of a clean emulated card passes the reads and checkcodes areas as
// the emulator does directly through pcscd (TestRunPhysicalTarget), and the timing area judged
// with the behaviour discover learnt through a clean relay (its plain_latency_ms: no false
// failure from the discovered bound): only the specs that check it against the production
// J-LIS anchors fail, and every counter ends where it began.
func TestRelayCleanCard(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites through two private pcscds")
	}
	t.Parallel()
	doc := discoverThroughRelay(t)
	run := runThroughRelayArgs(t, relayAreas+" || ("+relayTiming+")", []string{"--behaviour", doc})
	var failed []string
	passed := 0
	for _, sp := range run.s.Specs {
		switch sp.Outcome {
		case reports.OutcomeFail:
			if !slices.Contains(authenticitySpecs, sp.ID) {
				failed = append(failed, sp.ID+": "+firstLine(sp.Failure.Message))
			}
		case reports.OutcomePass:
			passed++
		}
	}
	if len(failed) > 0 {
		t.Errorf("specs failed through the relay of a clean card:\n%s", strings.Join(failed, "\n"))
	}
	if passed < 20 {
		t.Errorf("only %d specs passed\n%s", passed, run.r.stdout)
	}
	if d := cmp.Diff(run.before, run.after); d != "" {
		t.Errorf("counters changed through the relay (-before +after):\n%s", d)
	}
	for _, id := range quickTiming {
		if o := outcomeOf(run.s, id); o != reports.OutcomePass {
			t.Errorf("%s: %s through the clean relay with the discovered latency, want passed", id, o)
		}
	}
	if !strings.Contains(run.r.stdout, "behaviour discovered ("+doc+"): ") || !strings.Contains(run.r.stdout, "plain_latency_ms ") || !strings.Contains(run.r.stdout, "(timing bound ") {
		t.Errorf("the report does not say the timing bound came from the discovered latency:\n%s", run.r.stdout)
	}
}

// outcomeOf is spec id's outcome in s, "absent" when s does not list it.
func outcomeOf(s *reports.Summary, id string) string {
	for _, sp := range s.Specs {
		if sp.ID == id {
			return sp.Outcome
		}
	}
	return "absent"
}

// TestRelayFaultsCaught: the relay of a clean card with each stream fault is caught by the area
// its FaultInfo.Area names (as mutants.go checks for the emulator's faults); mute and torn come
// after the run's counter preflight (30 commands), so that the robustness specs meet them. The
// slow relay (300 ms per command) is judged with the behaviour discover learnt through a clean
// relay: CARD.md's 1 s per plain command cannot tell it from a slow card, the bound from the
// discovered latency (suites/timing DiscoveredBound) does; its timing run leaves out the
// destructive leak tests.
func TestRelayFaultsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites through two private pcscds")
	}
	t.Parallel()
	for _, f := range emulator.StreamFaults() {
		t.Run(string(f.Fault), func(t *testing.T) {
			// All side by side, mostly waiting on a slow, torn or mute card. The slow relay's
			// run is judged by latency, with a wide margin: each command takes 300 ms more, the
			// bound is max(4·L, L+50 ms) for the clean relay's median latency L (a few ms).
			t.Parallel()
			fault := string(f.Fault)
			if f.Fault == emulator.FaultMute || f.Fault == emulator.FaultTorn {
				fault += "=60" // after the run's preflight: its code checks and counter reads
			}
			var run relayRun
			if f.Fault == emulator.FaultSlow {
				run = runThroughRelayArgs(t, relayTiming, []string{"--behaviour", discoverThroughRelay(t)}, fault)
			} else {
				run = runThroughRelay(t, f.Area, fault)
			}
			var inArea []string
			for _, sp := range run.s.Specs {
				if sp.Outcome == reports.OutcomeFail && sp.Area == f.Area && !slices.Contains(authenticitySpecs, sp.ID) {
					inArea = append(inArea, sp.ID)
				}
			}
			// On a physical target the run checks the codes and reads every counter before the
			// first spec: a 6300 answer to a tries query stops the run there, before any
			// checkcodes spec.
			preflight := f.Fault == emulator.FaultSWRewrite && run.r.code == exitError && strings.Contains(run.r.stdout, "before the first spec") && strings.Contains(run.r.stdout, "answered 6300")
			if len(inArea) == 0 && !preflight {
				t.Errorf("%s: no spec of area %s failed (exit %d)\n%s%s", f.Fault, f.Area, run.r.code, run.r.stdout, run.r.stderr)
			}
			if f.Fault == emulator.FaultSlow && !slices.ContainsFunc(inArea, func(id string) bool { return slices.Contains(quickTiming, id) }) {
				t.Errorf("slow: caught by %v, want by the specs bounded by the discovered latency %v", inArea, quickTiming)
			}
			t.Logf("%s caught in %s by %v", f.Fault, f.Area, inArea)
			for k, n := range run.after {
				if n < run.before[k] && n < 1 {
					t.Errorf("%s went down to %d tries through the relay", k, n)
				}
			}
		})
	}
}
