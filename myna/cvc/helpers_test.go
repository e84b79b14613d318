package cvc

import (
	"bytes"
	"crypto/rsa"
	"encoding/hex"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/internal/fixture"
)

var update = flag.Bool("update", false, "rewrite golden files and fuzz seed corpora under testdata")

// key returns the fixed RSA-2048 test key of role in testdata/keys.pem.
func key(t testing.TB, role string) *rsa.PrivateKey {
	t.Helper()
	return fixture.Key(t, filepath.Join("testdata", "keys.pem"), role)
}

// golden compares got with testdata/golden/<name>.hexdump, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	fixture.Hexdump(t, filepath.Join("testdata", "golden", name+".hexdump"), got, *update)
}

// seed writes a fuzz seed corpus file with -update.
func seed(t *testing.T, fuzzName, name string, data []byte) {
	t.Helper()
	fixture.FuzzSeed(t, fuzzName, name, data, *update)
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
