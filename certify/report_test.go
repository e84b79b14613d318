package certify

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// sampleReport is a report of three scenarios: one where the reader failed
// RR-001, one clean, one not run.
func sampleReport(t *testing.T) *Report {
	t.Helper()
	rep := &Report{Schema: Schema, Tool: "taimen test", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), DurationMS: 1234,
		Command: `reader --name '{reader}' <script>`, Reader: DefaultReaderLabel + " 00 00", Profile: "p01-showa", TimeoutMS: 30000, Rules: Rules()}
	add := func(name string, s *stream, exit int, err error) {
		sc, _ := selectScenarios([]string{name})
		var ev *evidence
		if s != nil {
			ev = s.ev(name, nil)
			ev.exitCode = exit
		}
		res := ScenarioResult{Scenario: sc[0], ExitCode: exit, Results: judge(sc[0], ev, err), Trace: []Exchange{}}
		if ev != nil {
			res.Trace = ev.trace
		}
		if err != nil {
			res.Error = err.Error()
		}
		res.Output.Tail = "line <b>1</b>"
		rep.Scenarios = append(rep.Scenarios, res)
	}
	add("wrong-code", newStream().apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeWrong, "63C9"), 3, nil)
	add("torn", newStream().apdu(t, selSurface, "9000").apdu(t, queryB, "63CA").apdu(t, "002000920E3535303231373230333534383231", ""), 5, nil)
	add("slow", nil, -1, errors.New("no card in reader"))
	rep.tally()
	return rep
}

func TestTally(t *testing.T) {
	rep := sampleReport(t)
	if rep.Verdict != VerdictFail || !slices.Equal(rep.FailedRules, []string{"RR-001"}) {
		t.Fatalf("verdict %s, failed %v", rep.Verdict, rep.FailedRules)
	}
	n := len(Rules())
	s := rep.Summary
	if s.MustFail != 1 || s.Error != n || s.Pass+s.MustFail+s.ShouldFail+s.NotApplicable+s.Error != 3*n {
		t.Fatalf("summary %+v", s)
	}
	// Without the failure, the scenario that was not run makes it "error".
	rep.Scenarios = rep.Scenarios[1:]
	rep.tally()
	if rep.Verdict != VerdictError {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	rep.Scenarios = rep.Scenarios[:1]
	rep.tally()
	if rep.Verdict != VerdictPass || len(rep.FailedRules) != 0 || rep.FailedRules == nil {
		t.Fatalf("verdict %s, failed %v", rep.Verdict, rep.FailedRules)
	}
	// A should-rule failure does not fail the certification.
	rep.Scenarios[0].Results = append(rep.Scenarios[0].Results, Result{Rule: "RR-009", Severity: Should, Outcome: OutcomeFail})
	rep.tally()
	if rep.Verdict != VerdictPass || rep.Summary.ShouldFail != 1 || !slices.Equal(rep.FailedRules, []string{"RR-009"}) {
		t.Fatalf("verdict %s %+v", rep.Verdict, rep.Summary)
	}
}

func TestJSONReport(t *testing.T) {
	rep := sampleReport(t)
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "tool", "started", "duration_ms", "command", "reader", "profile", "timeout_ms", "verdict", "failed_rules", "summary", "rules", "scenarios"} {
		if _, ok := back[k]; !ok {
			t.Errorf("no %q", k)
		}
	}
	if back["schema"] != "taimen.certification/v1" || back["verdict"] != "fail" {
		t.Errorf("schema %v verdict %v", back["schema"], back["verdict"])
	}
	sc := back["scenarios"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "title", "card", "wrong_code", "exit_code", "timed_out", "duration_ms", "apdus", "results", "output", "trace"} {
		if _, ok := sc[k]; !ok {
			t.Errorf("scenario has no %q", k)
		}
	}
	verify := sc["trace"].([]any)[2].(map[string]any)
	if verify["op"] != "VERIFY" || verify["value"] != 1.0 || verify["lc"] != 14.0 {
		t.Errorf("trace entry %v", verify)
	}
	for _, secret := range []string{"3535303231", "55021720"} {
		if strings.Contains(buf.String(), secret) {
			t.Error("the report holds VERIFY data")
		}
	}
	rule := back["rules"].([]any)[0].(map[string]any)
	if rule["id"] != "RR-001" || rule["severity"] != "must" || rule["title"] == "" || rule["checks"] == "" {
		t.Errorf("rule %v", rule)
	}
}

func TestJUnitReport(t *testing.T) {
	rep := sampleReport(t)
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	n := len(Rules())
	if got.Tests != 3*n || len(got.Suites) != 3 || got.Failures != 1 || got.Errors != n {
		t.Fatalf("tests %d failures %d errors %d suites %d", got.Tests, got.Failures, got.Errors, len(got.Suites))
	}
	wc := got.Suites[0]
	if wc.Name != "wrong-code" || len(wc.Cases) != n || wc.Skipped == 0 {
		t.Fatalf("suite %+v", wc)
	}
	c := wc.Cases[0]
	if c.Name != "RR-001 reads the remaining tries before VERIFY" || c.Classname != "certify.wrong-code" || c.Failure == nil ||
		c.Failure.Type != "must" || !strings.Contains(c.Failure.Message, "no empty VERIFY") {
		t.Fatalf("case %+v", c)
	}
	if !strings.HasPrefix(buf.String(), "<?xml") {
		t.Error("no XML header")
	}
}

func TestHTMLReport(t *testing.T) {
	rep := sampleReport(t)
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	h := buf.String()
	for _, want := range []string{"NOT CERTIFIED", "RR-001", "no empty VERIFY before the first VERIFY with data", "wrong-code", "&lt;script&gt;",
		"line &lt;b&gt;1&lt;/b&gt;", "value #", "not run", "<style>"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "src=", "href=", "@import", "url("} {
		if strings.Contains(strings.ToLower(h), bad) {
			t.Errorf("HTML is not self-contained: %q", bad)
		}
	}
}

func TestWriteFiles(t *testing.T) {
	rep := sampleReport(t)
	dir := filepath.Join(t.TempDir(), "reports")
	paths, err := rep.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatal(paths)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("%d files (temporary files left?)", len(entries))
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
}
