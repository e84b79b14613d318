package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/taimen-dev/taimen/reports"
	"github.com/taimen-dev/taimen/reports/browsertest"
	"github.com/taimen-dev/taimen/suites/target"
)

// TestRunFaultyCardReport runs the reads area against a card whose certificates come from an
// unknown CA, as a person would meet it: the HTML report, loaded in headless chromium, opens
// with the failures, grouped under their one cause, each with what was expected and what the
// card answered; no message is a Gomega dump; junit.xml validates against the JUnit schema.
func TestRunFaultyCardReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an area of the suite")
	}
	t.Parallel()
	out := filepath.Join(t.TempDir(), "run")
	r := taimenEnv(t, []string{target.EnvFaults + "=unknown-ca"}, "run", "--target", "emulator", "--profile", p01, "--label-filter", "reads", "--out", out)
	s, err := reports.Load(out)
	if err != nil {
		t.Fatalf("exit %d, no summary: %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if r.code != exitError || s.Totals.Failed < 2 {
		t.Fatalf("exit %d, %s: the unknown CA should fail several specs", r.code, verdictLine(s))
	}
	causes := reports.Causes(s)
	if len(causes) == 0 || len(causes[0].Specs) < 2 {
		t.Fatalf("the unknown CA's failures are not grouped under one cause: %+v", causes)
	}
	t.Logf("%s; first cause (%d specs): %s", verdictLine(s), len(causes[0].Specs), causes[0].Text)

	// Ginkgo's JSON keeps the timeline (SpecEvents) of a failed spec, as the summary keeps its trace.
	g, err := reports.ReadGinkgo(reports.FilesIn(out).Ginkgo)
	if err != nil {
		t.Fatal(err)
	}
	failedWithEvents := 0
	for _, sr := range g.SpecReports {
		if sr.State.Is(types.SpecStateFailureStates) && len(sr.SpecEvents) > 0 {
			failedWithEvents++
		}
	}
	if failedWithEvents < 2 {
		t.Errorf("%d failed specs keep their spec events in Ginkgo's JSON, want every one (%d failed)", failedWithEvents, s.Totals.Failed)
	}

	res := browsertest.Check(t, filepath.Join(out, reports.FileHTML), t.ArtifactDir())
	dom := res.DOM
	if len(res.Console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(res.Console, "\n"))
	}
	failures := strings.Index(dom, `id="failures"`)
	if failures < 0 || failures > strings.Index(dom, "<h2") || failures > strings.Index(dom, `id="summary"`) {
		t.Fatalf("the failures section (at %d) does not come first (first h2 at %d)", failures, strings.Index(dom, "<h2"))
	}
	sec := dom[failures:strings.Index(dom, `id="summary"`)]
	if !strings.Contains(sec, "specs fail for one cause") {
		t.Error("the failures section does not group the failures under their cause")
	}
	for _, sp := range causes[0].Specs {
		if !strings.Contains(sec, `id="fail-`+"spec-"+sp.ID+`"`) {
			t.Errorf("%s is not in the failures section", sp.ID)
		}
	}
	for _, want := range []string{"<dt>Expected</dt>", "<dt>Card answered</dt>", `class="at"`} {
		if !strings.Contains(sec, want) {
			t.Errorf("the failures section lacks %s", want)
		}
	}
	// Gomega's dumps: pointer addresses, and byte slices as decimal lists.
	dump := regexp.MustCompile(`\| 0x[0-9a-f]+>|<\[\]uint8 \| len:|\[\d+, \d+, \d+, \d+`)
	for name, text := range map[string]string{"HTML": dom, "console": r.stdout} {
		if m := dump.FindString(text); m != "" {
			t.Errorf("the %s holds a Gomega dump: %q", name, m)
		}
	}
	junit := filepath.Join(out, reports.FileJUnit)
	if b, err := os.ReadFile(junit); err != nil || dump.Match(b) {
		t.Errorf("junit.xml: %v, or a Gomega dump in it", err)
	}
	if bin, err := exec.LookPath("xmllint"); err == nil {
		if b, err := exec.Command(bin, "--noout", "--schema", filepath.Join("..", "..", "reports", "testdata", "junit", "junit-10.xsd"), junit).CombinedOutput(); err != nil {
			t.Errorf("junit.xml does not validate: %v\n%s", err, b)
		}
	} else if os.Getenv("CI") == "true" {
		t.Error("xmllint is missing: scripts/deps installs libxml2-utils")
	}
	t.Logf("screenshot: %s", res.Screenshot)
}
