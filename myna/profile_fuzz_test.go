package myna

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseKeys: a key file is parsed or refused with an error, never a
// panic; whatever parses holds only known roles with RSA-2048 keys.
//
// The inputs are key files with each block's base64 body written as a token
// "@K<n>@" that stands for the body of committed key n (fuzzKeyBodies): the
// fuzzer mutates the framing (role lines, headers, block types, order) of
// inputs of a few hundred bytes instead of 10 KB of base64, which kept each
// worker minimising one input for the whole -fuzzminimizetime (11 execs in 60 s).
// A mutated token that names no key stays literal text, so broken bodies are
// fuzzed as well.
func FuzzParseKeys(f *testing.F) {
	bodies := fuzzKeyBodies(f)
	for _, p := range []string{"../vectors/profiles/p01-showa/keys.pem", "../vectors/profiles/testca/keys.pem"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		tok := tokenizeKeys(b, bodies)
		f.Add(tok)
		f.Add(tok[:len(tok)/2])
		f.Add(bytes.Replace(tok, []byte("Role: "), []byte("Role:"), 1))
	}
	f.Add([]byte("Role: card\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nRole: card\n\n@K7@\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("Role: card\n-----BEGIN RSA PRIVATE KEY-----\n@K7@\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte("not pem"))
	known := append(SetKeyRoles(), CardKeyRoles()...)
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseKeys(expandKeys(data, bodies))
		if err != nil {
			if keys != nil {
				t.Fatal("keys with an error")
			}
			return
		}
		for r, k := range keys {
			if !slices.Contains(known, r) || k.N.BitLen() != KeyBits || k.E != 65537 {
				t.Fatalf("accepted role %q with RSA-%d e=%d", r, k.N.BitLen(), k.E)
			}
		}
	})
}

// fuzzKeyBodies returns the base64 bodies (with their line breaks) of the committed keys,
// set file first.
func fuzzKeyBodies(f testing.TB) [][]byte {
	var bodies [][]byte
	for _, p := range []string{"../vectors/profiles/testca/keys.pem", "../vectors/profiles/p01-showa/keys.pem"} {
		rest, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			enc := pem.EncodeToMemory(&pem.Block{Type: "X", Bytes: b.Bytes})
			body := enc[bytes.IndexByte(enc, '\n')+1 : bytes.LastIndex(enc, []byte("-----END"))]
			bodies = append(bodies, bytes.TrimRight(body, "\n"))
		}
	}
	if len(bodies) < 11 {
		f.Fatalf("%d committed keys, want 11", len(bodies))
	}
	return bodies
}

// tokenizeKeys replaces each key body of a key file by its token.
func tokenizeKeys(data []byte, bodies [][]byte) []byte {
	for i, b := range bodies {
		data = bytes.ReplaceAll(data, b, fmt.Appendf(nil, "@K%d@", i))
	}
	return data
}

// expandKeys replaces each token by its key body.
func expandKeys(data []byte, bodies [][]byte) []byte {
	if !bytes.Contains(data, []byte("@K")) {
		return data
	}
	for i := len(bodies) - 1; i >= 0; i-- { // @K10@ before @K1@
		data = bytes.ReplaceAll(data, fmt.Appendf(nil, "@K%d@", i), bodies[i])
	}
	return data
}

// FuzzLoadProfile: any profile.json beside valid keys and images loads or is
// refused with a *ProfileError — never a panic — and the error never shows a
// value of the person, card or secrets sections.
func FuzzLoadProfile(f *testing.F) {
	f.Add([]byte(baseProfile))
	for _, p := range []string{"p01-showa", "p03-foreign-resident", "p06-taisho-contactless"} {
		if b, err := os.ReadFile(filepath.Join(profilesDir, p, "profile.json")); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(strings.Replace(baseProfile, `"5931"`, `"59312"`, 1)))
	f.Add([]byte(strings.Replace(baseProfile, `"1980-02-17"`, `"1989-01-08"`, 1)))
	f.Add([]byte(strings.Replace(baseProfile, `"keys": "keys.pem",`, `"keys": "/etc/shadow",`, 1)))
	f.Add([]byte(`{"schema": "taimen.profile/v1"}`))
	f.Add([]byte(`{`))
	root := f.TempDir()
	// The committed keys: generating RSA keys under fuzzing instrumentation
	// would take each worker minutes.
	setKeys, err := os.ReadFile(filepath.Join(profilesDir, "testca", "keys.pem"))
	if err != nil {
		f.Fatal(err)
	}
	cardKeys, err := os.ReadFile(filepath.Join(profilesDir, "p01-showa", "keys.pem"))
	if err != nil {
		f.Fatal(err)
	}
	committed := map[string][]byte{
		"testca/keys.pem": setKeys, "p01-showa/keys.pem": cardKeys, "p01-showa/face.jp2": testJP2,
		"p01-showa/name.png": testPNG, "p01-showa/address.png": testPNG, "p01-showa/security-code.png": testPNG, "p01-showa/number.png": testPNG,
	}
	for name, b := range committed {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			f.Fatal(err)
		}
	}
	path := filepath.Join(root, "p01-showa", "profile.json")
	// The profile and the files it names that are in root are served from memory: writing
	// profile.json and reading eight files per input made the target syscall-bound at
	// ~400 execs/s. Any other path is read from disk as LoadProfile would.
	files := make(map[string][]byte)
	for name, b := range committed {
		files[filepath.Join(root, filepath.FromSlash(name))] = b
	}
	if err := os.WriteFile(path, []byte(baseProfile), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		read := func(p string) ([]byte, error) {
			if p == path {
				return data, nil
			}
			if b, ok := files[p]; ok {
				return b, nil
			}
			return readProfileFile(p)
		}
		type result struct {
			p   *Profile
			err error
		}
		done := make(chan result, 1)
		go func() { p, err := loadProfile(path, read); done <- result{p, err} }()
		var p *Profile
		var err error
		select {
		case r := <-done:
			p, err = r.p, r.err
		case <-time.After(10 * time.Second):
			t.Fatalf("LoadProfile hangs on %q", data)
		}
		if err == nil {
			if p == nil || p.ID == "" || p.CheckCodeB().Reveal() == "" {
				t.Fatal("loaded an incomplete profile")
			}
			return
		}
		var pe *ProfileError
		if !errors.As(err, &pe) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		msg := err.Error()
		for _, v := range privateValues(data) {
			if strings.Contains(msg, v) {
				t.Fatalf("the error shows a private value (%d bytes)", len(v))
			}
		}
	})
}

