package reports

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

const junitSchema = "testdata/junit/junit-10.xsd"

// xmllint validates an XML file against the JUnit schema Jenkins reads; it returns xmllint's
// complaint, "" when the file is valid.
func xmllint(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmllint is missing: scripts/deps installs libxml2-utils")
		}
		t.Skip("xmllint is missing (Debian's libxml2-utils, e.g. make deps); with CI=true this fails")
	}
	out, err := exec.Command(bin, "--noout", "--schema", junitSchema, path).CombinedOutput()
	if err != nil {
		return string(out) + err.Error()
	}
	return ""
}

func writeJUnitFile(t *testing.T, s *Summary) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJUnit(&b, s); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), FileJUnit)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b.Bytes()
}

// TestJUnitSchema: taimen's JUnit validates against the schema; Ginkgo's own (which has a
// "disabled" attribute the schema does not know) does not, so the check can fail.
func TestJUnitSchema(t *testing.T) {
	path, _ := writeJUnitFile(t, Build(syntheticReport(), testOptions))
	if msg := xmllint(t, path); msg != "" {
		t.Errorf("taimen's junit.xml does not validate:\n%s", msg)
	}
	ginkgo := filepath.Join(t.TempDir(), "ginkgo-junit.xml")
	if err := reporters.GenerateJUnitReport(syntheticReport(), ginkgo); err != nil {
		t.Fatal(err)
	}
	if msg := xmllint(t, ginkgo); msg == "" {
		t.Error("Ginkgo's JUnit validates: the schema check proves nothing")
	}
}

type parsedJUnit struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
		SystemErr string `xml:"system-err"`
	} `xml:"testsuite"`
}

func TestJUnitContent(t *testing.T) {
	s := Build(syntheticReport(), testOptions)
	_, b := writeJUnitFile(t, s)
	var j parsedJUnit
	if err := xml.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{} // name → classname
	skipped, failed := 0, 0
	for _, ts := range j.Suites {
		n, f, k := 0, 0, 0
		for _, c := range ts.Cases {
			n++
			cases[c.Name] = c.Classname
			if c.Classname != ts.Name {
				t.Errorf("%s: classname %s in testsuite %s", c.Name, c.Classname, ts.Name)
			}
			if c.Failure != nil {
				f++
			}
			if c.Skipped != nil {
				k++
				if c.Skipped.Message == "" {
					t.Errorf("%s: skipped without a reason", c.Name)
				}
			}
		}
		if n != ts.Tests || f != ts.Failures || k != ts.Skipped {
			t.Errorf("testsuite %s says tests=%d failures=%d skipped=%d, has %d, %d, %d", ts.Name, ts.Tests, ts.Failures, ts.Skipped, n, f, k)
		}
		skipped += k
		failed += f
	}
	if len(cases) != len(s.Specs) || j.Tests != s.Totals.Total || j.Failures != s.Totals.Failed || skipped != s.Totals.Skipped {
		t.Errorf("%d testcases (tests=%d, failures=%d, skipped %d) for totals %+v", len(cases), j.Tests, j.Failures, skipped, s.Totals)
	}
	for name, class := range map[string]string{
		"RD-001 every application answers SELECT by AID": "taimen.reads",
		"CC-003 wrong expiry year in check code B":       "taimen.checkcodes",
		"RC-011 still blocked after an emulator restart": "taimen.counters",
	} {
		if cases[name] != class {
			t.Errorf("testcase %q: classname %q, want %q", name, cases[name], class)
		}
	}
	for name := range cases {
		if strings.Contains(name, "Suite") || strings.Contains(name, "[") {
			t.Errorf("testcase %q: a suite node, or labels in the name", name)
		}
	}
	for _, local := range []string{"/src/", "/tmp/", "/home/", "/root/"} {
		if bytes.Contains(b, []byte(local)) {
			t.Errorf("junit.xml holds a local path (%s)", local)
		}
	}
	for _, want := range []string{`message="card answered 6A80, CARD.md says 63C9"`, "card answered: VERIFY surface/0012 → 6A80", `<skipped message="needs an emulated card">`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("junit.xml lacks %s", want)
		}
	}
}

// TestJUnitSetupFailure: a failed suite setup is no testcase; the specs it kept from running
// say so in their skip message, and the failure is in system-err.
func TestJUnitSetupFailure(t *testing.T) {
	r := syntheticReport()
	r.SpecReports[0].State = types.SpecStateFailed
	r.SpecReports[0].Failure = types.Failure{Message: "open target: no PC/SC service (start pcscd)", FailureNodeType: types.NodeTypeBeforeSuite}
	for i := range r.SpecReports[1:] {
		sr := &r.SpecReports[i+1]
		if sr.LeafNodeType == types.NodeTypeIt {
			sr.State, sr.Failure, sr.ReportEntries = types.SpecStateSkipped, types.Failure{}, nil
		}
	}
	s := Build(r, testOptions)
	path, b := writeJUnitFile(t, s)
	if msg := xmllint(t, path); msg != "" {
		t.Errorf("does not validate:\n%s", msg)
	}
	var j parsedJUnit
	if err := xml.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if j.Tests != len(s.Specs) || !strings.Contains(j.Suites[0].SystemErr, "BeforeSuite failed: open target") {
		t.Errorf("tests=%d for %d specs; system-err %q", j.Tests, len(s.Specs), j.Suites[0].SystemErr)
	}
	for _, ts := range j.Suites {
		for _, c := range ts.Cases {
			if c.Skipped == nil || !strings.Contains(c.Skipped.Message, "the suite setup (BeforeSuite) failed: open target") {
				t.Errorf("%s: %+v", c.Name, c.Skipped)
			}
		}
	}
}
