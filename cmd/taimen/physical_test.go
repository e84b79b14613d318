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

// TestRunPhysicalTarget runs the suites with --target pcsc:READER, the path a
// physical card takes, against the emulator attached to a private pcscd and
// passed off as a real card: the codes come from the environment, the
// destructive and emulator-only specs are left out, no VERIFY brings a
// counter below the floor, every counter ends where it began, and the card
// fails exactly the specs that check it against the production J-LIS keys.
func TestRunPhysicalTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites through pcscd")
	}
	d := pcscd.StartForTest(t)
	p := profile(t)
	var mu sync.Mutex
	var belowFloor []string
	card, err := emulator.New(p, emulator.Options{Observe: func(cmd, rsp []byte, _ time.Duration) {
		if len(rsp) < 2 {
			return
		}
		sw := binary.BigEndian.Uint16(rsp[len(rsp)-2:])
		if sw&0xFFF0 == 0x63C0 && sw&0x0F < 2 && len(cmd) > 4 { // a VERIFY with data that left fewer than 2 tries
			mu.Lock()
			belowFloor = append(belowFloor, fmt.Sprintf("%X → %04X", cmd[:4], sw))
			mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	before := card.Tries()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = vpcd.Serve(ctx, card, vpcd.Options{DialSlot: d.DialVPCD})
	}()
	t.Cleanup(func() { cancel(); <-served })

	out := filepath.Join(t.TempDir(), "run")
	env := []string{"PCSCLITE_CSOCK_NAME=" + d.SocketPath(),
		"TAIMEN_CHECK_CODE_A=" + p.CheckCodeA().Reveal(), "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal(),
		"TAIMEN_TEXT_PIN=" + p.TextPIN().Reveal(), "TAIMEN_AUTH_PIN=" + p.AuthPIN().Reveal(), "TAIMEN_SIGN_PASSWORD=" + p.SignPassword().Reveal()}
	r := taimenEnv(t, env, "run", "--target", "pcsc:"+pcscd.ReaderName(0), "--out", out)
	s, err := reports.Load(out)
	if err != nil {
		t.Fatalf("exit %d, no summary: %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if s.Target.Kind != "pcsc" || s.Target.Reader != pcscd.ReaderName(0) || r.code != exitError {
		t.Errorf("target %+v, exit %d", s.Target, r.code)
	}
	var failed []string
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
	}
	slices.Sort(failed)
	if d := cmp.Diff(authenticitySpecs, failed); d != "" {
		t.Errorf("failing specs (-want +got):\n%s", d)
	}
	if ran < 40 {
		t.Errorf("only %d specs passed", ran)
	}
	mu.Lock()
	if len(belowFloor) > 0 {
		t.Errorf("VERIFYs left fewer than 2 tries: %v", belowFloor)
	}
	mu.Unlock()
	if d := cmp.Diff(before, card.Tries()); d != "" {
		t.Errorf("counters changed by the run (-before +after):\n%s", d)
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
