package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// -mutants-from reads an earlier run's srcmutants.json: counts, the wall time of its summary
// line, and section 5 says where the figure comes from.
func TestReadSrcMutants(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "srcmutants.json")
	json := `{"summary":"3 of 3 runnable mutants run in 2m5s (build 8s): 2 killed (0 timed out), 1 equivalent (reviewed), 0 known survivors, 0 new survivors — score 100.0%",
		"mutants":[{"status":"killed"},{"status":"killed"},{"status":"equivalent"},{"status":"fault-only"}]}`
	if err := os.WriteFile(file, []byte(json), 0o600); err != nil {
		t.Fatal(err)
	}
	m := readSrcMutants(file)
	if m.err != nil {
		t.Fatal(m.err)
	}
	if m.wall != 2*time.Minute+5*time.Second || m.mutants != 4 || m.counts["killed"] != 2 || m.counts["fault-only"] != 1 {
		t.Errorf("read %+v", m)
	}
	var b doc
	(&report{srcmut: m}).writeMutants(&b)
	for _, want := range []string{"Not run by this benchmark run", file, "| 4 | 3 | 2 | 1 |", "2m5s"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("section 5 lacks %q:\n%s", want, b.String())
		}
	}

	for name, body := range map[string]string{"empty": `{}`, "not JSON": `{"summary":`} {
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		m := readSrcMutants(file)
		if m.err == nil {
			t.Errorf("%s: no error", name)
		}
		var b doc
		(&report{srcmut: m}).writeMutants(&b)
		if !strings.Contains(b.String(), "Not measured") {
			t.Errorf("%s: section 5 is\n%s", name, b.String())
		}
	}
	if m := readSrcMutants(filepath.Join(dir, "missing.json")); m.err == nil {
		t.Error("a missing file: no error")
	}
}
