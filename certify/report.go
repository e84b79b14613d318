package certify

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Schema is the value of Report.Schema. A change that removes or redefines a
// field gets a new version; new fields may be added within v1.
const Schema = "taimen.certification/v1"

// Verdict is the outcome of a certification.
type Verdict string

// The verdicts.
const (
	// VerdictPass: every must-rule passed in every scenario where it applies.
	VerdictPass Verdict = "pass"
	// VerdictFail: at least one must-rule failed.
	VerdictFail Verdict = "fail"
	// VerdictError: no must-rule failed, but a scenario could not be run (a
	// harness problem), so the reader is not certified either.
	VerdictError Verdict = "error"
)

// Outcome is the result of one rule in one scenario.
type Outcome string

// The outcomes.
const (
	OutcomePass          Outcome = "pass"
	OutcomeFail          Outcome = "fail"
	OutcomeNotApplicable Outcome = "not-applicable"
	OutcomeError         Outcome = "error" // the scenario could not be run
)

// Report is a certification report: the JSON document "taimen.certification/v1".
// It holds no check code, PIN, personal datum or APDU data (see Exchange);
// reader output is included only as a bounded tail, scrubbed, and withheld
// when something survives the scrubbing.
type Report struct {
	Schema string `json:"schema"`
	// Tool is the program that made the report, e.g. "taimen dev".
	Tool string `json:"tool"`
	// Started is when the run began (UTC); DurationMS how long it took.
	Started    time.Time `json:"started"`
	DurationMS int64     `json:"duration_ms"`
	// Command is the reader under test as given (--cmd), with {reader} and {out} unexpanded.
	Command string `json:"command"`
	// Reader is the PC/SC reader name given to the command as {reader}.
	Reader string `json:"reader"`
	// Profile is the card profile's ID.
	Profile string `json:"profile"`
	// TimeoutMS is each scenario's deadline.
	TimeoutMS int64 `json:"timeout_ms"`
	// Records is the declared record store (--records), as the reader sees it; "" for none.
	Records string `json:"records,omitempty"`
	// Verdict is pass, fail or error; FailedRules the IDs of rules that failed
	// somewhere (must and should), sorted.
	Verdict     Verdict  `json:"verdict"`
	FailedRules []string `json:"failed_rules"`
	Summary     Summary  `json:"summary"`
	// AllowNet lists the network endpoints the vendor declared (--allow-net).
	AllowNet []string `json:"allow_net,omitempty"`
	// RuleSet names the rule set judged (see RuleSets); empty in reports
	// made before rule sets, which judged every rule.
	RuleSet string `json:"rule_set,omitempty"`
	// Rules are the rules checked (those of the rule set); Scenarios the scenarios run, in order.
	Rules     []Rule           `json:"rules"`
	Scenarios []ScenarioResult `json:"scenarios"`
	// Relay describes the physical card of a --relay certification (relaymode.go); nil otherwise.
	Relay *RelayInfo `json:"relay,omitempty"`
}

// Summary counts results (one per rule and scenario).
type Summary struct {
	Pass          int `json:"pass"`
	MustFail      int `json:"must_fail"`
	ShouldFail    int `json:"should_fail"`
	NotApplicable int `json:"not_applicable"`
	Error         int `json:"error"`
}

// ScenarioResult is what happened in one scenario.
type ScenarioResult struct {
	Scenario
	// ExitCode is the command's exit status; -1 when it was killed or not run.
	ExitCode int `json:"exit_code"`
	// TimedOut is true when the command was killed at the deadline.
	TimedOut bool `json:"timed_out"`
	// DurationMS is how long the command ran.
	DurationMS int64 `json:"duration_ms"`
	// APDUs counts the command APDUs the card received.
	APDUs int `json:"apdus"`
	// Error says why the scenario could not be run (a harness problem); its
	// results are then all "error".
	Error string `json:"error,omitempty"`
	// Skipped says why a --relay certification did not run the scenario (it
	// needs a special card); its results are then all "not-applicable".
	Skipped string `json:"skipped,omitempty"`
	// Counters account for the physical card's counters in a --relay
	// certification (relaymode.go); nil otherwise.
	Counters *RelayCounters `json:"counters,omitempty"`
	// Results has one entry per rule, in rule order.
	Results []Result `json:"results"`
	// Output is the tail of the command's stdout and stderr.
	Output Output `json:"output"`
	// PersonalData lists the personal data, check codes and PINs found in the
	// files the command wrote outside the record store (RR-014); never a value.
	PersonalData []PersonalFinding `json:"personal_data,omitempty"`
	// Records lists what was found in the declared record store, for a reviewer.
	Records []PersonalFinding `json:"records,omitempty"`
	// Files lists every file the command wrote anywhere in its sandbox, by
	// the path it saw: "~/…" under HOME, "{out}/…" under {out}, else the
	// absolute path ("/tmp/…", "/run/taimen/history.jsonl").
	Files []FileInfo `json:"files,omitempty"`
	// Network lists the command's attempts to reach the network (RR-015).
	Network []NetAttempt `json:"network,omitempty"`
	// Trace is the APDU stream the card saw (at most maxTrace events).
	Trace []Exchange `json:"trace"`
	// TraceTruncated is true when Trace was cut at maxTrace events.
	TraceTruncated bool `json:"trace_truncated,omitempty"`
}

