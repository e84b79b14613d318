package certify

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// End-to-end tests of RR-014 with the bad-reader fixtures photoreader (keeps
// the face photo in ~/.cache) and datelogreader (logs the birth date to
// $TMPDIR). Each reads the card as taimen's reader does, so RR-014 is the
// only rule it fails.

// writeReports writes the report files into a temporary directory and
// returns it.
func writeReports(t *testing.T, rep *Report) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "reports")
	if _, err := rep.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// badReader builds a fixture and returns its command line (with the test CA).
func badReader(t *testing.T, name string) string {
	t.Helper()
	bin := build(t, "./certify/testdata/"+name)
	return bin + " -reader '{reader}' -test-ca " + visibleProfile(t)
}

// scenariosReading are the scenarios where a careful reader reads an
// authentic card (and so where the fixtures keep what they read).
var scenariosReading = []string{"good", "changed-expiry", "slow", "no-extended", "larger-files", "smaller-files"}

// codeScenarios are the scenarios where the operator gives check code B
// (the fixtures read nothing else: no image, no typed date).
func codeScenarios() []string {
	var out []string
	for _, sc := range Scenarios() {
		if sc.Input == "" {
			out = append(out, sc.Name)
		}
	}
	return out
}

// checkOnlyRR014 checks that RR-014 is the only rule failed, that it failed
// exactly where the card was read, with want among the findings, and that
// the report never holds the kept value's file content.
func checkOnlyRR014(t *testing.T, rep *Report, want func(PersonalFinding) bool, reading []string) {
	t.Helper()
	if !slices.Equal(rep.FailedRules, []string{"RR-014"}) || rep.Summary.Error != 0 {
		t.Fatalf("failed rules %v (errors %d), want only RR-014\n%v", rep.FailedRules, rep.Summary.Error, failedIn(rep))
	}
	for _, sc := range rep.Scenarios {
		failed := slices.ContainsFunc(sc.Results, func(r Result) bool { return r.Rule == "RR-014" && r.Outcome == OutcomeFail })
		if failed != slices.Contains(reading, sc.Name) {
			t.Errorf("%s: RR-014 failed=%v", sc.Name, failed)
		}
		if failed && !slices.ContainsFunc(sc.PersonalData, want) {
			t.Errorf("%s: findings %v", sc.Name, sc.PersonalData)
		}
	}
}

// TestCertifyPhotoReader: a reader that keeps the face photo in ~/.cache
// fails exactly RR-014, wherever it read the card, and the HTML report shows
// the finding.
func TestCertifyPhotoReader(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Parallel()
	rep := certifyWith(t, Options{Command: badReader(t, "photoreader"), Scenarios: codeScenarios(), Timeout: 30 * time.Second})
	checkOnlyRR014(t, rep, func(f PersonalFinding) bool {
		return f == PersonalFinding{Where: "~/.cache/photoreader/face.jp2", Datum: "face photo", Encoding: "raw"}
	}, scenariosReading)
	html, err := os.ReadFile(filepath.Join(writeReports(t, rep), FileHTML))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("Personal data at rest (RR-014)")) || !bytes.Contains(html, []byte("<code>~/.cache/photoreader/face.jp2</code></td><td>face photo</td><td>raw</td>")) {
		t.Error("the HTML report has no RR-014 table with the photo")
	}
}

// TestCertifyDateLogReader: a reader that logs the birth date to /tmp fails
// exactly RR-014.
func TestCertifyDateLogReader(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Parallel()
	rep := certifyWith(t, Options{Command: badReader(t, "datelogreader"), Scenarios: codeScenarios(), Timeout: 30 * time.Second})
	checkOnlyRR014(t, rep, func(f PersonalFinding) bool {
		return f == PersonalFinding{Where: "/tmp/datelogreader.log", Datum: "birth date", Encoding: "YYYY-MM-DD"}
	}, scenariosReading)
}

// TestCertifyRecordStore: the photo kept under the declared record store
// passes RR-014 and is listed for review.
func TestCertifyRecordStore(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Parallel()
	rep := certifyWith(t, Options{Command: badReader(t, "photoreader"), Records: "~/.cache", Scenarios: []string{"good"}, Timeout: 30 * time.Second})
	if rep.Verdict != VerdictPass || rep.Records != "~/.cache" {
		t.Fatalf("verdict %s, records %q: %v", rep.Verdict, rep.Records, failedIn(rep))
	}
	sc := rep.Scenarios[0]
	if len(sc.PersonalData) != 0 || !slices.Contains(sc.Records, PersonalFinding{Where: "~/.cache/photoreader/face.jp2", Datum: "face photo", Encoding: "raw"}) {
		t.Errorf("at rest %v, records %v", sc.PersonalData, sc.Records)
	}
	html, err := os.ReadFile(filepath.Join(writeReports(t, rep), FileHTML))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("Record store <code>~/.cache</code>")) {
		t.Error("the HTML report does not list the record store")
	}
}
