package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/myna"
)

// TestStatusMarksProvisional: `taimen status` on the provisional next-generation profile says
// so, in the table and the JSON, lists only its two applications' keys (two PINs, the
// check codes), and says nothing of the kind for today's card.
func TestStatusMarksProvisional(t *testing.T) {
	for _, args := range [][]string{{"status", "--emulator", "p10-nextgen-provisional"}, {"status", "--emulator", "p10-nextgen-provisional", "--json"}} {
		r := runCLI(t, nil, args...)
		if r.code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, myna.ProvisionalNotice) {
			t.Errorf("%v does not say %q:\n%s", args, myna.ProvisionalNotice, r.stdout)
		}
		for _, app := range []string{"text", "juki", "common"} {
			if strings.Contains(r.stdout, app+" ") || strings.Contains(r.stdout, `"`+app+`"`) {
				t.Errorf("%v lists a key of the %s application", args, app)
			}
		}
	}
	r := runCLI(t, nil, "status", "--emulator", "p01-showa")
	if r.code != exitOK || strings.Contains(r.stdout, "provisional") || strings.Contains(r.stdout, "generation") {
		t.Errorf("p01 status: exit %d\n%s", r.code, r.stdout)
	}
}

// TestNextGenProfileWithRSAKey: a P-384 profile whose card_key names an RSA key file is bad
// input: exit 9 (a malformed profile, cli.go), the error names generation.card_key and both key types, and nothing is
// written into the state directory.
func TestNextGenProfileWithRSAKey(t *testing.T) {
	src := filepath.Join("..", "..", "vectors", "profiles", "p10-nextgen-provisional")
	dir := filepath.Join(t.TempDir(), "p10-bad")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"face.jp2", "name.png", "address.png", "security-code.png", "number.png", "keys.pem"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(filepath.Join(src, "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte(`"card_key": "card-key-p384.pem"`), []byte(`"card_key": "keys.pem"`), 1)
	raw = bytes.Replace(raw, []byte(`"images": {`), []byte(`"ca_keys": "`+filepath.ToSlash(mustRel(t, dir, filepath.Join(src, "..", "testca", "keys.pem")))+`",
  "images": {`), 1)
	if err := os.WriteFile(filepath.Join(dir, "profile.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	r := runCLI(t, nil, "status", "--emulator", filepath.Join(dir, "profile.json"), "--state", state)
	if r.code != exitSetup {
		t.Fatalf("exit %d, want %d: %s", r.code, exitSetup, r.stderr)
	}
	for _, want := range []string{"generation.card_key", "RSA-2048", "ECDSA P-384"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q does not say %q", r.stderr, want)
		}
	}
	if entries, _ := os.ReadDir(state); len(entries) != 0 {
		t.Errorf("%d files written into the state directory", len(entries))
	}
}

func mustRel(t *testing.T, base, target string) string {
	t.Helper()
	abs, err := filepath.Abs(target)
	if err != nil {
		t.Fatal(err)
	}
	absBase, err := filepath.Abs(base)
	if err != nil {
		t.Fatal(err)
	}
	r, err := filepath.Rel(absBase, abs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
