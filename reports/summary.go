// Package reports turns a Ginkgo report of a taimen run into what a run hands
// over: Ginkgo's JSON and JUnit XML, taimen's JSON summary (schema
// taimen.report/v1, documented in SCHEMA.md) and a self-contained HTML
// certification report. The summary is the source of the HTML, so a saved run
// can be re-rendered, and of the comparison of two runs (Diff).
//
// Reports never hold secrets or personal data: traces come redacted from the
// reader, and Scrub removes any known secret that slipped into free text
// (a failure message, captured output) before anything is written.
package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega/gmeasure"

	"github.com/taimen-dev/taimen/internal/readfile"
	"github.com/taimen-dev/taimen/reader"
)

// Schema is the value of Summary.Schema. A consumer accepts any
// "taimen.report/v1" summary: later v1 summaries only add fields.
const Schema = "taimen.report/v1"

// The files a run writes into its output directory.
const (
	FileGinkgo  = "ginkgo-report.json" // Ginkgo's own JSON report ([]types.Report)
	FileJUnit   = "junit.xml"          // JUnit XML for CI systems
	FileSummary = "summary.json"       // taimen's summary, schema taimen.report/v1
	FileHTML    = "report.html"        // the self-contained certification report
	FileConsole = "console.log"        // the run's console output, without colour codes
)

// Report entry names the suites attach (mirrors of the suites package's
// constants, which suites/all checks: reports does not import the suites).
const (
	EntryTarget       = "taimen-target"       // map kind/reader/profile
	EntryTrace        = "taimen-trace"        // []reader.Entry, redacted
	EntryTraceDigest  = "taimen-trace-digest" // reader.TraceDigest: the whole trace's count, bytes and time
	EntryTiming       = "taimen-timing"       // a gmeasure experiment
	EntryCounter      = "taimen-counters"     // map[string]int, before then after (or {"before":…, "after":…})
	EntryRunCounters  = "taimen-run-counters" // RunCounters, on the suite's last node (physical cards)
	EntryAPDUs        = "taimen-apdus"        // int: the APDUs a spec sent to the card
	EntryTimingPrefix = "timing: "            // a gmeasure experiment per command, "timing: <command>"
)

// Verdicts. An area where no spec ran is Skip; a run is never Skip.
const (
	Pass = "PASS"
	Fail = "FAIL"
	Skip = "SKIP"
)

// NotSelected is the skip reason of a spec Ginkgo did not run: filtered out
// by the label filter or focus, or after a failure of the suite setup.
const NotSelected = "not selected (label filter, focus or an earlier suite failure)"

// Outcomes of a spec, coarser than Ginkgo's states.
const (
	OutcomePass = "pass"
	OutcomeFail = "fail"
	OutcomeSkip = "skip"
)

// Summary is taimen's JSON report of one run (see SCHEMA.md).
type Summary struct {
	Schema        string        `json:"schema"`
	Verdict       string        `json:"verdict"`
	Tool          Tool          `json:"tool"`
	Suite         string        `json:"suite"`
	LabelFilter   string        `json:"label_filter,omitempty"`
	Target        Target        `json:"target"`
	Started       time.Time     `json:"started"`
	Duration      time.Duration `json:"duration_ns"`
	Totals        Counts        `json:"totals"`
	APDUs         int           `json:"apdus"` // APDUs the specs sent to the card, in all
	Areas         []Area        `json:"areas"`
	Specs         []Spec        `json:"specs"`
	SuiteFailures []Failure     `json:"suite_failures,omitempty"`
	Timing        []Timing      `json:"timing,omitempty"`
	APDULatency   []Timing      `json:"apdu_latency,omitempty"`
	Scrubbed      int           `json:"scrubbed"`
	// Traces says whose traces the specs keep: TracesFailed or TracesAll.
	Traces string `json:"traces,omitempty"`
	// LeakTests are the timing-leak tests of the timing area, with Welch's t-test of each.
	LeakTests []LeakTest `json:"leak_tests,omitempty"`
	// Counters is what the run did to a physical card's retry counters (absent on emulated cards).
	Counters *RunCounters `json:"counters,omitempty"`
	// Behaviour is what a physical card was judged against on the questions CARD.md leaves
	// open, each answer with its source (absent on emulated cards: their profile declares it).
	Behaviour []BehaviourAnswer `json:"behaviour,omitempty"`
	// Shard marks one shard of a split run (run --shard I/N); Shards lists the shards a merged
	// summary was made of (report merge). See shard.go.
	Shard  *ShardInfo `json:"shard,omitempty"`
	Shards []ShardRun `json:"merged_from,omitempty"`
}

