package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/certify"
)

func TestCertifyUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", []string{"certify-reader"}, "--cmd is required"},
		{"unknown scenario", []string{"certify-reader", "--cmd", "true", "--scenario", "nope"}, `unknown scenario "nope"`},
		{"stray argument", []string{"certify-reader", "--cmd", "true", "extra"}, "unexpected argument"},
		{"bad timeout", []string{"certify-reader", "--cmd", "true", "--timeout", "0s"}, "--timeout must be positive"},
		{"bad profile", []string{"certify-reader", "--cmd", "true", "--profile", "no/such/profile.json"}, "no/such/profile.json"},
		{"bad allow-net", []string{"certify-reader", "--cmd", "true", "--allow-net", "127.0.0.1"}, `--allow-net "127.0.0.1": want HOST:PORT`},
		{"bad allow-net port", []string{"certify-reader", "--cmd", "true", "--allow-net", "ocsp.example:0"}, "port 1-65535"},
		{"root uid", []string{"certify-reader", "--cmd", "true", "--uid", "0"}, "--uid must be an unprivileged uid"},
		{"relay without check code B", []string{"certify-reader", "--cmd", "true", "--relay", "#0"}, "--relay needs the physical card's correct check code B in TAIMEN_CHECK_CODE_B"},
		{"relay with a malformed check code B", []string{"certify-reader", "--cmd", "true", "--relay", "#0", "--timeout", "1s"}, "TAIMEN_CHECK_CODE_B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			if strings.Contains(tc.name, "malformed") {
				env["TAIMEN_CHECK_CODE_B"] = "12345"
			}
			r := runCLI(t, env, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, exitUsage, tc.want)
			}
		})
	}
}

func TestCertifyList(t *testing.T) {
	r := runCLI(t, nil, "certify-reader", "--list")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, s := range certify.Scenarios() {
		if !strings.Contains(r.stdout, s.Name) {
			t.Errorf("scenario %s not listed", s.Name)
		}
	}
	for _, rule := range certify.Rules() {
		if !strings.Contains(r.stdout, rule.ID+"  "+string(rule.Severity)) {
			t.Errorf("rule %s not listed with its severity", rule.ID)
		}
	}
	if r := runCLI(t, nil, "help"); !strings.Contains(r.stdout, "certify-reader") {
		t.Error("usage does not mention certify-reader")
	}
}

// TestCertifyCommand certifies a reader that does nothing ("true"): it reads
// no card yet exits 0, so it fails the liveness rule on the good card and
// the failure-reporting rule on the wrong code.
func TestCertifyCommand(t *testing.T) {
	if err := certify.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	out := filepath.Join(t.TempDir(), "reports")
	r := runCLI(t, nil, "certify-reader", "--cmd", "true", "--profile", p01, "--scenario", "good", "--scenario", "wrong-code", "--out", out, "--timeout", "10s", "--records", "{out}/records")
	if r.code != exitNotCertified {
		t.Fatalf("exit %d, want %d\n%s\n%s", r.code, exitNotCertified, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "verdict: NOT CERTIFIED") || !strings.Contains(r.stdout, "RR-007") || !strings.Contains(r.stdout, "RR-013") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "good ") || !strings.Contains(r.stderr, "wrong-code ") {
		t.Errorf("progress:\n%s", r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, certify.FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	var rep certify.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Schema != certify.Schema || rep.Verdict != certify.VerdictFail || !slices.Equal(rep.FailedRules, []string{"RR-007", "RR-013"}) || len(rep.Scenarios) != 2 {
		t.Fatalf("report: %s %s %v", rep.Schema, rep.Verdict, rep.FailedRules)
	}
	if rep.Records != "{out}/records" {
		t.Errorf("record store %q, want the --records given", rep.Records)
	}
	for _, f := range []string{certify.FileJUnit, certify.FileHTML} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
