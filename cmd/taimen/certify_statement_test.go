package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/certify"
)

// certifyKeys makes an Ed25519 key pair with the openssl CLI (the PEM forms
// the help tells users to make), the private key chmod 600.
func certifyKeys(t *testing.T) (priv, pub string) {
	t.Helper()
	dir := t.TempDir()
	priv, pub = filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem")
	for _, args := range [][]string{{"genpkey", "-algorithm", "ed25519", "-out", priv}, {"pkey", "-in", priv, "-pubout", "-out", pub}} {
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s (scripts/deps installs openssl)", args, err, out)
		}
	}
	if err := os.Chmod(priv, 0o600); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// signedReports writes the reports of a small hand-made report and the
// statement signed with the key at priv; it returns the report directory.
func signedReports(t *testing.T, priv, subject string) string {
	t.Helper()
	rules := certify.Rules()[:2]
	rep := &certify.Report{Schema: certify.Schema, Tool: "taimen test", Started: time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC),
		Command: "my-reader", Profile: "p01-showa", RuleSet: "all", Rules: rules, Verdict: certify.VerdictPass, FailedRules: []string{},
		Scenarios: []certify.ScenarioResult{{Scenario: certify.Scenarios()[0], Results: []certify.Result{
			{Rule: rules[0].ID, Severity: rules[0].Severity, Outcome: certify.OutcomePass},
			{Rule: rules[1].ID, Severity: rules[1].Severity, Outcome: certify.OutcomePass}}}}}
	dir := filepath.Join(t.TempDir(), "cert")
	paths, err := rep.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	key, err := certify.LoadSigningKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rep.WriteStatement(context.Background(), dir, paths, key, certify.StatementOptions{Version: version, Subject: subject}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCertifyVerify(t *testing.T) {
	priv, pub := certifyKeys(t)
	reader := filepath.Join(t.TempDir(), "my-reader")
	os.WriteFile(reader, []byte("#!/bin/sh\n"), 0o755)
	dir := signedReports(t, priv, reader)
	statement := filepath.Join(dir, certify.FileStatement)

	// Flags before or after STATEMENT.
	for _, args := range [][]string{
		{"certify-reader", "verify", statement, "--key", pub, "--subject", reader},
		{"certify-reader", "verify", "--key", pub, "--subject", reader, statement},
	} {
		r := runCLI(t, nil, args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "verified: "+statement) || !strings.Contains(r.stdout, "rule set all: verdict pass") ||
			strings.Count(r.stdout, "sha256 ") != 4 {
			t.Errorf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}

	// A changed byte in each report, the reader, the envelope's payload and
	// signature; a wrong key; a truncated or non-JSON statement: exit 10, naming the cause.
	orig, _ := os.ReadFile(statement)
	payloadAt := strings.Index(string(orig), `"payload": "`) + len(`"payload": "`) + 10
	// A character of the signature whose low bit flipped is still base64 (B–Y, b–y, 0–9):
	// the envelope stays well-formed and only the signature is wrong.
	sigAt := strings.Index(string(orig), `"sig": "`) + len(`"sig": "`) + 10
	for c := orig[sigAt]; !(c >= 'B' && c <= 'Y' || c >= 'b' && c <= 'y' || c >= '0' && c <= '9'); c = orig[sigAt] {
		sigAt++
	}
	_, otherPub := certifyKeys(t)
	for _, tc := range []struct {
		name, file string
		at         int
		trunc      bool
		key        string
		want       string
	}{
		{"JSON report", filepath.Join(dir, certify.FileJSON), 10, false, pub, certify.FileJSON + ": digest differs"},
		{"JUnit report", filepath.Join(dir, certify.FileJUnit), 10, false, pub, certify.FileJUnit + ": digest differs"},
		{"HTML report", filepath.Join(dir, certify.FileHTML), 10, false, pub, certify.FileHTML + ": digest differs"},
		{"reader", reader, 3, false, pub, reader + ": digest differs"},
		{"payload", statement, payloadAt, false, pub, "signature does not verify"},
		{"signature", statement, sigAt, false, pub, "signature does not verify"},
		{"wrong key", "", 0, false, otherPub, "signature does not verify"},
		{"truncated", statement, len(orig) / 2, true, pub, "malformed statement: not a DSSE envelope in JSON (truncated?)"},
		{"not JSON", statement, 0, true, pub, "malformed statement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.file != "" {
				good, _ := os.ReadFile(tc.file)
				b := slices.Clone(good)
				if tc.trunc {
					b = b[:tc.at]
				} else {
					b[tc.at] ^= 0x01
				}
				os.WriteFile(tc.file, b, 0o644)
				defer os.WriteFile(tc.file, good, 0o644)
			}
			r := runCLI(t, nil, "certify-reader", "verify", statement, "--key", tc.key, "--subject", reader)
			if r.code != exitNotVerified || !strings.Contains(r.stderr, "NOT VERIFIED") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", r.code, exitNotVerified, tc.want, r.stderr)
			}
		})
	}
	if r := runCLI(t, nil, "certify-reader", "verify", statement, "--key", pub, "--subject", reader); r.code != exitOK {
		t.Fatalf("restored: exit %d: %s", r.code, r.stderr)
	}

	// Usage and key errors.
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"certify-reader", "verify", "--key", pub}, exitUsage, "give one STATEMENT"},
		{[]string{"certify-reader", "verify", statement}, exitUsage, "--key PUB"},
		{[]string{"certify-reader", "verify", statement, statement, "--key", pub}, exitUsage, "give one STATEMENT"},
		{[]string{"certify-reader", "verify", statement, "--key", priv}, exitSetup, "not an Ed25519 key in PEM"},
		{[]string{"certify-reader", "verify", statement, "--key", filepath.Join(dir, "none.pem")}, exitSetup, "none.pem"},
		{[]string{"certify-reader", "verify", filepath.Join(dir, "none.json"), "--key", pub}, exitError, "none.json"},
	} {
		if r := runCLI(t, nil, tc.args...); r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, r.code, tc.code, tc.want, r.stderr)
		}
	}
}

