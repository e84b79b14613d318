package certify

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// keyPair is a signing key file and its public key file.
type keyPair struct{ priv, pub string }

// opensslKeys generates an Ed25519 key pair with the openssl CLI, in the PEM
// forms the documentation tells users to make (genpkey; pkey -pubout).
func opensslKeys(t *testing.T, dir string) keyPair {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not found (scripts/deps installs it):", err)
	}
	k := keyPair{filepath.Join(dir, "openssl-key.pem"), filepath.Join(dir, "openssl-pub.pem")}
	for _, args := range [][]string{
		{"genpkey", "-algorithm", "ed25519", "-out", k.priv},
		{"pkey", "-in", k.priv, "-pubout", "-out", k.pub},
	} {
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	if err := os.Chmod(k.priv, 0o600); err != nil {
		t.Fatal(err)
	}
	return k
}

// goKeys generates an Ed25519 key pair with crypto/ed25519 and writes it as
// PEM PKCS#8 and SubjectPublicKeyInfo.
func goKeys(t *testing.T, dir, name string) keyPair {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := keyPair{filepath.Join(dir, name+"-key.pem"), filepath.Join(dir, name+"-pub.pem")}
	writePEM(t, k.priv, "PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(priv)), 0o600)
	writePEM(t, k.pub, "PUBLIC KEY", must(x509.MarshalPKIXPublicKey(pub)), 0o644)
	return k
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func writePEM(t *testing.T, path, typ string, der []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		t.Fatal(err)
	}
}

// signedRun writes the reports of a report judged with face-to-face-like
// rules, a fake reader executable, and the statement signed with k.
func signedRun(t *testing.T, k keyPair, withSubject bool) (dir, statement, reader string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "reports")
	all, _ := LookupRuleSet(RuleSetAll)
	rep := ruleSetReport(t, RuleSet{Name: "test-set", Rules: slices.DeleteFunc(slices.Clone(all.Rules), func(id string) bool { return id == "RR-001" })}, true)
	paths, err := rep.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	reader = filepath.Join(t.TempDir(), "my-reader")
	if err := os.WriteFile(reader, []byte("#!/bin/sh\necho reader\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	key, err := LoadSigningKey(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	o := StatementOptions{Version: "1.2.3", Now: time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC)}
	if withSubject {
		o.Subject = reader
	}
	statement, err = rep.WriteStatement(context.Background(), dir, paths, key, o)
	if err != nil {
		t.Fatal(err)
	}
	if statement != filepath.Join(dir, FileStatement) {
		t.Fatalf("statement at %s", statement)
	}
	return dir, statement, reader
}

func verify(t *testing.T, statement string, k keyPair, o VerifyOptions) (*Verified, error) {
	t.Helper()
	pub, err := LoadVerifyingKey(k.pub)
	if err != nil {
		t.Fatal(err)
	}
	return VerifyStatement(context.Background(), statement, pub, o)
}

func TestStatementSignAndVerify(t *testing.T) {
	keys := t.TempDir()
	for _, k := range []keyPair{opensslKeys(t, keys), goKeys(t, keys, "go")} {
		t.Run(filepath.Base(k.priv), func(t *testing.T) {
			dir, statement, reader := signedRun(t, k, true)
			v, err := verify(t, statement, k, VerifyOptions{Subject: reader})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range v.Subjects {
				names = append(names, s.Name+"/"+s.Role)
			}
			want := []string{FileJSON + "/report", FileJUnit + "/report", FileHTML + "/report", "my-reader/reader-executable"}
			if !slices.Equal(names, want) {
				t.Errorf("subjects %v, want %v", names, want)
			}
			p := v.Predicate
			if p.RuleSet != "test-set" || p.Verdict != VerdictError || p.TaimenVersion != "1.2.3" || p.Tool != "taimen test" ||
				p.ReportSchema != Schema || !p.SignedAt.Equal(time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC)) || p.StartedAt.IsZero() {
				t.Errorf("predicate %+v", p)
			}
			if len(p.Scenarios) != 2 || p.Scenarios[0] != (ScenarioVerdict{"wrong-code", OutcomePass, 3}) || p.Scenarios[1].Verdict != OutcomeError {
				t.Errorf("scenarios %+v", p.Scenarios)
			}
			if len(p.Rules) != len(Rules())-1 || slices.ContainsFunc(p.Rules, func(r RuleVerdict) bool { return r.ID == "RR-001" }) {
				t.Errorf("rules %+v", p.Rules)
			}
			// The envelope is DSSE with the in-toto payload type, and the payload an in-toto Statement v1.
			var env dsse.Envelope
			b, _ := os.ReadFile(statement)
			if err := json.Unmarshal(b, &env); err != nil || env.PayloadType != "application/vnd.in-toto+json" || len(env.Signatures) != 1 {
				t.Fatalf("envelope %v %+v", err, env)
			}
			payload, _ := base64.StdEncoding.DecodeString(env.Payload)
			var st map[string]any
			if err := json.Unmarshal(payload, &st); err != nil || st["_type"] != "https://in-toto.io/Statement/v1" || st["predicateType"] != PredicateType {
				t.Errorf("statement %v %v", err, st)
			}
			// Without --subject, the reader's executable is looked up beside the statement.
			if _, err := verify(t, statement, k, VerifyOptions{}); !errors.Is(err, ErrSubjectMissing) || !strings.Contains(err.Error(), "--subject") {
				t.Errorf("reader not beside the statement: %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "my-reader"), []byte("#!/bin/sh\necho reader\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			if _, err := verify(t, statement, k, VerifyOptions{}); err != nil {
				t.Errorf("reader beside the statement: %v", err)
			}
		})
	}
}

// TestStatementInteropWithOpenSSL: openssl itself verifies the signature
// over the DSSE pre-authentication encoding with the public key it wrote.
func TestStatementInteropWithOpenSSL(t *testing.T) {
	k := opensslKeys(t, t.TempDir())
	_, statement, _ := signedRun(t, k, false)
	var env dsse.Envelope
	b, _ := os.ReadFile(statement)
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.StdEncoding.DecodeString(env.Payload)
	sig, _ := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	dir := t.TempDir()
	pae, sigFile := filepath.Join(dir, "pae"), filepath.Join(dir, "sig")
	for _, tc := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"signed data", dsse.PAE(env.PayloadType, payload), true},
		{"other data", dsse.PAE(env.PayloadType, append(payload, ' ')), false},
	} {
		os.WriteFile(pae, tc.data, 0o600)
		os.WriteFile(sigFile, sig, 0o600)
		out, err := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", k.pub, "-rawin", "-in", pae, "-sigfile", sigFile).CombinedOutput()
		if (err == nil) != tc.ok {
			t.Errorf("%s: openssl verify: %v, want ok=%v\n%s", tc.name, err, tc.ok, out)
		}
	}
}