// RunCounters is a physical card's retry counters before the first spec and after the last,
// with the fewest tries the floor guard let each spent key reach.
type RunCounters struct {
	Floor    int            `json:"floor"`
	Before   map[string]int `json:"before"`
	After    map[string]int `json:"after"`
	Lowest   map[string]int `json:"lowest,omitempty"`
	Restored bool           `json:"restored"` // After equals Before
}

// Line says in words what the run did to the counters: "every counter restored: …".
func (c *RunCounters) Line() string {
	spent := len(c.Lowest)
	low := -1
	for _, n := range c.Lowest {
		if low < 0 || n < low {
			low = n
		}
	}
	var b strings.Builder
	if c.Restored {
		fmt.Fprintf(&b, "every counter restored: %d counters as found", len(c.Before))
	} else {
		var moved []string
		for _, k := range slices.Sorted(maps.Keys(c.Before)) {
			if c.After[k] != c.Before[k] {
				moved = append(moved, fmt.Sprintf("%s %d → %d", k, c.Before[k], c.After[k]))
			}
		}
		fmt.Fprintf(&b, "COUNTERS NOT RESTORED: %s", strings.Join(moved, ", "))
	}
	switch {
	case spent == 0:
		b.WriteString("; no try spent")
	case c.Floor > 0:
		fmt.Fprintf(&b, "; tries spent on %d keys, never below %d (floor %d)", spent, low, c.Floor)
	default:
		fmt.Fprintf(&b, "; tries spent on %d keys, down to %d (no floor: --allow-destructive)", spent, low)
	}
	return b.String()
}

// Tool names what produced the run.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Go      string `json:"go,omitempty"`
	Ginkgo  string `json:"ginkgo,omitempty"`
}

// Target describes the card the run was aimed at; never personal data.
type Target struct {
	Kind    string `json:"kind"`
	Reader  string `json:"reader,omitempty"`
	ATR     string `json:"atr,omitempty"`
	Profile string `json:"profile,omitempty"`
}

