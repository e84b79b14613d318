package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reports"
)

// p06 is the profile whose behaviour differs most from taimen's defaults.
var p06 = filepath.Join("..", "..", "vectors", "profiles", "p06-taisho-contactless", "profile.json")

// runProfileAsPhysical is `taimen run --target pcsc:READER args…` against the emulator of the
// profile at path behind a private pcscd, passed off as a physical card with the codes in the
// environment. It returns the run, its summary (nil when it wrote none) and the card's
// counters before and after.
func runProfileAsPhysical(t *testing.T, path string, args ...string) (suiteRun, *reports.Summary, map[string]int, map[string]int) {
	t.Helper()
	p, err := myna.LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := pcscd.StartForTest(t)
	card, err := emulator.New(p, emulator.Options{})
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
	r := taimenEnv(t, env, append([]string{"run", "--target", "pcsc:" + pcscd.ReaderName(0), "--out", out}, args...)...)
	r.out = out
	cancel()
	<-served
	s, err := reports.Load(out)
	if err != nil {
		s = nil
	}
	return r, s, before, card.Tries()
}

func TestExploreP06(t *testing.T) {
	raw, _ := os.ReadFile(p06)
	var prof map[string]json.RawMessage
	json.Unmarshal(raw, &prof)
	doc, _ := json.Marshal(map[string]any{"schema": "taimen.discover/v1", "behaviour": prof["behaviour"], "retry_limits": prof["retry_limits"]})
	f := filepath.Join(t.TempDir(), "card.json")
	os.WriteFile(f, doc, 0o644)
	r, s, _, _ := runProfileAsPhysical(t, p06, "--behaviour", f)
	t.Logf("exit %d\n%s", r.code, r.stdout)
	for _, sp := range s.Specs {
		if sp.Outcome == reports.OutcomeFail {
			t.Logf("%s %v: %s", sp.ID, sp.Labels, firstLine(sp.Failure.Message))
		}
	}
	_ = os.Getenv
}
