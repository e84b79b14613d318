package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/vectors"
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

// TestReadFaceNextGenECDSA: `taimen read face --profile p10-nextgen-provisional` reads and
// verifies a card whose card key, card-surface CV certificate (under its P-384 test CA) and
// data signatures are all ECDSA P-384/SHA-384 (generation.data_signature_algorithm).
func TestReadFaceNextGenECDSA(t *testing.T) {
	p, err := vectors.LoadProfile(nextGenProfileID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Generation.DataSignatureAlgorithm != myna.SigECDSAP384SHA384 || p.Generation.CardKeyAlgorithm != myna.SigECDSAP384SHA384 {
		t.Fatalf("p10's generation is %v, data signatures %s; want everything ECDSA P-384", p.Generation, p.Generation.DataSignatureAlgorithm)
	}
	r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()}, "read", "face", "--profile", nextGenProfileID, "--json")
	if r.code != exitOK {
		t.Fatalf("exit %d, want %d: %s\n%s", r.code, exitOK, r.stderr, r.stdout)
	}
	var o readOutput
	if err := json.Unmarshal([]byte(r.stdout), &o); err != nil {
		t.Fatal(err)
	}
	if !o.Authentic || o.Authenticity == nil || o.Authenticity.Production || !strings.Contains(o.Authenticity.AnchorName, "ECDSA P-384") {
		t.Fatalf("p10 read: authentic %v, %+v", o.Authentic, o.Authenticity)
	}
	assertNoPersonal(t, "stdout", r.stdout+r.stderr, p)
}

// TestReadNextGenTamperedFace: a byte of the photo changed after signing (FaultForgedData) on
// the ECDSA card fails the signature claim: exit 6. The card sits behind a private pcscd, as
// a physical card would, with the P-384 test CA given by --test-ca.
func TestReadNextGenTamperedFace(t *testing.T) {
	p, err := vectors.LoadProfile(nextGenProfileID)
	if err != nil {
		t.Fatal(err)
	}
	card, err := emulator.New(p, emulator.Options{StateDir: t.TempDir(), Faults: []emulator.FaultSetting{{Fault: emulator.FaultForgedData}}})
	if err != nil {
		t.Fatal(err)
	}
	attach(t, card)
	r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()},
		"read", "face", "--reader", "Virtual PCD 00 00", "--test-ca", nextGenProfileID, "--json")
	if r.code != exitNotAuthentic {
		t.Fatalf("exit %d, want %d: %s\n%s", r.code, exitNotAuthentic, r.stderr, r.stdout)
	}
	var o readOutput
	if err := json.Unmarshal([]byte(r.stdout), &o); err != nil {
		t.Fatal(err)
	}
	if o.Authentic || o.Authenticity == nil || o.Authenticity.Signature.OK || !o.Authenticity.Anchor.OK || !o.Authenticity.Liveness.OK {
		t.Fatalf("tampered p10: want only the signature claim failed: %+v", o.Authenticity)
	}
}

// nextGenProfileID is the provisional next-generation profile.
const nextGenProfileID = "p10-nextgen-provisional"
