package reports

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/taimen-dev/taimen/reader"
)

func TestScrubberString(t *testing.T) {
	s := NewScrubber("5931", "番号　太郎", "55021720354821", "", "12")
	hexName := strings.ToUpper(hex.EncodeToString([]byte("番号　太郎")))
	for _, tc := range []struct {
		name, in, want string
		n              int
	}{
		{"PIN as a token", "PIN 5931 sent", "PIN [redacted] sent", 1},
		{"PIN in quotes", `"pin":"5931"`, `"pin":"[redacted]"`, 1},
		{"PIN at the ends", "5931", "[redacted]", 1},
		{"inside a number", "took 105931 ns", "took 105931 ns", 0},
		{"decimal fraction", "time=0.5931", "time=0.5931", 0},
		{"decimal integer part", "5931.25 µs", "5931.25 µs", 0},
		{"inside hex", "AB5931CD", "AB5931CD", 0},
		{"PIN as hex in an APDU", "002000810435393331", "0020008104[redacted]", 1},
		{"lower-case hex", "35393331", "[redacted]", 1},
		{"check code B anywhere", "x55021720354821y", "x[redacted]y", 1},
		{"name", "氏名: 番号　太郎 です", "氏名: [redacted] です", 1},
		{"name as hex", "DF22" + hexName, "DF22[redacted]", 1},
		{"twice", "5931 and 5931", "[redacted] and [redacted]", 2},
		{"short values ignored", "12 x", "12 x", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n := s.String(tc.in)
			if got != tc.want || n != tc.n {
				t.Errorf("String(%q) = %q, %d; want %q, %d", tc.in, got, n, tc.want, tc.n)
			}
		})
	}
	if !NewScrubber().Empty() || !NewScrubber("", "ab").Empty() {
		t.Error("a scrubber with no usable value should be empty")
	}
}

func TestScrubberReport(t *testing.T) {
	r := syntheticReport()
	r.SpecReports[2].Failure.Message = "Expected <string>: 番号　太郎 to equal <string>: 番号　次郎"
	r.SpecReports[2].CapturedGinkgoWriterOutput = "pin 5931\n"
	r.SpecReports[1].ReportEntries = append(r.SpecReports[1].ReportEntries,
		entry(EntryTrace, []reader.Entry{{Seq: 5931, Op: "VERIFY", Command: "0020008104" + "35393331", SW: "9000"}}))
	out, n, err := NewScrubber("5931", "番号　太郎").Report(r) // as WriteAll does when a scan finds a value
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		// The trace entry's value is written twice, as JSON and as Ginkgo's %+v text (which
		// shows the sequence number 5931 as a token too).
		t.Errorf("removed %d values, want 5 (message, captured output, the PIN's hex in a trace's JSON and text, its sequence number in the text)", n)
	}
	b, _ := json.Marshal(out)
	if strings.Contains(string(b), "番号　太郎") || strings.Contains(string(b), "35393331") || strings.Contains(string(b), "pin 5931") {
		t.Errorf("secret left in the scrubbed report")
	}
	// The entry value is still valid JSON, and a sequence number equal to the PIN is kept.
	var seen bool
	for _, e := range out.SpecReports[1].ReportEntries {
		if e.Name != EntryTrace {
			continue
		}
		var tr []reader.Entry
		if err := json.Unmarshal([]byte(e.Value.AsJSON), &tr); err != nil {
			t.Fatalf("trace entry no longer JSON: %v", err)
		}
		if len(tr) == 1 && tr[0].Seq == 5931 && tr[0].Command == "0020008104"+Redacted {
			seen = true
		}
	}
	if !seen {
		t.Error("the scrubbed trace entry is not as expected")
	}
	// Nothing to remove: the same report.
	same, n, err := NewScrubber("nothing-like-this").Report(syntheticReport())
	if err != nil || n != 0 || same.SpecReports[1].LeafNodeText != syntheticReport().SpecReports[1].LeafNodeText {
		t.Errorf("n=%d err=%v", n, err)
	}
	if _, _, err := (*Scrubber)(nil).Report(types.Report{}); err != nil {
		t.Error(err)
	}
}

func TestScrubberWriter(t *testing.T) {
	var b strings.Builder
	w := NewScrubber("5931").Writer(&b)
	for _, chunk := range []string{"PIN 59", "31 sent\nno", "thing 5931"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(b.String(), "thing") {
		t.Errorf("an unterminated line was written before Flush: %q", b.String())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "PIN [redacted] sent\nnothing [redacted]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if w.Scrubbed() != 2 {
		t.Errorf("scrubbed %d", w.Scrubbed())
	}
}

// TestScrubTyped: Scrub removes values from a summary in place, traces and maps of strings
// included, without a JSON round trip; jsonClean tells a clean text from one to scrub.
func TestScrubTyped(t *testing.T) {
	sc := NewScrubber("5931", "番号　太郎")
	s := Build(syntheticReport(), testOptions)
	s.Specs[0].Failure = &Failure{Message: "PIN 5931 refused for 番号　太郎"}
	s.Specs[0].Trace = []reader.Entry{{Seq: 5931, Command: "0020008104" + "35393331"}, {Seq: 2, Command: "0020008104" + "35393331"}}
	s.Behaviour = []BehaviourAnswer{{Field: "filler", Value: "5931", Source: "x"}}
	var before bytes.Buffer
	s.Write(&before)
	if sc.jsonClean(before.Bytes()) {
		t.Fatal("jsonClean: a summary holding the PIN is clean")
	}
	if n := sc.Scrub(s); n != 5 {
		t.Errorf("Scrub removed %d values, want 5 (message ×2, the hex in two trace entries, the behaviour value)", n)
	}
	var after bytes.Buffer
	s.Write(&after)
	for _, leak := range []string{"番号　太郎", "35393331", `"5931"`, "PIN 5931"} {
		if strings.Contains(after.String(), leak) {
			t.Errorf("%q left in the scrubbed summary", leak)
		}
	}
	if s.Specs[0].Trace[0].Seq != 5931 {
		t.Error("a number equal to the PIN was changed")
	}
	for _, tc := range []struct {
		name  string
		value string
		text  string
		clean bool
	}{
		{"nothing", "5931", `{"a":"b"}`, true},
		{"value in a string", "5931", `{"a":"5931"}`, false},
		{"value in a number: not clean (a walk decides)", "5931", `{"seq":5931}`, false},
		{"a value JSON escapes is never taken for clean", `a"quoted"b`, `{"a":"b"}`, false},
		{"no scrubber", "", `{"a":"5931"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NewScrubber(tc.value).jsonClean([]byte(tc.text)); got != tc.clean {
				t.Errorf("jsonClean = %v, want %v", got, tc.clean)
			}
		})
	}
}