// Counts are numbers of specs by outcome.
type Counts struct {
	Total   int `json:"total"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

func (c *Counts) add(outcome string) {
	c.Total++
	switch outcome {
	case OutcomePass:
		c.Passed++
	case OutcomeFail:
		c.Failed++
	default:
		c.Skipped++
	}
}

// Area is the result of one conformance area.
type Area struct {
	Area     string        `json:"area"`
	Verdict  string        `json:"verdict"`
	Counts   Counts        `json:"counts"`
	Duration time.Duration `json:"duration_ns"`
	APDUs    int           `json:"apdus"`
}

// Spec is the result of one spec.
type Spec struct {
	ID         string         `json:"id,omitempty"`
	Title      string         `json:"title"`
	Area       string         `json:"area,omitempty"`
	App        string         `json:"app,omitempty"`
	Checks     string         `json:"checks,omitempty"`
	Expect     string         `json:"expect,omitempty"`
	Labels     []string       `json:"labels"`
	State      string         `json:"state"`
	Outcome    string         `json:"outcome"`
	Started    time.Time      `json:"started,omitzero"`
	Duration   time.Duration  `json:"duration_ns"`
	Failure    *Failure       `json:"failure,omitempty"`
	SkipReason string         `json:"skip_reason,omitempty"`
	Counters   *Counters      `json:"counters,omitempty"`
	APDUs      int            `json:"apdus"` // APDUs sent to the card, counters and restores included
	Trace      []reader.Entry `json:"trace,omitempty"`
	// TraceDigest sums up the spec's whole trace (kept or not): exchanges, bytes and time.
	TraceDigest *reader.TraceDigest `json:"trace_digest,omitempty"`
	// TraceOmitted counts the exchanges left out after the first
	// Options.MaxTrace (Ginkgo's JSON report keeps them all).
	TraceOmitted int `json:"trace_omitted,omitempty"`
}

// Name is the spec's ID and title as Ginkgo shows them.
func (s Spec) Name() string {
	if s.ID == "" {
		return s.Title
	}
	return s.ID + " " + s.Title
}

// Failure is where and why a spec or a suite node failed.
type Failure struct {
	Node     string    `json:"node,omitempty"` // the Ginkgo node that failed, e.g. "It", "BeforeSuite"
	Message  string    `json:"message"`
	Location string    `json:"location,omitempty"` // file:line, relative to the module where known
	At       time.Time `json:"at,omitzero"`        // when it failed: the trace's exchanges around it are shown
}

// Counters are a spec's retry counters before and after it ran ("app/key" → tries).
type Counters struct {
	Before map[string]int `json:"before,omitempty"`
	After  map[string]int `json:"after,omitempty"`
}

// SpecMeta is the catalogue entry of a spec, looked up by ID.
type SpecMeta struct {
	ID, Title, Area, App, Checks, Expect string
}

// Options complete a summary with what the Ginkgo report does not hold.
type Options struct {
	Tool Tool
	// Target is the run's target; kind, reader and profile found in the
	// specs' EntryTarget entries fill the fields left empty.
	Target Target
	// Lookup returns the catalogue entry of a spec ID (nil: IDs and titles
	// come from the spec text, areas from the first label).
	Lookup func(id string) (SpecMeta, bool)
	// Scrubbed is the number of secrets Scrub removed from the report.
	Scrubbed int
	// MaxTrace caps the exchanges kept per spec (0: DefaultMaxTrace, -1: no cap).
	MaxTrace int
	// Behaviour is a physical card's expected behaviour with its sources (Summary.Behaviour).
	Behaviour []BehaviourAnswer
	// TraceAll keeps every spec's trace; otherwise only failed specs keep theirs and the
	// others keep a digest (TracesFailed).
	TraceAll bool
	// Shard marks the summary of one shard of a split run (Summary.Shard).
	Shard *ShardInfo
}

// DefaultMaxTrace is the number of exchanges a summary keeps per spec.
const DefaultMaxTrace = 5000

var specText = regexp.MustCompile(`^([A-Z][A-Z0-9]*-[0-9]+) (.*)$`)

// suiteNodes are the Ginkgo nodes reported besides the specs.
var suiteNodes = types.NodeTypesForSuiteLevelNodes | types.NodeTypeCleanupAfterSuite

// Build makes the summary of a Ginkgo report.
func Build(r types.Report, o Options) *Summary {
	s := &Summary{
		Schema:      Schema,
		Tool:        o.Tool,
		Suite:       r.SuiteDescription,
		LabelFilter: r.SuiteConfig.LabelFilter,
		Target:      o.Target,
		Started:     r.StartTime,
		Duration:    r.RunTime,
		Scrubbed:    o.Scrubbed,
		Behaviour:   o.Behaviour,
		Shard:       o.Shard,
		Areas:       []Area{},
		Specs:       []Spec{},
	}
	if s.Tool.Name == "" {
		s.Tool.Name = "taimen"
	}
	if s.Tool.Ginkgo == "" {
		s.Tool.Ginkgo = types.VERSION
	}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType.Is(suiteNodes) {
			for _, e := range sr.ReportEntries {
				var rc RunCounters
				if e.Name == EntryRunCounters && json.Unmarshal(entryJSON(e), &rc) == nil && rc.Before != nil {
					rc.Restored = maps.Equal(rc.Before, rc.After)
					s.Counters = &rc
				}
			}
			if sr.State.Is(types.SpecStateFailureStates) {
				s.SuiteFailures = append(s.SuiteFailures, failure(sr.LeafNodeType.String(), sr.Failure))
			}
			continue
		}
		sp := spec(sr, o.Lookup)
		entries(s, &sp, sr.ReportEntries)
		s.Specs = append(s.Specs, sp)
	}
	for _, reason := range r.SpecialSuiteFailureReasons {
		s.SuiteFailures = append(s.SuiteFailures, Failure{Node: "suite", Message: reason})
	}
	slices.SortStableFunc(s.Specs, func(a, b Spec) int { return compareSpecs(a, b) })
	s.Totals, s.Areas, s.APDUs = tally(s.Specs)
	s.Verdict = runVerdict(r.SuiteSucceeded, s.Totals, s.SuiteFailures)
	s.APDULatency = apduLatency(s.Specs)
	sortTimings(s.Timing)
	keepTraces(s, o)
	return s
}

// tally counts specs by outcome and sums their APDUs, in all and per area (areas by name; "other" for a spec
// without one).
func tally(specs []Spec) (totals Counts, _ []Area, apdus int) {
	areas := map[string]*Area{}
	for _, sp := range specs {
		totals.add(sp.Outcome)
		apdus += sp.APDUs
		key := sp.Area
		if key == "" {
			key = "other"
		}
		a := areas[key]
		if a == nil {
			a = &Area{Area: key}
			areas[key] = a
		}
		a.Counts.add(sp.Outcome)
		a.Duration += sp.Duration
		a.APDUs += sp.APDUs
	}
	out := []Area{}
	for _, k := range slices.Sorted(maps.Keys(areas)) {
		a := areas[k]
		switch {
		case a.Counts.Failed > 0:
			a.Verdict = Fail
		case a.Counts.Passed > 0:
			a.Verdict = Pass
		default:
			a.Verdict = Skip
		}
		out = append(out, *a)
	}
	return totals, out, apdus
}

// runVerdict is a run's verdict: PASS when the suite succeeded, no spec and no suite node
// failed, and at least one spec passed (a run that verified nothing certifies nothing).
func runVerdict(suiteSucceeded bool, totals Counts, suiteFailures []Failure) string {
	if !suiteSucceeded || totals.Failed > 0 || len(suiteFailures) > 0 || totals.Passed == 0 {
		return Fail
	}
	return Pass
}

// compareSpecs orders specs by ID (specs without one last, by title).
func compareSpecs(a, b Spec) int {
	switch {
	case a.ID == "" && b.ID != "":
		return 1
	case a.ID != "" && b.ID == "":
		return -1
	case a.ID != b.ID:
		return strings.Compare(a.ID, b.ID)
	}
	return strings.Compare(a.Title, b.Title)
}

func spec(sr types.SpecReport, lookup func(string) (SpecMeta, bool)) Spec {
	sp := Spec{Title: sr.LeafNodeText, Labels: sr.Labels(), State: sr.State.String(), Started: sr.StartTime, Duration: sr.RunTime}
	if sp.Labels == nil {
		sp.Labels = []string{}
	}
	if m := specText.FindStringSubmatch(sr.LeafNodeText); m != nil {
		sp.ID, sp.Title = m[1], m[2]
	}
	if len(sr.LeafNodeLabels) > 0 {
		sp.Area = sr.LeafNodeLabels[0]
		if len(sr.LeafNodeLabels) > 1 {
			sp.App = sr.LeafNodeLabels[1]
		}
	} else if len(sp.Labels) > 0 {
		sp.Area = sp.Labels[0]
	}
	if lookup != nil && sp.ID != "" {
		if m, ok := lookup(sp.ID); ok {
			sp.Area, sp.App, sp.Checks, sp.Expect = m.Area, m.App, m.Checks, m.Expect
			if m.Title != "" {
				sp.Title = m.Title
			}
		}
	}
	switch {
	case sr.State.Is(types.SpecStatePassed):
		sp.Outcome = OutcomePass
	case sr.State.Is(types.SpecStateFailureStates):
		sp.Outcome = OutcomeFail
		f := failure(sr.Failure.FailureNodeType.String(), sr.Failure)
		if sr.Failure.FailureNodeType == types.NodeTypeInvalid {
			f.Node = ""
		}
		sp.Failure = &f
	default:
		sp.Outcome = OutcomeSkip
		sp.SkipReason = sr.Failure.Message
		if sp.SkipReason == "" && sr.State == types.SpecStateSkipped {
			sp.SkipReason = NotSelected
		}
		if sr.State == types.SpecStatePending {
			sp.SkipReason = "pending"
		}
	}
	return sp
}

func failure(node string, f types.Failure) Failure {
	out := Failure{Node: node, Message: Humanize(strings.TrimSpace(f.Message)), At: f.TimelineLocation.Time}
	if f.Location.FileName != "" {
		out.Location = fmt.Sprintf("%s:%d", shortPath(f.Location.FileName), f.Location.LineNumber)
	}
	if f.ForwardedPanic != "" {
		out.Message = strings.TrimSpace(out.Message + "\npanic: " + Humanize(f.ForwardedPanic))
	}
	return out
}

// shortPath makes an absolute source path relative to its Go module's root,
// when the module is found on this machine, or keeps its last two elements.
func shortPath(p string) string {
	if !filepath.IsAbs(p) {
		return filepath.ToSlash(p)
	}
	for dir := filepath.Dir(p); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, p); err == nil {
				return filepath.ToSlash(rel)
			}
		}
	}
	return filepath.ToSlash(filepath.Join(filepath.Base(filepath.Dir(p)), filepath.Base(p)))
}

// entryJSON is an entry's value as JSON, whether the report was read from a
// file (AsJSON) or is the in-memory one of a ReportAfterSuite (raw value).
func entryJSON(e types.ReportEntry) []byte {
	if e.Value.AsJSON != "" {
		return []byte(e.Value.AsJSON)
	}
	b, err := json.Marshal(e.Value.GetRawValue())
	if err != nil {
		return nil
	}
	return b
}

// entries reads taimen's report entries of one spec.
func entries(s *Summary, sp *Spec, es types.ReportEntries) {
	var counters []map[string]int
	for _, e := range es {
		if tr, ok := e.Value.GetRawValue().([]reader.Entry); ok && e.Name == EntryTrace {
			sp.Trace = append(sp.Trace, tr...) // in memory: no JSON round trip
			continue
		}
		if d, ok := e.Value.GetRawValue().(reader.TraceDigest); ok && e.Name == EntryTraceDigest {
			sp.TraceDigest = &d
			continue
		}
		if l, ok := e.Value.GetRawValue().(LeakTest); ok && e.Name == EntryLeak {
			l.Spec = sp.ID
			s.LeakTests = append(s.LeakTests, l)
			continue
		}
		if x, ok := e.Value.GetRawValue().(*gmeasure.Experiment); ok && (e.Name == EntryTiming || strings.HasPrefix(e.Name, EntryTimingPrefix)) {
			s.Timing = append(s.Timing, experimentTimings(strings.TrimPrefix(e.Name, EntryTimingPrefix), sp.ID, x, nil)...)
			continue
		}
		raw := entryJSON(e)
		switch {
		case e.Name == EntryTarget:
			var t map[string]string
			if json.Unmarshal(raw, &t) == nil {
				fill(&s.Target.Kind, t["kind"])
				fill(&s.Target.Reader, t["reader"])
				fill(&s.Target.Profile, t["profile"])
				fill(&s.Target.ATR, t["atr"])
			}
		case e.Name == EntryAPDUs:
			_ = json.Unmarshal(raw, &sp.APDUs)
		case e.Name == EntryTrace:
			var tr []reader.Entry
			if json.Unmarshal(raw, &tr) == nil {
				sp.Trace = append(sp.Trace, tr...)
			}
		case e.Name == EntryTraceDigest:
			var d reader.TraceDigest
			if json.Unmarshal(raw, &d) == nil {
				sp.TraceDigest = &d
			}
		case e.Name == EntryLeak:
			var l LeakTest
			if json.Unmarshal(raw, &l) == nil {
				l.Spec = sp.ID
				s.LeakTests = append(s.LeakTests, l)
			}
		case e.Name == EntryCounter:
			var ba struct{ Before, After map[string]int }
			var flat map[string]int
			switch {
			case json.Unmarshal(raw, &flat) == nil:
				counters = append(counters, flat)
			case json.Unmarshal(raw, &ba) == nil && (ba.Before != nil || ba.After != nil):
				counters = append(counters, ba.Before, ba.After)
			}
		case e.Name == EntryTiming || strings.HasPrefix(e.Name, EntryTimingPrefix):
			s.Timing = append(s.Timing, experimentTimings(strings.TrimPrefix(e.Name, EntryTimingPrefix), sp.ID, nil, func() []byte { return raw })...)
		}
	}
	switch len(counters) {
	case 0:
	case 1:
		sp.Counters = &Counters{Before: counters[0]}
	default:
		sp.Counters = &Counters{Before: counters[0], After: counters[len(counters)-1]}
	}
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// Write writes s as compact JSON (a run's summary is read by programs; jq formats it).
func (s *Summary) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

// ErrSchema is returned for a file that is not a taimen.report/v1 summary.
var ErrSchema = errors.New("not a taimen.report/v1 summary")

// maxReportFile bounds the JSON files Load and ReadGinkgo read: a full run's
// traces take a few megabytes.
const maxReportFile = 512 << 20

// Load reads a summary from a file, or from FileSummary in a directory.
func Load(path string) (*Summary, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, FileSummary)
	}
	b, err := readfile.Regular(path, maxReportFile)
	if err != nil {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %q: %w", path, s.Schema, ErrSchema)
	}
	return &s, nil
}

// ReadGinkgo reads Ginkgo's JSON report (FileGinkgo) and returns its one suite.
func ReadGinkgo(path string) (types.Report, error) {
	b, err := readfile.Regular(path, maxReportFile)
	if err != nil {
		return types.Report{}, err
	}
	var rs []types.Report
	if err := json.Unmarshal(b, &rs); err != nil {
		return types.Report{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(rs) != 1 {
		return types.Report{}, fmt.Errorf("%s: %d suites, want 1", path, len(rs))
	}
	return rs[0], nil
}
