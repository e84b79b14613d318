package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reports"
)

// authenticitySpecs are the specs that verify the card under the target's
// anchors: on a physical target those are the production J-LIS keys, under
// which an emulated card must never validate.
var authenticitySpecs = []string{"RD-006", "RD-007", "RD-008", "RD-010", "RD-012", "RD-018", "SM-001", "TM-010"}

// physicalRun is one `taimen run --target pcsc:READER` against the emulator (with faults)
// behind a private pcscd, passed off as a physical card, with the codes in the environment.
type physicalRun struct {
	r          suiteRun
	s          *reports.Summary
	out        string
	before     map[string]int // the card's counters before the run
	after      map[string]int
	belowFloor []string // VERIFYs with data the card answered with fewer than 2 tries left
	apdus      int      // every APDU the card received during the run
}

func runAsPhysical(t *testing.T, faults ...emulator.FaultSetting) physicalRun {
	t.Helper()
	d := pcscd.StartForTest(t)
	p := profile(t)
	var mu sync.Mutex
	var run physicalRun
	card, err := emulator.New(p, emulator.Options{Faults: faults, Observe: func(cmd, rsp []byte, _ time.Duration) {
		mu.Lock()
		run.apdus++
		mu.Unlock()
		if len(rsp) < 2 {
			return
		}
		sw := binary.BigEndian.Uint16(rsp[len(rsp)-2:])
		if sw&0xFFF0 == 0x63C0 && sw&0x0F < 2 && len(cmd) > 4 { // a VERIFY with data that left fewer than 2 tries
			mu.Lock()
			run.belowFloor = append(run.belowFloor, fmt.Sprintf("%X → %04X", cmd[:4], sw))
			mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	run.before = card.Tries()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = vpcd.Serve(ctx, card, vpcd.Options{DialSlot: d.DialVPCD})
	}()
	t.Cleanup(func() { cancel(); <-served })

	run.out = filepath.Join(t.TempDir(), "run")
	env := []string{"PCSCLITE_CSOCK_NAME=" + d.SocketPath(),
		"TAIMEN_CHECK_CODE_A=" + p.CheckCodeA().Reveal(), "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal(),
		"TAIMEN_TEXT_PIN=" + p.TextPIN().Reveal(), "TAIMEN_AUTH_PIN=" + p.AuthPIN().Reveal(), "TAIMEN_SIGN_PASSWORD=" + p.SignPassword().Reveal()}
	run.r = taimenEnv(t, env, "run", "--target", "pcsc:"+pcscd.ReaderName(0), "--out", run.out)
	if run.s, err = reports.Load(run.out); err != nil {
		t.Fatalf("exit %d, no summary: %v\n%s%s", run.r.code, err, run.r.stdout, run.r.stderr)
	}
	cancel()
	<-served
	run.after = card.Tries()
	mu.Lock()
	defer mu.Unlock()
	run.belowFloor = slices.Clone(run.belowFloor)
	return run
}

// spendsTryOnPhysical are the wrong-code specs a default physical-card run must pass on a
// good card with p01-showa's counters (issue 13): a wrong birth date, expiry year and security
// code, wrong lengths (which count by default), the 63Cx arithmetic and the reset by the right code;
// and the security-state machine of each application, with the keys that have tries to spare.
var spendsTryOnPhysical = []string{"CC-001", "CC-003", "CC-004", "CC-005", "CC-006", "CC-007", "CC-008", "CC-009",
	"CC-010", "CC-011", "CC-012", "CC-013", "CC-014", "CC-018", "CC-021", "CC-023", "CC-024", "ST-001", "ST-002", "ST-003"}

// TestRunPhysicalTarget runs the suites with --target pcsc:READER, the path a
// physical card takes, against the emulator attached to a private pcscd and
// passed off as a real card: the codes come from the environment, the
// destructive and emulator-only specs are left out, the wrong-code specs that
// spend a try and restore it run, no VERIFY brings a counter below the floor,
// every counter ends where it began and the report says so, and the card
// fails exactly the specs that check it against the production J-LIS keys.
func TestRunPhysicalTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites through pcscd")
	}
	t.Parallel()
	p := profile(t)
	run := runAsPhysical(t)
	t.Run("APDU budget", func(t *testing.T) { checkPhysicalBudget(t, run) })
	r, s, out := run.r, run.s, run.out
	if s.Target.Kind != "pcsc" || s.Target.Reader != pcscd.ReaderName(0) || r.code != exitError {
		t.Errorf("target %+v, exit %d", s.Target, r.code)
	}
	var failed, spent []string
	ran := 0
	for _, sp := range s.Specs {
		switch sp.Outcome {
		case reports.OutcomeFail:
			failed = append(failed, sp.ID)
			if msg := sp.Failure.Message; !strings.Contains(msg, "unknown issuer") {
				t.Errorf("%s failed for another reason than the production anchors: %s", sp.ID, firstLine(msg))
			}
		case reports.OutcomePass:
			ran++
		}
		if slices.Contains(sp.Labels, "destructive") && sp.Outcome != reports.OutcomeSkip {
			t.Errorf("destructive spec %s ran on a physical card without --allow-destructive", sp.ID)
		}
		if slices.Contains(sp.Labels, "emulated-only") && sp.Outcome != reports.OutcomeSkip {
			t.Errorf("emulator-only spec %s ran on a physical card", sp.ID)
		}
		if slices.Contains(sp.Labels, "spends-try") && !slices.Contains(sp.Labels, "emulated-only") {
			switch {
			case sp.Outcome == reports.OutcomePass:
				spent = append(spent, sp.ID)
			case sp.Outcome == reports.OutcomeSkip && strings.Contains(sp.SkipReason, "above the floor"):
				// the text PIN: 3 tries leave no room for a wrong one and the right one above a floor of 2
			default:
				t.Errorf("spends-try spec %s: %s %s", sp.ID, sp.Outcome, sp.SkipReason)
			}
		}
	}
	slices.Sort(failed)
	if d := cmp.Diff(authenticitySpecs, failed); d != "" {
		t.Errorf("failing specs (-want +got):\n%s", d)
	}
	if d := cmp.Diff(spendsTryOnPhysical, spent); d != "" {
		t.Errorf("wrong-code specs that ran and passed on the physical card (-want +got):\n%s", d)
	}
	if ran < 55 {
		t.Errorf("only %d specs passed", ran)
	}
	if len(run.belowFloor) > 0 {
		t.Errorf("VERIFYs left fewer than 2 tries: %v", run.belowFloor)
	}
	if d := cmp.Diff(run.before, run.after); d != "" {
		t.Errorf("counters changed by the run (-before +after):\n%s", d)
	}
	c := s.Counters
	switch {
	case c == nil:
		t.Error("the summary has no account of the card's counters")
	case !c.Restored || c.Floor != 2 || !cmp.Equal(c.Before, run.before) || !cmp.Equal(c.After, run.after) || len(c.Lowest) < 5:
		t.Errorf("counters in the summary: %+v", c)
	default:
		for k, n := range c.Lowest {
			if n < 2 {
				t.Errorf("the summary says %s went down to %d tries, below the floor", k, n)
			}
		}
		if !strings.Contains(r.stdout, "counters every counter restored: ") {
			t.Errorf("the console does not say the counters were restored:\n%s", r.stdout)
		}
	}
	if s.Scrubbed != 0 {
		t.Errorf("the last-resort scrubber removed %d values", s.Scrubbed)
	}
	// The run only knows the codes it was given; the card's personal data
	// (name, address, birth date, number, municipality…) must still be
	// nowhere in what it wrote: DESIGN.md, reports of a physical card keep no
	// personal data at rest.
	texts := runOutputs(t, r, out)
	if len(texts) < 7 { // stdout, stderr and at least the five report files
		t.Fatalf("only %d outputs to search", len(texts))
	}
	assertNoLeaks(t, texts, p)
}

// A default physical-card run (no label filter, no --allow-destructive) fails a card that
// accepts any security code, and one whose 63Cx says one try more than it has: the
// wrong-code specs that spend a try catch what the destructive ones used to, within the floor.
func TestRunPhysicalTargetFaultyCard(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites through pcscd")
	}
	t.Parallel()
	for _, tc := range []struct {
		fault emulator.Fault
		want  []string // specs that must fail, besides the authenticity ones
	}{
		{emulator.FaultIgnoresSecurityCode, []string{"CC-004"}},
		{emulator.FaultTriesOneTooMany, []string{"CC-001", "CC-003", "CC-004", "CC-018"}},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			run := runAsPhysical(t, emulator.FaultSetting{Fault: tc.fault})
			if run.r.code != exitError || run.s.Verdict != reports.Fail {
				t.Errorf("exit %d, verdict %s", run.r.code, run.s.Verdict)
			}
			var failed []string
			for _, sp := range run.s.Specs {
				if sp.Outcome == reports.OutcomeFail && !slices.Contains(authenticitySpecs, sp.ID) {
					failed = append(failed, sp.ID)
				}
			}
			for _, id := range tc.want {
				if !slices.Contains(failed, id) {
					t.Errorf("%s passed on a card with %s (failed: %v)", id, tc.fault, failed)
				}
			}
			if len(run.belowFloor) > 0 {
				t.Errorf("VERIFYs left fewer than 2 tries: %v", run.belowFloor)
			}
			if tc.fault == emulator.FaultTriesOneTooMany {
				if d := cmp.Diff(run.before, run.after); d != "" {
					t.Errorf("counters changed by the run (-before +after):\n%s", d)
				}
			}
		})
	}
}