// TestCertifySignAndRulesUsage: --rules, --sign-key and --subject are checked
// before anything runs.
func TestCertifySignAndRulesUsage(t *testing.T) {
	priv, pub := certifyKeys(t)
	loose := filepath.Join(t.TempDir(), "loose.pem")
	b, _ := os.ReadFile(priv)
	os.WriteFile(loose, b, 0o644)
	os.Chmod(loose, 0o644)
	pubAsKey := filepath.Join(t.TempDir(), "pub-as-key.pem")
	b, _ = os.ReadFile(pub)
	os.WriteFile(pubAsKey, b, 0o600)
	goKey := filepath.Join(t.TempDir(), "go.pem")
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	os.WriteFile(goKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	if _, err := certify.LoadSigningKey(goKey); err != nil {
		t.Fatalf("a Go-made PKCS#8 key: %v", err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown rule set", []string{"--rules", "face-to-face-2099"}, exitUsage, `unknown rule set "face-to-face-2099" (known: all, face-to-face-2027)`},
		{"subject without key", []string{"--subject", "/bin/sh"}, exitUsage, "--subject needs --sign-key"},
		{"subject missing", []string{"--sign-key", priv, "--subject", "/no/such/reader"}, exitUsage, "/no/such/reader"},
		{"world-readable key", []string{"--sign-key", loose}, exitSetup, "chmod 600 " + loose},
		{"public key as the signing key", []string{"--sign-key", pubAsKey}, exitSetup, "not an Ed25519 key in PEM"},
		{"missing key", []string{"--sign-key", "/no/such/key.pem"}, exitSetup, "/no/such/key.pem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, append([]string{"certify-reader", "--cmd", "true"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", r.code, tc.code, tc.want, r.stderr)
			}
		})
	}
	r := runCLI(t, nil, "certify-reader", "--list")
	for _, s := range certify.RuleSets() {
		if !strings.Contains(r.stdout, s.Name+"  ") {
			t.Errorf("--list does not list rule set %s:\n%s", s.Name, r.stdout)
		}
	}
}

// TestCertifyHelp: -h and --help of certify-reader and of its verify
// subcommand exit 0 and print the purpose, the flags and examples.
func TestCertifyHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"certify-reader", "-h"}, []string{"Certifies a card reader", "-rules", "-sign-key", "-subject", "examples:\n  taimen certify-reader", "verify STATEMENT --key PUB"}},
		{[]string{"certify-reader", "--help"}, []string{"Certifies a card reader", "-cmd", "face-to-face-2027"}},
		{[]string{"certify-reader", "verify", "-h"}, []string{"Checks a statement", "-key", "-subject", "examples:\n  taimen certify-reader verify", "  11  certify-reader verify: the statement's signature"}},
		{[]string{"certify-reader", "verify", "--help"}, []string{"Checks a statement", "-key"}},
	} {
		r := runCLI(t, nil, tc.args...)
		if r.code != exitOK {
			t.Errorf("%v: exit %d, want 0", tc.args, r.code)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%v: help lacks %q:\n%s", tc.args, w, r.stderr)
			}
		}
	}
}

// TestCertifySignAndVerifyRun certifies "true" on one scenario with
// --sign-key and --subject (needs a private pcscd), then verifies the statement.
func TestCertifySignAndVerifyRun(t *testing.T) {
	if err := certify.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	priv, pub := certifyKeys(t)
	out := filepath.Join(t.TempDir(), "reports")
	sh, _ := exec.LookPath("sh")
	r := runCLI(t, nil, "certify-reader", "--cmd", "true", "--profile", p01, "--scenario", "wrong-code", "--out", out, "--timeout", "10s",
		"--rules", "all", "--sign-key", priv, "--subject", sh)
	if r.code != exitNotCertified || !strings.Contains(r.stdout, "report: "+filepath.Join(out, certify.FileStatement)) ||
		!strings.Contains(r.stdout, fmt.Sprintf("rule set: all (%d rules)", len(certify.Rules()))) {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	v := runCLI(t, nil, "certify-reader", "verify", filepath.Join(out, certify.FileStatement), "--key", pub, "--subject", sh)
	if v.code != exitOK || !strings.Contains(v.stdout, "rule set all: verdict fail") {
		t.Fatalf("verify: exit %d\n%s\n%s", v.code, v.stdout, v.stderr)
	}
}