// TestStatementTampering: every changed byte of the envelope, a changed byte
// in each report and in the reader's executable, a wrong key, a truncated or
// non-JSON file fail verification, naming the cause and the file.
func TestStatementTampering(t *testing.T) {
	wholeRun(t)
	keys := t.TempDir()
	k := goKeys(t, keys, "go")
	dir, statement, reader := signedRun(t, k, true)
	orig, err := os.ReadFile(statement)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadVerifyingKey(k.pub)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o := VerifyOptions{Subject: reader}
	restore := func() {
		if err := os.WriteFile(statement, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Every byte of the envelope, with one bit flipped, breaks it. The bit
	// rotates over three (the low bits reach base64's padding bits, 0x20 the
	// case of a member name), so every kind of flip meets every region.
	var env dsse.Envelope
	if err := json.Unmarshal(orig, &env); err != nil {
		t.Fatal(err)
	}
	payloadAt, sigAt := strings.Index(string(orig), env.Payload), strings.Index(string(orig), env.Signatures[0].Sig)
	kinds := map[string]int{}
	for i := range orig {
		b := slices.Clone(orig)
		b[i] ^= []byte{0x01, 0x02, 0x20}[i%3]
		if err := os.WriteFile(statement, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := VerifyStatement(ctx, statement, pub, o)
		if !IsVerifyFailure(err) || !strings.Contains(err.Error(), statement) {
			t.Fatalf("byte %d flipped: %v, want a verification failure naming the statement", i, err)
		}
		where := "structure"
		switch {
		case i >= payloadAt && i < payloadAt+len(env.Payload):
			where = "payload"
		case i >= sigAt && i < sigAt+len(env.Signatures[0].Sig):
			where = "signature"
		}
		if where != "structure" && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrStatementMalformed) {
			t.Fatalf("%s byte %d flipped: %v", where, i, err)
		}
		if errors.Is(err, ErrBadSignature) {
			kinds[where]++
		}
	}
	if kinds["payload"] == 0 || kinds["signature"] == 0 {
		t.Errorf("flips reported as bad signatures: %v; want some in the payload and in the signature", kinds)
	}
	restore()

	// A changed byte in a subject file names that file.
	for _, name := range []string{FileJSON, FileJUnit, FileHTML, reader} {
		path := name
		if !filepath.IsAbs(name) {
			path = filepath.Join(dir, name)
		}
		good, _ := os.ReadFile(path)
		for _, at := range []int{0, len(good) / 2, len(good) - 1} {
			b := slices.Clone(good)
			b[at] ^= 0x01
			os.WriteFile(path, b, 0o644)
			_, err := VerifyStatement(ctx, statement, pub, o)
			if !errors.Is(err, ErrDigestMismatch) || !strings.HasPrefix(err.Error(), path+":") {
				t.Errorf("%s byte %d flipped: %v, want ErrDigestMismatch naming the file", name, at, err)
			}
		}
		os.WriteFile(path, append(slices.Clone(good), '\n'), 0o644)
		if _, err := VerifyStatement(ctx, statement, pub, o); !errors.Is(err, ErrDigestMismatch) {
			t.Errorf("%s grown by a byte: %v", name, err)
		}
		os.WriteFile(path, good, 0o644)
	}
	if _, err := VerifyStatement(ctx, statement, pub, o); err != nil {
		t.Fatalf("restored: %v", err)
	}

	// A missing report; a wrong key; truncated and non-JSON envelopes.
	os.Rename(filepath.Join(dir, FileJUnit), filepath.Join(dir, "moved"))
	if _, err := VerifyStatement(ctx, statement, pub, o); !errors.Is(err, ErrSubjectMissing) || !strings.Contains(err.Error(), FileJUnit) {
		t.Errorf("missing report: %v", err)
	}
	os.Rename(filepath.Join(dir, "moved"), filepath.Join(dir, FileJUnit))
	other := goKeys(t, keys, "other")
	if _, err := verify(t, statement, other, o); !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), "another key") {
		t.Errorf("wrong key: %v", err)
	}
	for name, b := range map[string][]byte{
		"truncated":  orig[:len(orig)/2],
		"empty":      nil,
		"not JSON":   []byte("statement\n"),
		"other JSON": []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[],"extra":1}`),
		"two values": append(slices.Clone(orig), orig...),
		"unsigned":   []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`),
	} {
		os.WriteFile(statement, b, 0o644)
		if _, err := VerifyStatement(ctx, statement, pub, o); !errors.Is(err, ErrStatementMalformed) || !strings.Contains(err.Error(), statement) {
			t.Errorf("%s envelope: %v, want ErrStatementMalformed naming the file", name, err)
		}
	}
	restore()
	// --subject given, but the statement was signed without one.
	_, plain, _ := signedRun(t, k, false)
	if _, err := VerifyStatement(ctx, plain, pub, o); !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), "without --subject") {
		t.Errorf("--subject against a statement without one: %v", err)
	}
	if _, err := VerifyStatement(ctx, plain, pub, VerifyOptions{}); err != nil {
		t.Errorf("statement without a reader subject: %v", err)
	}
}