// privateValues returns the string values of the person, card and secrets
// sections of a profile file that could not be mistaken for message text: at
// least 4 bytes, with a digit or a non-ASCII character.
func privateValues(data []byte) []string {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	private := map[string]bool{"person": true, "card": true, "secrets": true}
	var public []string // what an error may quote: keys and values outside those sections
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			public = append(public, v)
		case map[string]any:
			for k, x := range v {
				public = append(public, k)
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for k, v := range m {
		public = append(public, k)
		if obj, ok := v.(map[string]any); ok && private[strings.ToLower(k)] {
			for key := range obj {
				public = append(public, key)
			}
			continue
		}
		walk(v)
	}
	var out []string
	for k, v := range m {
		obj, ok := v.(map[string]any)
		if !ok || !private[strings.ToLower(k)] {
			continue
		}
		for _, x := range obj {
			s, ok := x.(string)
			if !ok || len(s) < 4 || !(strings.ContainsAny(s, "0123456789") || utf8.RuneCountInString(s) != len(s)) {
				continue
			}
			quoted := false
			for _, p := range public {
				quoted = quoted || strings.Contains(p, s)
			}
			if !quoted {
				out = append(out, s)
			}
		}
	}
	return out
}

// A profile that names a device, a FIFO or a huge file as an image or key
// file is refused at once, naming the field, instead of hanging or reading
// without end (found by FuzzLoadProfile: "../../../dev/zero").
func TestLoadProfileRefusesSpecialFiles(t *testing.T) {
	path := writeProfileFiles(t, []byte(baseProfile))
	dir := filepath.Dir(path)
	fifo := filepath.Join(dir, "fifo.png")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.jp2")
	if err := os.WriteFile(huge, append(bytes.Clone(testJP2), make([]byte, MaxProfileFile)...), 0o600); err != nil {
		t.Fatal(err)
	}
	up := strings.Repeat("../", strings.Count(dir, "/"))
	for _, tc := range []struct{ old, new, field string }{
		{`"face": "face.jp2"`, `"face": "` + up + `dev/zero"`, "images.face"},
		{`"name": "name.png"`, `"name": "fifo.png"`, "images.name"},
		{`"face": "face.jp2"`, `"face": "huge.jp2"`, "images.face"},
		{`"keys": "keys.pem"`, `"keys": "` + up + `dev/zero"`, "keys"},
	} {
		if err := os.WriteFile(path, []byte(strings.Replace(baseProfile, tc.old, tc.new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := LoadProfile(path); done <- err }()
		select {
		case err := <-done:
			var pe *ProfileError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.field+": ") {
				t.Errorf("%s: %v, want a ProfileError naming %s", tc.new, err, tc.field)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: LoadProfile hangs", tc.new)
		}
	}
	done := make(chan error, 1)
	go func() { _, err := LoadProfile("/dev/zero"); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("/dev/zero loaded as a profile")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LoadProfile(/dev/zero) hangs")
	}
}

// The tokenised seeds of FuzzParseKeys stand for the committed key files: expanded, they
// are the files again, a few hundred bytes instead of kilobytes.
func TestFuzzKeyTokens(t *testing.T) {
	bodies := fuzzKeyBodies(t)
	for _, p := range []string{"../vectors/profiles/p01-showa/keys.pem", "../vectors/profiles/testca/keys.pem"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		tok := tokenizeKeys(b, bodies)
		if len(tok) > 600 || !bytes.Equal(expandKeys(tok, bodies), b) {
			t.Errorf("%s: tokenised to %d bytes, expands back: %v", p, len(tok), bytes.Equal(expandKeys(tok, bodies), b))
		}
		if keys, err := ParseKeys(expandKeys(tok, bodies)); err != nil || len(keys) < 5 {
			t.Errorf("%s: %d keys, %v", p, len(keys), err)
		}
	}
}
