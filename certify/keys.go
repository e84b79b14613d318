package certify

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/taimen-dev/taimen/internal/readfile"
)

// maxKeyFile bounds a PEM key file.
const maxKeyFile = 64 << 10

// ErrKeyExposed is wrapped when a private key file is readable or writable by
// group or others, or owned by another user.
var ErrKeyExposed = errors.New("private key file is not owner-only")

// ErrKeyForm is wrapped when a key file is not an Ed25519 key in the PEM form
// expected.
var ErrKeyForm = errors.New("not an Ed25519 key in PEM")

// LoadSigningKey reads an Ed25519 private key as PEM PKCS#8 ("PRIVATE KEY",
// as `openssl genpkey -algorithm ed25519` writes it). The file must be a
// regular file owned by this user (or root) with no permission for group or
// others (chmod 600), as ssh demands of its keys. Errors never hold key bytes.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if perm := st.Mode().Perm(); st.Mode().IsRegular() && perm&0o077 != 0 {
		return nil, fmt.Errorf("signing key %s: %w: mode %04o lets group or others read or change it (chmod 600 %s)", path, ErrKeyExposed, perm, path)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && st.Mode().IsRegular() && int(sys.Uid) != os.Geteuid() && sys.Uid != 0 {
		return nil, fmt.Errorf("signing key %s: %w: owned by uid %d, not by this user (uid %d)", path, ErrKeyExposed, sys.Uid, os.Geteuid())
	}
	b, err := readfile.Regular(path, maxKeyFile)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	block, _ := pem.Decode(b)
	switch {
	case block == nil:
		return nil, fmt.Errorf("signing key %s: %w: no PEM block", path, ErrKeyForm)
	case block.Type == "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("signing key %s: %w: the key is encrypted; write it unencrypted (openssl pkey -in KEY -out PLAIN) and keep it owner-only", path, ErrKeyForm)
	case block.Type != "PRIVATE KEY":
		return nil, fmt.Errorf("signing key %s: %w: PEM block %q, want \"PRIVATE KEY\" (PKCS#8: openssl genpkey -algorithm ed25519)", path, ErrKeyForm, block.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w: %v", path, ErrKeyForm, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: %w: a %T, want Ed25519 (openssl genpkey -algorithm ed25519)", path, ErrKeyForm, k)
	}
	return priv, nil
}

// LoadVerifyingKey reads an Ed25519 public key as PEM SubjectPublicKeyInfo
// ("PUBLIC KEY", as `openssl pkey -pubout` writes it).
func LoadVerifyingKey(path string) (ed25519.PublicKey, error) {
	b, err := readfile.Regular(path, maxKeyFile)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	return ParseVerifyingKey(b)
}

// ParseVerifyingKey parses an Ed25519 public key as PEM SubjectPublicKeyInfo.
func ParseVerifyingKey(b []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(b)
	switch {
	case block == nil:
		return nil, fmt.Errorf("public key: %w: no PEM block", ErrKeyForm)
	case block.Type != "PUBLIC KEY":
		return nil, fmt.Errorf("public key: %w: PEM block %q, want \"PUBLIC KEY\" (openssl pkey -in KEY -pubout)", ErrKeyForm, block.Type)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("public key: %w: %v", ErrKeyForm, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key: %w: a %T, want Ed25519", ErrKeyForm, k)
	}
	return pub, nil
}

// ed25519SignerVerifier is the dsse.Signer and dsse.Verifier of an Ed25519
// key; its key ID is dsse.SHA256KeyID of the public key.
type ed25519SignerVerifier struct {
	priv  ed25519.PrivateKey // nil for a verifier
	pub   ed25519.PublicKey
	keyID string
}
