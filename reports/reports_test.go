package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/onsi/ginkgo/v2/reporters"

	"github.com/taimen-dev/taimen/reader"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const golden = "testdata/summary.golden.json"

// TestSummaryGolden pins the JSON summary of a small synthetic report: the
// schema as consumers see it.
func TestSummaryGolden(t *testing.T) {
	var compact, b bytes.Buffer
	if err := Build(syntheticReport(), testOptions).Write(&compact); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(compact.Bytes(), []byte("\n")); n != 1 {
		t.Errorf("the summary is written on %d lines, want 1 (compact JSON)", n)
	}
	// The golden file is indented, for people and for readable diffs.
	if err := json.Indent(&b, compact.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./reports -update writes it)", err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("summary differs from %s (-want +got); if the change is intended, bump the schema for a breaking one and run go test ./reports -update:\n%s", golden, d)
	}
}

func TestBuild(t *testing.T) {
	s := Build(syntheticReport(), testOptions)
	byID := map[string]Spec{}
	for _, sp := range s.Specs {
		byID[sp.ID] = sp
	}
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"verdict", s.Verdict, Fail},
		{"totals", s.Totals, Counts{Total: 7, Passed: 3, Failed: 2, Skipped: 2}},
		{"target from the entries and options", s.Target, Target{Kind: "emulator", Profile: "p01-showa", ATR: "3BE000FF8131FE4514"}},
		{"areas in order", len(s.Areas), 4},
		{"first area", s.Areas[0].Area, "checkcodes"},
		{"failed area", s.Areas[0].Verdict, Fail},
		{"spec order", []string{s.Specs[0].ID, s.Specs[len(s.Specs)-1].ID}, []string{"CC-003", "XX-001"}},
		{"title without ID", byID["RD-001"].Title, "every application answers SELECT by AID"},
		{"area and app from labels", [2]string{byID["RC-011"].Area, byID["RC-011"].App}, [2]string{"counters", "surface"}},
		{"failure", *byID["CC-003"].Failure, Failure{Node: "It", Message: syntheticFailures["CC-003"].Message, Location: "checkcodes/checkcodes.go:88",
			At: syntheticFailures["CC-003"].TimelineLocation.Time}},
		{"timeout is a failure", [2]string{byID["TM-010"].State, byID["TM-010"].Outcome}, [2]string{"timedout", OutcomeFail}},
		{"skip reason from Skip", byID["RC-011"].SkipReason, "needs an emulated card"},
		{"skip reason of a filtered spec", strings.HasPrefix(byID["RC-020"].SkipReason, "not selected"), true},
		{"counters before and after", *byID["CC-003"].Counters, Counters{Before: map[string]int{"surface/0012": 10, "text/0015": 10}, After: map[string]int{"surface/0012": 9, "text/0015": 10}}},
		{"a passed spec keeps a digest", [2]any{len(byID["RD-001"].Trace), *byID["RD-001"].TraceDigest},
			[2]any{0, reader.TraceDigest{Exchanges: 4, Bytes: 15 + 2 + 19 + 2 + 8 + 2300 + 2, Duration: 995 * time.Microsecond}}},
		{"a failed spec keeps its trace", [2]any{len(byID["CC-003"].Trace), byID["CC-003"].TraceDigest.Exchanges}, [2]any{2, 2}},
		{"whose traces", s.Traces, TracesFailed},
		{"APDUs per spec", [2]int{byID["RD-001"].APDUs, byID["CC-003"].APDUs}, [2]int{4, 23}},
		{"APDUs of the run", s.APDUs, 27},
		{"APDUs of an area", s.Areas[0].APDUs, 23},
		{"timings: SELECT, face-to-face duration and APDU count", len(s.Timing), 3},
		{"APDU latency commands", len(s.APDULatency), 3},
		{"suite nodes are not specs", len(s.SuiteFailures), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, tc.got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

func TestBuildLookupAndSuiteFailure(t *testing.T) {
	r := syntheticReport()
	r.SpecReports[0].State = 4 // SpecStateFailed in BeforeSuite
	r.SpecReports[0].State = r.SpecReports[2].State
	r.SpecReports[0].Failure = syntheticFailures["CC-003"]
	r.SpecialSuiteFailureReasons = []string{"Interrupted by User"}
	o := testOptions
	o.Lookup = func(id string) (SpecMeta, bool) {
		if id != "RD-001" {
			return SpecMeta{}, false
		}
		return SpecMeta{ID: id, Title: "catalogue title", Area: "reads", App: "card", Checks: "SELECT of every AID", Expect: "9000"}, true
	}
	s := Build(r, o)
	if len(s.SuiteFailures) != 2 || s.SuiteFailures[0].Node != "BeforeSuite" || s.SuiteFailures[1].Message != "Interrupted by User" {
		t.Errorf("suite failures: %+v", s.SuiteFailures)
	}
	for _, sp := range s.Specs {
		if sp.ID == "RD-001" && (sp.Title != "catalogue title" || sp.Checks == "" || sp.Expect == "") {
			t.Errorf("catalogue entry not used: %+v", sp)
		}
	}
}

// TestBuildFromFileEqualsInMemory: the ReportAfterSuite's in-memory report
// and Ginkgo's JSON file give the same summary.
func TestBuildFromFileEqualsInMemory(t *testing.T) {
	r := syntheticReport()
	path := filepath.Join(t.TempDir(), FileGinkgo)
	if err := reporters.GenerateJSONReport(r, path); err != nil {
		t.Fatal(err)
	}
	fromFile, err := ReadGinkgo(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Build(r, testOptions), Build(fromFile, testOptions)); d != "" {
		t.Errorf("in memory vs from file (-mem +file):\n%s", d)
	}
}

func TestCompute(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []float64
		want Stats
	}{
		{"empty", nil, Stats{}},
		{"one", []float64{5}, Stats{N: 1, Min: 5, P25: 5, Median: 5, P75: 5, P90: 5, P99: 5, Max: 5, Mean: 5}},
		{"two", []float64{10, 0}, Stats{N: 2, Min: 0, P25: 2.5, Median: 5, P75: 7.5, P90: 9, P99: 9.9, Max: 10, Mean: 5}},
		{"1 to 11, unsorted", []float64{11, 1, 10, 2, 9, 3, 8, 4, 7, 5, 6}, Stats{N: 11, Min: 1, P25: 3.5, Median: 6, P75: 8.5, P90: 10, P99: 10.9, Max: 11, Mean: 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, Compute(tc.in), cmpFloat); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

var cmpFloat = cmp.Comparer(func(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 })

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		ns   float64
		want string
	}{{0, "0"}, {850, "850 ns"}, {1000, "1 µs"}, {12340, "12.3 µs"}, {4_560_000, "4.56 ms"}, {123_400_000, "123 ms"}, {1_230_000_000, "1.23 s"}, {125e9, "2m5s"}} {
		if got := formatNs(tc.ns); got != tc.want {
			t.Errorf("formatNs(%v) = %q, want %q", tc.ns, got, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	s := Build(syntheticReport(), testOptions)
	if err := WriteSummary(filepath.Join(dir, FileSummary), s); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		ok         bool
	}{
		{"directory", dir, true},
		{"file", filepath.Join(dir, FileSummary), true},
		{"missing", filepath.Join(dir, "nope"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Load(tc.path)
			if (err == nil) != tc.ok {
				t.Fatalf("err %v", err)
			}
			if tc.ok {
				if d := cmp.Diff(s, got); d != "" {
					t.Errorf("round trip (-wrote +read):\n%s", d)
				}
			}
		})
	}
	other := filepath.Join(dir, "other.json")
	os.WriteFile(other, []byte(`{"schema":"taimen.status/v1"}`), 0o644)
	if _, err := Load(other); err == nil || !strings.Contains(err.Error(), "not a taimen.report/v1") {
		t.Errorf("other schema: %v", err)
	}
}

func TestWriteAll(t *testing.T) {
	dir := t.TempDir()
	sum, err := WriteAll(dir, syntheticReport(), NewScrubber("VERIFY with the expiry"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Scrubbed != 1 {
		t.Errorf("scrubbed %d, want 1", sum.Scrubbed)
	}
	f := FilesIn(dir)
	for _, p := range []string{f.Ginkgo, f.JUnit, f.Summary, f.HTML} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("VERIFY with the expiry")) {
			t.Errorf("%s still holds the scrubbed text", filepath.Base(p))
		}
	}
	junit, _ := os.ReadFile(f.JUnit)
	if bytes.Contains(junit, []byte(EntryTrace)) || !bytes.Contains(junit, []byte(`failures="2"`)) {
		t.Errorf("JUnit should hold the results without traces:\n%.2000s", junit)
	}
	g, err := ReadGinkgo(f.Ginkgo)
	if err != nil {
		t.Fatal(err)
	}
	for _, sr := range g.SpecReports {
		for _, e := range sr.ReportEntries {
			if e.Name == EntryTrace && !strings.Contains(e.Value.AsJSON, `"see":"summary.json"`) {
				t.Errorf("ginkgo-report.json holds a trace, not a reference to the summary: %.200s", e.Value.AsJSON)
			}
		}
	}
	// Ginkgo's JSON still gives the summary's counters, target and timings (not the traces).
	fromFile := Build(g, testOptions)
	for i, sp := range fromFile.Specs {
		if d := cmp.Diff(sum.Specs[i].Counters, sp.Counters); d != "" {
			t.Errorf("%s: counters from ginkgo-report.json (-summary +ginkgo):\n%s", sp.ID, d)
		}
	}
	if fromFile.Target != sum.Target || len(fromFile.Timing) != len(sum.Timing) || len(fromFile.LeakTests) != 1 {
		t.Errorf("from ginkgo-report.json: target %+v, %d timings, %d leak tests", fromFile.Target, len(fromFile.Timing), len(fromFile.LeakTests))
	}
	var raw map[string]any
	b, _ := os.ReadFile(f.Summary)
	if err := json.Unmarshal(b, &raw); err != nil || raw["schema"] != Schema {
		t.Errorf("summary: %v %v", err, raw["schema"])
	}
}

func TestTraceCap(t *testing.T) {
	o := testOptions
	o.MaxTrace = 2
	o.TraceAll = true
	for _, sp := range Build(syntheticReport(), o).Specs {
		if sp.ID == "RD-001" && (len(sp.Trace) != 2 || sp.TraceOmitted != 2) {
			t.Errorf("trace %d, omitted %d", len(sp.Trace), sp.TraceOmitted)
		}
	}
}

func TestAPDULine(t *testing.T) {
	s := &Summary{APDUs: 32345, Areas: []Area{{Area: "checkcodes", APDUs: 120}, {Area: "reads", APDUs: 32225}}}
	if got, want := APDULine(s), "32,345 APDUs: checkcodes 120, reads 32,225"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := APDULine(&Summary{APDUs: 7}), "7 APDUs"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
