package cvc

import (
	"bytes"
	"crypto/rsa"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/taimen-dev/taimen/myna"
)

var update = flag.Bool("update", false, "rewrite golden files and fuzz seed corpora under testdata")

// testKeys holds the fixed RSA-2048 test keys of testdata/keys.pem by role (myna.ParseKeys).
// Fixed keys make PKCS#1 v1.5 signatures, and so the golden files, byte-stable.
var testKeys = sync.OnceValues(func() (map[string]*rsa.PrivateKey, error) {
	data, err := os.ReadFile(filepath.Join("testdata", "keys.pem"))
	if err != nil {
		return nil, err
	}
	return myna.ParseKeys(data)
})

func key(t testing.TB, role string) *rsa.PrivateKey {
	t.Helper()
	keys, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	k, ok := keys[role]
	if !ok {
		t.Fatalf("no test key with role %q", role)
	}
	return k
}

// golden compares got with testdata/golden/<name>.hexdump, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".hexdump")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(hex.Dump(got)), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	wantBytes := undump(t, string(want))
	if !bytes.Equal(got, wantBytes) {
		i := 0
		for i < len(got) && i < len(wantBytes) && got[i] == wantBytes[i] {
			i++
		}
		t.Errorf("%s: %d bytes, golden %d bytes; first difference at byte %d", path, len(got), len(wantBytes), i)
	}
}

// undump reverses hex.Dump.
func undump(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for _, line := range strings.Split(s, "\n") {
		if len(line) < 10 {
			continue
		}
		hexPart := line[10:]
		if i := strings.Index(hexPart, "|"); i >= 0 {
			hexPart = hexPart[:i]
		}
		b, err := hex.DecodeString(strings.Join(strings.Fields(hexPart), ""))
		if err != nil {
			t.Fatalf("golden file: %v", err)
		}
		out = append(out, b...)
	}
	return out
}

// seed writes a fuzz seed corpus file with -update.
func seed(t *testing.T, fuzzName, name string, data []byte) {
	t.Helper()
	if !*update {
		return
	}
	dir := filepath.Join("testdata", "fuzz", fuzzName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func repeat(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }
