package sigcache_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/taimen-dev/taimen/internal/fixture"
	"github.com/taimen-dev/taimen/internal/sigcache"
)

func testKey(t *testing.T) *rsa.PrivateKey {
	return fixture.Key(t, filepath.Join("..", "..", "myna", "cvc", "testdata", "keys.pem"), "cv-ca-kenkaku")
}

// entries returns the cache files in d.
func entries(t *testing.T, d string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(d, "*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignRemembersAndVerifies(t *testing.T) {
	k := testKey(t)
	d := t.TempDir()
	digest := sha256.Sum256([]byte("card face"))
	want, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sigcache.Forget()
	got, err := sigcache.SignIn(d, k, crypto.SHA256, digest[:])
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("first signature: err %v, equal %v", err, bytes.Equal(got, want))
	}
	files := entries(t, d)
	if len(files) != 1 {
		t.Fatalf("%d cache files, want 1", len(files))
	}
	st, err := os.Stat(files[0])
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("cache file: %v, mode %v", err, st.Mode())
	}

	for _, tc := range []struct {
		name  string
		plant []byte // written over the entry before signing again; nil leaves it
	}{
		{"from the file", nil},
		{"corrupt entry", bytes.Repeat([]byte{0xA5}, len(want))},
		{"truncated entry", want[:100]},
		{"a valid signature of another message", func() []byte {
			other := sha256.Sum256([]byte("another face"))
			s, _ := rsa.SignPKCS1v15(nil, k, crypto.SHA256, other[:])
			return s
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.plant != nil {
				if err := os.WriteFile(files[0], tc.plant, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			sigcache.Forget()
			got, err := sigcache.SignIn(d, k, crypto.SHA256, digest[:])
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("err %v, equal %v", err, bytes.Equal(got, want))
			}
			if b, _ := os.ReadFile(files[0]); !bytes.Equal(b, want) {
				t.Errorf("the entry was not replaced by the right signature")
			}
		})
	}
}

// TestSignRaw covers crypto.Hash(0): a DigestInfo signed as given.
func TestSignRaw(t *testing.T) {
	k := testKey(t)
	msg := []byte("a DigestInfo the caller built")
	want, _ := rsa.SignPKCS1v15(nil, k, crypto.Hash(0), msg)
	sigcache.Forget()
	if got, err := sigcache.SignIn("", k, crypto.Hash(0), msg); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("err %v", err)
	}
	if got, err := sigcache.SignIn("", k, crypto.Hash(0), msg); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("from memory: err %v", err)
	}
}

// TestResolveDir: an unsafe directory gives no disk cache; "off" none at all.
func TestResolveDir(t *testing.T) {
	if got := sigcache.ResolveDir("off"); got != "" {
		t.Errorf("off: %q", got)
	}
	base := filepath.Join(t.TempDir(), "cache")
	got := sigcache.ResolveDir(base)
	if got != filepath.Join(base, "signatures") {
		t.Fatalf("own directory: %q", got)
	}
	if st, err := os.Stat(got); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("signatures directory: %v %v", err, st.Mode())
	}
	open := filepath.Join(t.TempDir(), "open")
	if err := os.MkdirAll(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if got := sigcache.ResolveDir(open); got != "" {
		t.Errorf("world-writable directory accepted: %q", got)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(base, link); err != nil {
		t.Fatal(err)
	}
	if got := sigcache.ResolveDir(link); got != "" {
		t.Errorf("symbolic link accepted: %q", got)
	}
}
