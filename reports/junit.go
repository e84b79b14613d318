package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// JUnit XML, in the Surefire form Jenkins and GitLab read (testdata/junit/junit-10.xsd): one
// testsuite per area, named "taimen.<area>", and one testcase per spec, named "<ID> <title>"
// with classname "taimen.<area>" (the catalogue's title, so a name survives a change of
// labels). The suite's setup and teardown are not testcases: their failures are the first
// testsuite's system-err, and the skip message of every spec they kept from running says so.
// Every testcase that did not run, whatever the reason, is skipped (with the reason as its
// message); there is no separate "disabled" count. Locations are relative to the module: the
// file names no local path.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
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
	Package    string          `xml:"package,attr"`
	Properties *junitProps     `xml:"properties,omitempty"`
	Cases      []junitTestcase `xml:"testcase"`
	SystemErr  string          `xml:"system-err,omitempty"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestcase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnitClass is the classname of a spec's testcase: "taimen.<area>".
func JUnitClass(sp Spec) string {
	a := sp.Area
	if a == "" {
		a = "other"
	}
	return "taimen." + a
}

// WriteJUnit writes the summary as JUnit XML.
func WriteJUnit(w io.Writer, s *Summary) error {
	out := junitSuites{Name: s.Suite, Time: seconds(s.Duration)}
	setup := setupFailure(s)
	at := map[string]int{}
	for _, sp := range s.Specs {
		class := JUnitClass(sp)
		i, ok := at[class]
		if !ok {
			i = len(out.Suites)
			at[class] = i
			ts := junitSuite{Name: class, Package: class, Properties: junitProperties(s)}
			if !s.Started.IsZero() {
				ts.Timestamp = s.Started.UTC().Format("2006-01-02T15:04:05")
			}
			out.Suites = append(out.Suites, ts)
		}
		ts := &out.Suites[i]
		tc := junitTestcase{Name: sp.Name(), Classname: class, Time: seconds(sp.Duration)}
		switch sp.Outcome {
		case OutcomeFail:
			tc.Failure = junitFailure(sp)
			ts.Failures++
		case OutcomeSkip:
			reason := sp.SkipReason
			if reason == NotSelected && setup != "" {
				reason = "not run: " + setup
			}
			if reason == "" {
				reason = "not run"
			}
			tc.Skipped = &junitMessage{Message: reason}
			ts.Skipped++
		}
		ts.Tests++
		ts.Cases = append(ts.Cases, tc)
	}
	for i := range out.Suites {
		var d time.Duration
		for _, sp := range s.Specs {
			if JUnitClass(sp) == out.Suites[i].Name {
				d += sp.Duration
			}
		}
		out.Suites[i].Time = seconds(d)
		out.Tests += out.Suites[i].Tests
		out.Failures += out.Suites[i].Failures
	}
	if len(s.SuiteFailures) > 0 && len(out.Suites) > 0 {
		var b strings.Builder
		for _, f := range s.SuiteFailures {
			fmt.Fprintf(&b, "%s failed: %s\n", f.Node, f.Message)
			if f.Location != "" {
				fmt.Fprintf(&b, "  at %s\n", f.Location)
			}
		}
		out.Suites[0].SystemErr = b.String()
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// setupFailure names the suite setup's failure, "" when it did not fail.
func setupFailure(s *Summary) string {
	for _, f := range s.SuiteFailures {
		if f.Node == "BeforeSuite" || f.Node == "SynchronizedBeforeSuite" {
			return "the suite setup (" + f.Node + ") failed: " + firstLine(f.Message)
		}
	}
	return ""
}

func junitProperties(s *Summary) *junitProps {
	var ps []junitProp
	add := func(k, v string) {
		if v != "" {
			ps = append(ps, junitProp{Name: k, Value: v})
		}
	}
	add("target", s.Target.Kind)
	add("reader", s.Target.Reader)
	add("atr", s.Target.ATR)
	add("profile", s.Target.Profile)
	add("label_filter", s.LabelFilter)
	add("taimen", s.Tool.Version)
	return &junitProps{Props: ps}
}

// junitFailure is a failed spec's failure: the cause as the message, then the expectation,
// the card's last answer, the full message, where it failed and the exchanges around it.
func junitFailure(sp Spec) *junitMessage {
	f := sp.Failure
	if f == nil {
		f = &Failure{Message: sp.State}
	}
	var b strings.Builder
	if sp.Expect != "" {
		fmt.Fprintf(&b, "expected: %s\n", sp.Expect)
	}
	if a := Answered(sp); a != "" {
		fmt.Fprintf(&b, "card answered: %s\n", a)
	}
	b.WriteString(f.Message + "\n")
	if f.Location != "" {
		fmt.Fprintf(&b, "at %s\n", f.Location)
	}
	if es, last := Around(sp); len(es) > 0 {
		b.WriteString("\nexchanges before the failure (» marks the last one):\n")
		for i, e := range es {
			mark := "  "
			if i == last {
				mark = "» "
			}
			fmt.Fprintf(&b, "%s#%d %s %s %s → %s %s%s\n", mark, e.Seq, e.Op, e.Object, e.Command, e.Response, e.SW, e.Err)
		}
	}
	msg := CauseOf(f.Message)
	if msg == "" {
		msg = firstLine(f.Message)
	}
	return &junitMessage{Message: msg, Type: sp.State, Text: b.String()}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// seconds formats a duration as JUnit wants it: seconds, with milliseconds.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}
