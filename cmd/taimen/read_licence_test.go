package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var p07 = filepath.Join("..", "..", "vectors", "profiles", "p07-licence", "profile.json")

func TestReadLicenceCLI(t *testing.T) {
	r := runCLI(t, map[string]string{"TAIMEN_LICENCE_PIN": "2468"}, "read", "licence", "--emulator", p07)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, secret := range []string{"2468", "301900456780", "2030-09-12", "2025-04-10", "普通"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("masked output shows a licence datum or the PIN")
		}
	}
	if !strings.Contains(r.stdout, "verified under the issuing prefecture's key") || !strings.Contains(r.stdout, "AUTHENTIC") {
		t.Errorf("output:\n%s", r.stdout)
	}
	r = runCLI(t, map[string]string{"TAIMEN_LICENCE_PIN": "2468"}, "read", "licence", "--emulator", p07, "--json", "--reveal")
	var o readOutput
	if err := json.Unmarshal([]byte(r.stdout), &o); err != nil || !o.Authentic || o.Outcome != "" && o.Outcome != "ok" {
		t.Fatalf("json: %v %+v", err, o)
	}
	if !strings.Contains(r.stdout, "301900456780") {
		t.Error("--reveal must show the licence number")
	}

	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		say  string
	}{
		{"no licence", nil, []string{"--emulator", p01}, exitNotCardFace, "no licence on this card"},
		{"wrong PIN", map[string]string{"TAIMEN_LICENCE_PIN": "1111"}, []string{"--emulator", p07}, exitWrongCode, "9 tries left"},
		{"malformed PIN", map[string]string{"TAIMEN_LICENCE_PIN": "12a4"}, []string{"--emulator", p07}, exitUsage, `must be 4 digits, or "****"`},
		{"no PIN, no terminal", nil, []string{"--emulator", p07}, exitUsage, "TAIMEN_LICENCE_PIN"},
		{"bad key file", map[string]string{"TAIMEN_LICENCE_PIN": "2468"}, []string{"--emulator", p07, "--licence-key", p07}, exitSetup, "--licence-key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, append([]string{"read", "licence"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.say) {
				t.Errorf("exit %d, want %d; stderr %q should say %q", r.code, tc.code, r.stderr, tc.say)
			}
			if strings.Contains(r.stderr, "1111") || strings.Contains(r.stderr, "12a4") {
				t.Error("stderr shows the PIN")
			}
		})
	}
}

// The PIN is prompted for only when the card says one was set; a holder without one ("****")
// is never asked.
func TestReadLicencePrompt(t *testing.T) {
	run1 := func(t *testing.T, profile string) (int, int, string) {
		var out, errb bytes.Buffer
		asked := 0
		e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
			getenv: func(k string) string { return map[string]string{"TAIMEN_HISTORY": "-"}[k] },
			prompt: func(string) (string, error) { asked++; return "2468", nil }}
		return run(context.Background(), []string{"read", "licence", "--emulator", profile, "--history", "-"}, e), asked, errb.String()
	}
	if code, asked, stderr := run1(t, p07); code != exitOK || asked != 1 {
		t.Errorf("p07: exit %d, asked %d: %s", code, asked, stderr)
	}
	// A copy of p07 whose holder set no PIN.
	dir := t.TempDir()
	src := filepath.Dir(p07)
	for _, f := range []string{"keys.pem", "face.jp2", "name.png", "address.png", "security-code.png", "number.png"} {
		copyFile(t, filepath.Join(src, f), filepath.Join(dir, "p", f))
	}
	for _, f := range []string{"keys.pem", "licence-30.pem"} {
		copyFile(t, filepath.Join(src, "..", "testca", f), filepath.Join(dir, "testca", f))
	}
	b, _ := os.ReadFile(p07)
	b = bytes.Replace(b, []byte(`"pin": "2468"`), []byte(`"pin": "****"`), 1)
	if err := os.WriteFile(filepath.Join(dir, "p", "profile.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, asked, stderr := run1(t, filepath.Join(dir, "p", "profile.json")); code != exitOK || asked != 0 {
		t.Errorf("no PIN set: exit %d, asked %d: %s", code, asked, stderr)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