// Result is one rule checked in one scenario.
type Result struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Outcome  Outcome  `json:"outcome"`
	// Message says what the reader did.
	Message string `json:"message,omitempty"`
}

// Output is a bounded view of what the command printed.
type Output struct {
	// StdoutBytes and StderrBytes are the sizes captured.
	StdoutBytes int `json:"stdout_bytes"`
	StderrBytes int `json:"stderr_bytes"`
	// Tail is the end of stdout then stderr (at most maxTail bytes), with
	// personal data, check codes and PINs replaced by "[redacted]", unless withheld.
	Tail string `json:"tail,omitempty"`
	// Redacted counts the values replaced in Tail.
	Redacted int `json:"redacted,omitempty"`
	// Withheld says why Tail is absent (something redaction could not remove).
	Withheld string `json:"withheld,omitempty"`
}

// FileInfo is a file the command wrote.
type FileInfo struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Bounds of the report.
const (
	maxTrace = 2000
	maxTail  = 4096
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// JUnit XML: one testsuite per scenario, one testcase per scenario × rule
// (not-applicable ones as skipped, a harness error as error).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	titles := map[string]string{}
	for _, rule := range r.Rules {
		titles[rule.ID] = rule.Title
	}
	all := junitSuites{Name: "taimen certify-reader", Time: seconds(r.DurationMS)}
	if r.RuleSet != "" {
		all.Name += " (rule set " + r.RuleSet + ")"
	}
	for _, sc := range r.Scenarios {
		s := junitSuite{Name: sc.Name, Time: seconds(sc.DurationMS), Timestamp: r.Started.Format(time.RFC3339),
			Properties: []junitProperty{{"card", sc.Card}, {"exit_code", fmt.Sprint(sc.ExitCode)}, {"apdus", fmt.Sprint(sc.APDUs)}}}
		if r.RuleSet != "" {
			s.Properties = append(s.Properties, junitProperty{"rule_set", r.RuleSet})
		}
		for _, res := range sc.Results {
			c := junitCase{Name: res.Rule + " " + titles[res.Rule], Classname: "certify." + sc.Name, Time: "0.000"}
			switch res.Outcome {
			case OutcomeFail:
				c.Failure = &junitMessage{Message: res.Message, Type: string(res.Severity), Text: res.Message}
				s.Failures++
			case OutcomeError:
				c.Error = &junitMessage{Message: res.Message, Type: "harness"}
				s.Errors++
			case OutcomeNotApplicable:
				c.Skipped = &junitMessage{Message: "not applicable in this scenario"}
				s.Skipped++
			default:
				c.SystemOut = res.Message
			}
			s.Cases = append(s.Cases, c)
			s.Tests++
		}
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Skipped += s.Skipped
		all.Suites = append(all.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Report file names written by WriteFiles.
const (
	FileJSON  = "certification.json"
	FileJUnit = "certification.junit.xml"
	FileHTML  = "certification.html"
)

// WriteFiles writes the JSON, JUnit XML and HTML reports into dir (created
// if needed) and returns their paths.
func (r *Report) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{FileJSON, r.WriteJSON}, {FileJUnit, r.WriteJUnit}, {FileHTML, r.WriteHTML}} {
		path := filepath.Join(dir, f.name)
		if err := writeFile(path, f.write); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// writeFile writes through a temporary file renamed into place.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
