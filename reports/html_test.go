package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
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
		{"trace", `<details id="trace-spec-RD-001">`},
		{"redacted data shown as such", "[redacted 2300 bytes]"},
		{"redaction reason", "response: personal data"},
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
