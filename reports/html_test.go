package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/reports/browsertest"
)

func render(t *testing.T, s *Summary) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderHTML(&b, s, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestHTMLContent(t *testing.T) {
	html := render(t, Build(syntheticReport(), testOptions))
	for _, tc := range []struct {
		name, want string
	}{
		{"verdict", `<div class="word">FAIL</div>`},
		{"target", "p01-showa"},
		{"ATR", "3BE000FF8131FE4514"},
		{"tool version", "taimen v1.2.3-test"},
		{"date", "2026-05-01 09:30:00 UTC"},
		{"failure message", "card answered 6A80, CARD.md says 63C9"},
		{"failure location", "checkcodes/checkcodes.go:88"},
		{"skip reason", "needs an emulated card"},
		{"timeout state", "timedout"},
		{"area row", `href="#area-checkcodes"`},
		{"APDU column", `<th class="num">APDUs</th>`},
		{"APDUs of an area", `<td class="num">23</td>`},
		{"APDUs of the run", `<td class="num">27</td>`},
		{"counters table", "surface/0012"},
		{"counter change", ">-1<"},
		{"timing chart", `aria-label="latency distribution by command"`},
		{"timing row", "face-to-face read"},
		{"percentile column", "<th class=\"num\">p99</th>"},
		{"trace of the failed spec", `<details id="trace-spec-CC-003">`},
		{"redacted data shown as such", "[redacted 14 bytes]"},
		{"redaction reason", "command: secret"},
		{"digest of the passed specs' traces", "4 exchanges, 2348 bytes"},
		{"what the failed spec expected", "<dt>Expected</dt>"},
		{"what the card answered", "VERIFY surface/0012 → 6A80 (incorrect parameters in the data field)"},
		{"the exchange it failed after", `<tr class="at" title="redacted — command: secret">`},
		{"the failure links to its whole trace", `<a href="#trace-spec-CC-003">whole trace</a>`},
		{"Welch's t-test", "<td class=\"num\">-0.41</td><td class=\"num\">597.3</td><td class=\"num\">0.68</td>"},
		{"sample sizes", "285 / 285"},
	} {
		if !strings.Contains(html, tc.want) {
			t.Errorf("%s: %q not in the HTML", tc.name, tc.want)
		}
	}
}

// TestHTMLEscapes: text from specs is escaped everywhere (html/template).
func TestHTMLEscapes(t *testing.T) {
	html := render(t, Build(syntheticReport(), testOptions))
	if strings.Contains(html, `<script>alert("x")</script>`) || strings.Contains(html, "<b>escaping</b>") {
		t.Error("a spec title was not escaped")
	}
	if !strings.Contains(html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Error("the escaped title is missing")
	}
}

// TestHTMLSelfContained: no script, no external resource of any kind.
func TestHTMLSelfContained(t *testing.T) {
	html := render(t, Build(syntheticReport(), testOptions))
	for _, re := range []string{`(?i)<script`, `(?i)<link`, `(?i)<img`, `(?i)<iframe`, `(?i)\bsrc=`, `(?i)url\(`, `(?i)@import`,
		`https?://[^"]*`} {
		for _, m := range regexp.MustCompile(re).FindAllString(html, -1) {
			if m == "http://www.w3.org/2000/svg" {
				continue // the SVG namespace, not a resource
			}
			t.Errorf("external resource or script: %q", m)
		}
	}
}

func TestHTMLEmptyRun(t *testing.T) {
	s := Build(syntheticReport(), testOptions)
	s.Specs, s.Timing, s.APDULatency, s.Areas = nil, nil, nil, nil
	html := render(t, s)
	for _, want := range []string{"No spec of this run recorded a trace.", "No spec of this run recorded retry counters."} {
		if !strings.Contains(html, want) {
			t.Errorf("%q missing", want)
		}
	}
}

// TestHTMLInBrowser renders the synthetic report and loads it in headless
// chromium: no console message, the verdict in the DOM, a screenshot in the
// test's artifact directory (go test -artifacts keeps it).
func TestHTMLInBrowser(t *testing.T) {
	browsertest.Need(t)
	dir := t.ArtifactDir()
	path := filepath.Join(dir, FileHTML)
	if err := WriteHTML(path, Build(syntheticReport(), testOptions)); err != nil {
		t.Fatal(err)
	}
	res := browsertest.Check(t, path, dir)
	if len(res.Console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(res.Console, "\n"))
	}
	if !strings.Contains(res.DOM, `<div class="word">FAIL</div>`) {
		t.Errorf("the DOM lacks the verdict")
	}
	if _, err := os.Stat(res.Screenshot); err != nil {
		t.Error(err)
	}
	t.Logf("screenshot: %s", res.Screenshot)
}

// TestHTMLFailuresFirst: the failures come before every other section, each with what it
// expected and what the card answered; a run without failures has no such section.
func TestHTMLFailuresFirst(t *testing.T) {
	html := render(t, Build(syntheticReport(), testOptions))
	f, sum := strings.Index(html, `<section id="failures"`), strings.Index(html, `<h2 id="summary">`)
	if f < 0 || sum < 0 || f > sum || f > strings.Index(html, "<h2") {
		t.Fatalf("the failures section (at %d) is not the first section (summary at %d, first h2 at %d)", f, sum, strings.Index(html, "<h2"))
	}
	sec := html[f:sum]
	for _, want := range []string{"CC-003", "TM-010", "A spec timeout occurred", syntheticFailures["CC-003"].Message} {
		if !strings.Contains(sec, want) {
			t.Errorf("the failures section lacks %q", want)
		}
	}
	passing := Build(syntheticReport(), testOptions)
	passing.Specs = slices.DeleteFunc(passing.Specs, func(sp Spec) bool { return sp.Outcome == OutcomeFail })
	if html := render(t, passing); strings.Contains(html, `id="failures"`) {
		t.Error("a run without failures has a failures section")
	}
}

// TestHTMLCounters: changed counters are listed, unchanged ones folded.
func TestHTMLCounters(t *testing.T) {
	s := Build(syntheticReport(), testOptions)
	s.Specs = append(s.Specs, Spec{ID: "RD-002", Title: "unchanged", Outcome: OutcomePass, State: "passed",
		Counters: &Counters{Before: map[string]int{"surface/0012": 10}, After: map[string]int{"surface/0012": 10}}})
	html := render(t, s)
	changed := html[strings.Index(html, `id="counters-changed"`):]
	changed = changed[:strings.Index(changed, "</table>")]
	if !strings.Contains(changed, "CC-003") || strings.Contains(changed, "text/0015") || strings.Contains(changed, "RD-002") {
		t.Errorf("the changed-counters table should list surface/0012 of CC-003 only:\n%s", changed)
	}
	if !strings.Contains(html, `1 spec left every counter unchanged</summary>`) || !strings.Contains(html, `<a href="#spec-RD-002">RD-002</a>`) {
		t.Error("RD-002's unchanged counters are not folded")
	}
}
