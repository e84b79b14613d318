// Package sigcache remembers RSA PKCS#1 v1.5 signatures, so that personalizing
// an emulated card signs each of its files once per machine rather than once
// per card: the signatures over a profile's files are deterministic (PKCS#1
// v1.5 has exactly one valid signature per key and message), and signing them
// is most of the cost of emulator.New.
//
// Nothing read back is trusted: every remembered signature is verified with
// the key's public half before it is used, which proves it is the very one
// signing would give; one that does not verify (a corrupt, truncated or
// planted entry) is signed again and replaced. Signatures are kept in memory
// and, best effort, one file each under the cache directory
// (os.UserCacheDir()/taimen/signatures, or $TAIMEN_CACHE_DIR/signatures;
// TAIMEN_CACHE_DIR=off keeps them in memory only), a directory that must be
// the user's own and writable by no one else (internal/safedir), written
// owner-only and never through a symbolic link. A signature reveals nothing
// of the data it signs.
package sigcache

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/taimen-dev/taimen/internal/readfile"
	"github.com/taimen-dev/taimen/internal/safedir"
)

// EnvDir names the cache directory; "off" keeps signatures in memory only.
const EnvDir = "TAIMEN_CACHE_DIR"

// maxMemory bounds the signatures kept in memory (a run signs a few dozen).
const maxMemory = 4096

var (
	mu     sync.Mutex
	memory = map[[sha256.Size]byte][]byte{}

	dirOnce sync.Once
	dir     string // "" when there is no usable cache directory
)

// Dir returns the directory signatures are kept in, creating it owner-only,
// or "" when there is none ($TAIMEN_CACHE_DIR=off, no user cache directory,
// or one that is unsafe: a symbolic link, another user's, or writable by others).
func Dir() string {
	dirOnce.Do(func() { dir = resolveDir(os.Getenv(EnvDir)) })
	return dir
}

func resolveDir(env string) string {
	base := env
	switch {
	case env == "off":
		return ""
	case env == "":
		c, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		base = filepath.Join(c, "taimen")
	}
	if err := safedir.Prepare(base); err != nil {
		return ""
	}
	d := filepath.Join(base, "signatures")
	if err := safedir.Prepare(d); err != nil {
		return ""
	}
	return d
}

// SignPKCS1v15 is rsa.SignPKCS1v15(nil, k, hash, digest) answered from the
// cache when it holds a signature that verifies.
func SignPKCS1v15(k *rsa.PrivateKey, hash crypto.Hash, digest []byte) ([]byte, error) {
	return sign(Dir(), k, hash, digest)
}

func sign(d string, k *rsa.PrivateKey, hash crypto.Hash, digest []byte) ([]byte, error) {
	if k == nil {
		return nil, errors.New("sigcache: no key")
	}
	id, err := entryID(&k.PublicKey, hash, digest)
	if err != nil {
		return nil, err
	}
	mu.Lock()
	sig, ok := memory[id]
	mu.Unlock()
	if ok { // signed or verified by this process
		return append([]byte(nil), sig...), nil
	}
	name := hex.EncodeToString(id[:])
	if d != "" {
		if b, err := readfile.Regular(filepath.Join(d, name), int64(k.Size())); err == nil && rsa.VerifyPKCS1v15(&k.PublicKey, hash, digest, b) == nil {
			remember(id, b)
			return append([]byte(nil), b...), nil
		}
	}
	sig, err = rsa.SignPKCS1v15(nil, k, hash, digest)
	if err != nil {
		return nil, err
	}
	remember(id, sig)
	if d != "" {
		_ = safedir.WriteFile(d, name, sig) // best effort: a cache that cannot be written is no cache
	}
	return sig, nil
}

// entryID names a signature: the SHA-256 of the public key (PKIX DER), the
// hash function and the digest.
func entryID(pub *rsa.PublicKey, hash crypto.Hash, digest []byte) ([sha256.Size]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return [sha256.Size]byte{}, fmt.Errorf("sigcache: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "taimen sigcache v1\x00%d\x00%d\x00", len(der), hash)
	h.Write(der)
	h.Write(digest)
	var id [sha256.Size]byte
	h.Sum(id[:0])
	return id, nil
}

func remember(id [sha256.Size]byte, sig []byte) {
	mu.Lock()
	defer mu.Unlock()
	if len(memory) < maxMemory {
		memory[id] = append([]byte(nil), sig...)
	}
}

// Signer wraps k as a crypto.Signer whose PKCS#1 v1.5 signatures go through
// the cache (x509.CreateCertificate takes one); other schemes (PSS) are
// signed by k as usual.
func Signer(k *rsa.PrivateKey) crypto.Signer { return signer{k} }

type signer struct{ k *rsa.PrivateKey }

func (s signer) Public() crypto.PublicKey { return &s.k.PublicKey }

func (s signer) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if _, pss := opts.(*rsa.PSSOptions); pss {
		return s.k.Sign(rand, digest, opts)
	}
	return SignPKCS1v15(s.k, opts.HashFunc(), digest)
}
