package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cardFront is the committed front of a profile, as card-image draws it.
func cardFront(id string) string {
	return filepath.Join("..", "..", "vectors", "profiles", id, "card-front.png")
}

// TestCardImageCLI writes both sides owner-only, matching the committed
// files, and refuses to replace a file, a bad side and missing flags.
func TestCardImageCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("opj_decompress"); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	for _, side := range []string{"front", "back"} {
		out := filepath.Join(dir, side+".png")
		r := runCLI(t, nil, "card-image", "--profile", p01, "--side", side, "--out", out)
		if r.code != exitOK {
			t.Fatalf("%s: exit %d: %s", side, r.code, r.stderr)
		}
		got, _ := os.ReadFile(out)
		want, _ := os.ReadFile(filepath.Join(filepath.Dir(p01), "card-"+side+".png"))
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s: the written image is not the committed one", side)
		}
		if st, err := os.Lstat(out); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", side, st.Mode(), err)
		}
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"existing file", []string{"--profile", p01, "--out", filepath.Join(dir, "front.png")}, exitSetup},
		{"bad side", []string{"--profile", p01, "--side", "edge", "--out", filepath.Join(dir, "x.png")}, exitUsage},
		{"no out", []string{"--profile", p01}, exitUsage},
		{"no profile", []string{"--out", filepath.Join(dir, "y.png")}, exitUsage},
		{"unknown profile", []string{"--profile", "p99-none", "--out", filepath.Join(dir, "z.png")}, exitUsage},
	} {
		if r := runCLI(t, nil, append([]string{"card-image"}, tc.args...)...); r.code != tc.code {
			t.Errorf("%s: exit %d, want %d: %s", tc.name, r.code, tc.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.png")); err == nil {
		t.Error("a refused command wrote a file")
	}
}

// runCLITerminal is runCLI with stderr said to be a terminal.
func runCLITerminal(t *testing.T, envVars map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	envVars["TAIMEN_HISTORY"] = filepath.Join(t.TempDir(), "history.jsonl")
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return envVars[k] }, stderrTerminal: true}
	return result{run(context.Background(), args, e), out.String(), errb.String()}
}

// TestReadFaceCardImage reads the emulated p01 card with check code B taken
// from its rendered front by tesseract: what was read is shown masked on a
// log and in full on a terminal; another card's front is a wrong code (a try
// spent, exit 3); a code in the environment wins over the image.
func TestReadFaceCardImage(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip(err)
	}
	p := profile(t)
	r := runCLI(t, nil, "read", "face", "--profile", p01, "--card-image", cardFront("p01-showa"), "--json")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "read from the card image (birth date and security code masked") || !strings.Contains(r.stderr, "expiry year    2035") {
		t.Errorf("stderr does not show what was read, masked:\n%s", r.stderr)
	}
	assertNoPersonal(t, "output", r.stdout+r.stderr, p)
	if strings.Contains(r.stderr, "昭和55") {
		t.Error("the masked birth date shows the era year")
	}

	r = runCLITerminal(t, map[string]string{}, "read", "face", "--profile", p01, "--card-image", cardFront("p01-showa"))
	if r.code != exitOK {
		t.Fatalf("terminal: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"昭和55年2月17日 (era form) = 1980-02-17", "expiry year    2035", "security code  " + p.Card.SecurityCode} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("terminal: stderr lacks %q:\n%s", want, r.stderr)
		}
	}

	r = runCLI(t, nil, "read", "face", "--profile", p01, "--card-image", cardFront("p02-long-address"))
	if r.code != exitWrongCode {
		t.Errorf("another card's front: exit %d, want %d: %s", r.code, exitWrongCode, r.stderr)
	}

	r = runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()}, "read", "face", "--profile", p01, "--card-image", "/nonexistent.png")
	if r.code != exitOK || !strings.Contains(r.stderr, "--card-image not read") {
		t.Errorf("code in the environment: exit %d: %s", r.code, r.stderr)
	}

	back := filepath.Join(filepath.Dir(p01), "card-back.png")
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"not a front", []string{"face", "--profile", p01, "--card-image", back}, exitUsage},
		{"no such file", []string{"face", "--profile", p01, "--card-image", "/nonexistent.png"}, exitUsage},
		{"not the face flow", []string{"text", "--profile", p01, "--card-image", cardFront("p01-showa")}, exitUsage},
	} {
		if r := runCLI(t, nil, append([]string{"read"}, tc.args...)...); r.code != tc.code {
			t.Errorf("%s: exit %d, want %d: %s", tc.name, r.code, tc.code, r.stderr)
		}
	}
}