func TestStatementSigningKeyChecks(t *testing.T) {
	dir := t.TempDir()
	k := opensslKeys(t, dir)
	if _, err := LoadSigningKey(k.priv); err != nil {
		t.Fatalf("owner-only openssl key: %v", err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecKey := filepath.Join(dir, "ec.pem")
	writePEM(t, ecKey, "PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(ec)), 0o600)
	encrypted := filepath.Join(dir, "enc.pem")
	writePEM(t, encrypted, "ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}, 0o600)
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a key"), 0o600)
	pubAsPriv := filepath.Join(dir, "pub-as-priv.pem")
	b, _ := os.ReadFile(k.pub)
	os.WriteFile(pubAsPriv, b, 0o600)
	for _, tc := range []struct {
		name string
		path string
		mode os.FileMode
		want error
		msg  string
	}{
		{"world-readable", k.priv, 0o644, ErrKeyExposed, "chmod 600"},
		{"group-readable", k.priv, 0o640, ErrKeyExposed, "0640"},
		{"world-writable", k.priv, 0o602, ErrKeyExposed, "0602"},
		{"ECDSA", ecKey, 0o600, ErrKeyForm, "want Ed25519"},
		{"encrypted", encrypted, 0o600, ErrKeyForm, "encrypted"},
		{"not PEM", junk, 0o600, ErrKeyForm, "no PEM block"},
		{"public key", pubAsPriv, 0o600, ErrKeyForm, `"PUBLIC KEY"`},
	} {
		os.Chmod(tc.path, tc.mode)
		_, err := LoadSigningKey(tc.path)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: %v, want %v with %q and the path", tc.name, err, tc.want, tc.msg)
		}
		os.Chmod(tc.path, 0o600)
	}
	if _, err := LoadSigningKey(dir); err == nil {
		t.Error("a directory as the key: no error")
	}
	if _, err := LoadVerifyingKey(k.priv); !errors.Is(err, ErrKeyForm) {
		t.Errorf("private key as the public key: %v", err)
	}
	if _, err := LoadVerifyingKey(filepath.Join(dir, "none")); err == nil {
		t.Error("missing public key: no error")
	}
	// A key file can never leak into an error.
	for _, p := range []string{k.priv, junk} {
		os.Chmod(p, 0o644)
		_, err := LoadSigningKey(p)
		content, _ := os.ReadFile(p)
		for _, line := range strings.Split(string(content), "\n") {
			if len(line) > 8 && !strings.HasPrefix(line, "-----") && strings.Contains(err.Error(), line) {
				t.Errorf("%s: the error holds the key", p)
			}
		}
		os.Chmod(p, 0o600)
	}
}
