package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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

// p06Document writes a discover document declaring p06's behaviour and retry limits, taken
// from the profile's own "behaviour" and "retry_limits" blocks, and returns its path.
func p06Document(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(p06)
	if err != nil {
		t.Fatal(err)
	}
	var prof map[string]json.RawMessage
	if err := json.Unmarshal(raw, &prof); err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(map[string]any{"schema": DiscoverSchema, "behaviour": prof["behaviour"],
		"retry_limits": prof["retry_limits"], "reader": pcscd.ReaderName(0), "answers": []any{}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "card.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// behaviourDependent are the specs a physical card behaving as p06 fails when judged against
// taimen's defaults: its retry limits (check code B 5, not 10: CC-001…CC-024), wrong-length
// VERIFY answered 6700 without a try spent (CC-006, CC-007, CC-009, ST-001, ST-002), extended
// length refused (RB-*, RD-017, RD-019, RD-021, SM-*, TM-007), the blocked text PIN's 6984
// (RC-021), re-SELECT of the same application keeping the verified state (RD-011, ST-003)
// and its 00 filler (RD-026).
var behaviourDependent = []string{"CC-001", "CC-003", "CC-004", "CC-005", "CC-006", "CC-007", "CC-008", "CC-009",
	"CC-011", "CC-021", "CC-023", "CC-024", "RB-004", "RB-007", "RB-010", "RB-013", "RB-014", "RC-021",
	"RD-011", "RD-017", "RD-019", "RD-021", "RD-026", "SM-002", "SM-003", "SM-004", "SM-005", "SM-006", "SM-007", "SM-008", "SM-009",
	"ST-001", "ST-002", "ST-003", "TM-007"}

func failedSpecs(s *reports.Summary) []string {
	var out []string
	for _, sp := range s.Specs {
		if sp.Outcome == reports.OutcomeFail && !slices.Contains(authenticitySpecs, sp.ID) {
			out = append(out, sp.ID)
		}
	}
	slices.Sort(out)
	return out
}

// TestRunPhysicalBehaviour runs the emulated p06, passed off as a physical card, without and
// with --behaviour: judged against taimen's defaults it fails the specs of the questions where
// p06 differs; judged against a discover document declaring its behaviour it fails only the
// authenticity specs (production anchors), and the report says which answers were discovered.
func TestRunPhysicalBehaviour(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites through pcscd")
	}
	t.Parallel()
	t.Run("defaults", func(t *testing.T) {
		r, s, before, after := runProfileAsPhysical(t, p06)
		if s == nil {
			t.Fatalf("exit %d, no summary\n%s%s", r.code, r.stdout, r.stderr)
		}
		if d := cmp.Diff(behaviourDependent, failedSpecs(s)); d != "" {
			t.Errorf("specs failed besides the authenticity ones (-want +got):\n%s", d)
		}
		if d := cmp.Diff(before, after); d != "" {
			t.Errorf("counters changed (-before +after):\n%s", d)
		}
		for _, a := range s.Behaviour {
			if a.Discovered() || a.Value != myna.DefaultBehaviour().Answer(a.Field) {
				t.Errorf("behaviour without --behaviour: %+v", a)
			}
		}
		if len(s.Behaviour) != 8 || !strings.Contains(r.stdout, "behaviour taimen default, CARD.md is silent: blocked_status_query 63C0,") {
			t.Errorf("the report does not list the 8 default answers: %+v\n%s", s.Behaviour, r.stdout)
		}
	})
	t.Run("discovered", func(t *testing.T) {
		doc := p06Document(t)
		r, s, before, after := runProfileAsPhysical(t, p06, "--behaviour", doc)
		if s == nil {
			t.Fatalf("exit %d, no summary\n%s%s", r.code, r.stdout, r.stderr)
		}
		if got := failedSpecs(s); len(got) > 0 {
			t.Errorf("specs failed besides the authenticity ones: %v", got)
		}
		if d := cmp.Diff(before, after); d != "" {
			t.Errorf("counters changed (-before +after):\n%s", d)
		}
		src := "discovered (" + doc + ")"
		want := []reports.BehaviourAnswer{
			{Field: "blocked_status_query", Value: "6984", Source: src},
			{Field: "wrong_length_verify", Value: "6700", Source: src},
			{Field: "offset_beyond_end", Value: "6282", Source: src},
			{Field: "reselect_same_ap_clears", Value: "false", Source: src},
			{Field: "wrong_code_clears", Value: "true", Source: "taimen default, CARD.md is silent"},
			{Field: "fci_on_p2_00", Value: "empty", Source: "taimen default, CARD.md is silent"},
			{Field: "filler", Value: "00", Source: src},
			{Field: "extended_length", Value: "false", Source: src},
		}
		if d := cmp.Diff(want, s.Behaviour); d != "" {
			t.Errorf("summary behaviour (-want +got):\n%s", d)
		}
		line := "behaviour " + src + ": blocked_status_query 6984, wrong_length_verify 6700, offset_beyond_end 6282, reselect_same_ap_clears false, filler 00, extended_length false"
		if !strings.Contains(r.stdout, line) {
			t.Errorf("the console does not list the discovered answers (%q):\n%s", line, r.stdout)
		}
		html, err := os.ReadFile(filepath.Join(r.out, reports.FileHTML))
		if err != nil {
			t.Fatal(err)
		}
		if h := string(html); !strings.Contains(h, `<table id="behaviour">`) || strings.Count(h, "<td>"+src+"</td>") != 6 {
			t.Errorf("report.html does not name the 6 discovered answers")
		}
	})
}

// A --behaviour file that is not a discover document or a valid behaviour block is a setup
// error (exit 9) naming the file and the field; on an emulated target --behaviour is a usage
// error (its profile declares the behaviour).
func TestRunBehaviourFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"filler": "00"}`)
	for _, tc := range []struct {
		name, target, file string
		code               int
		want               []string
	}{
		{"unknown field", "pcsc:x", write("unknown.json", `{"schema": "taimen.discover/v1", "behaviour": {"filer": "00"}}`), exitSetup, []string{"unknown.json", "behaviour", `unknown field "filer"`}},
		{"bad value", "pcsc:x", write("value.json", `{"blocked_status_query": "6300"}`), exitSetup, []string{"value.json", "behaviour.blocked_status_query", `"63C0" or "6984"`}},
		{"wrong type", "pcsc:x", write("type.json", `{"extended_length": "no"}`), exitSetup, []string{"type.json", "behaviour.extended_length", "true or false"}},
		{"bad retry limit", "pcsc:x", write("limits.json", `{"schema": "taimen.discover/v1", "behaviour": {}, "retry_limits": {"check_code_b": 99}}`), exitSetup, []string{"limits.json", "retry_limits.check_code_b", "1-15"}},
		{"other schema", "pcsc:x", write("schema.json", `{"schema": "taimen.profile/v1", "behaviour": {}}`), exitSetup, []string{"schema.json", "schema", "taimen.discover/v1"}},
		{"no behaviour", "pcsc:x", write("none.json", `{"schema": "taimen.discover/v1"}`), exitSetup, []string{"none.json", "behaviour: missing"}},
		{"not JSON", "pcsc:x", write("junk.json", `{"filler": `), exitSetup, []string{"junk.json"}},
		{"missing file", "pcsc:x", filepath.Join(dir, "absent.json"), exitSetup, []string{"absent.json"}},
		{"emulated target", "emulator", good, exitUsage, []string{"profile already declares its behaviour"}},
		{"vpcd target", "vpcd", good, exitUsage, []string{"profile already declares its behaviour"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, "run", "--target", tc.target, "--behaviour", tc.file, "--out", filepath.Join(dir, "out"))
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}
