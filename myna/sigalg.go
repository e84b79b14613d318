package myna

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// SignatureAlgorithm is the algorithm of a card key and of the signatures made with it: the
// card key (80 2A, the authenticity challenge), the CV certificate and the data signatures. A
// profile declares it ("generation.card_key_algorithm"); the zero value is SigRSA2048SHA256,
// today's card.
type SignatureAlgorithm string

// The algorithms.
const (
	// SigRSA2048SHA256 is today's card: RSA-2048 (e = 65537), PKCS#1 v1.5, SHA-256.
	SigRSA2048SHA256 SignatureAlgorithm = "rsa2048-pkcs1v15-sha256"
	// SigECDSAP384SHA384 is the announced next-generation card: ECDSA on P-384 with SHA-384,
	// the signature as r‖s, 48 bytes each (provisional: the card's encoding is not public).
	SigECDSAP384SHA384 SignatureAlgorithm = "ecdsa-p384-sha384"
)

// SignatureAlgorithms returns every algorithm, today's first.
func SignatureAlgorithms() []SignatureAlgorithm {
	return []SignatureAlgorithm{SigRSA2048SHA256, SigECDSAP384SHA384}
}

// ParseSignatureAlgorithm returns the algorithm named s ("" is SigRSA2048SHA256).
func ParseSignatureAlgorithm(s string) (SignatureAlgorithm, error) {
	a := SignatureAlgorithm(s)
	if s == "" {
		a = SigRSA2048SHA256
	}
	if !slices.Contains(SignatureAlgorithms(), a) {
		names := make([]string, 0, 2)
		for _, x := range SignatureAlgorithms() {
			names = append(names, fmt.Sprintf("%q", x))
		}
		return "", fmt.Errorf("must be %s", strings.Join(names, " or "))
	}
	return a, nil
}

// String returns the algorithm's name; the zero value is today's.
func (a SignatureAlgorithm) String() string {
	if a == "" {
		return string(SigRSA2048SHA256)
	}
	return string(a)
}

// IsRSA reports whether a is today's RSA-2048 algorithm (or the zero value).
func (a SignatureAlgorithm) IsRSA() bool { return a == "" || a == SigRSA2048SHA256 }

// KeyType names the key the algorithm takes, as errors print it: "RSA-2048" or "ECDSA P-384".
func (a SignatureAlgorithm) KeyType() string {
	if a.IsRSA() {
		return "RSA-2048"
	}
	return "ECDSA P-384"
}

// Hash returns the digest function: SHA-256 or SHA-384.
func (a SignatureAlgorithm) Hash() crypto.Hash {
	if a.IsRSA() {
		return crypto.SHA256
	}
	return crypto.SHA384
}

// Digest hashes msg with a's digest function.
func (a SignatureAlgorithm) Digest(msg []byte) []byte {
	if a.IsRSA() {
		d := sha256.Sum256(msg)
		return d[:]
	}
	d := sha512.Sum384(msg)
	return d[:]
}

// SignatureLen is the size of a signature: 256 bytes (RSA-2048) or 96 (r‖s on P-384).
func (a SignatureAlgorithm) SignatureLen() int {
	if a.IsRSA() {
		return 256
	}
	return 2 * p384Len
}

// p384Len is the size of a P-384 scalar or coordinate.
const p384Len = 48

// DigestInfoSHA256 prefixes a SHA-256 digest for PKCS#1 v1.5 (CARD.md §8).
var DigestInfoSHA256 = []byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// SignInput returns what a reader sends in 80 2A (P1 = 00) for a card key of algorithm a to
// sign digest: the DigestInfo and digest for RSA (the card pads), the bare digest for ECDSA.
func (a SignatureAlgorithm) SignInput(digest []byte) []byte {
	if a.IsRSA() {
		return append(slices.Clone(DigestInfoSHA256), digest...)
	}
	return slices.Clone(digest)
}

// CheckPublicKey reports an error unless pub is a key of a's type; the error names the type
// found and the type wanted.
func (a SignatureAlgorithm) CheckPublicKey(pub crypto.PublicKey) error {
	got, err := KeyTypeOf(pub)
	if err != nil {
		return err
	}
	if got != a.KeyType() {
		return fmt.Errorf("holds an %s key; %s wants an %s key", got, a, a.KeyType())
	}
	return nil
}

// KeyTypeOf names the type of a public key ("RSA-2048", "ECDSA P-384"), or reports why it is
// neither.
func KeyTypeOf(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil || k.N.BitLen() != KeyBits || k.E != 65537 {
			return "", errors.New("holds an RSA key that is not RSA-2048 with e = 65537")
		}
		return SigRSA2048SHA256.KeyType(), nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P384() {
			return "", errors.New("holds an ECDSA key not on P-384")
		}
		return SigECDSAP384SHA384.KeyType(), nil
	}
	return "", fmt.Errorf("holds a %T, neither RSA-2048 nor ECDSA P-384", pub)
}

// AlgorithmOf returns the algorithm of a public key: how a reader tells which signature to
// verify from the key the signed data carries.
func AlgorithmOf(pub crypto.PublicKey) (SignatureAlgorithm, error) {
	t, err := KeyTypeOf(pub)
	if err != nil {
		return "", err
	}
	for _, a := range SignatureAlgorithms() {
		if a.KeyType() == t {
			return a, nil
		}
	}
	return "", fmt.Errorf("no algorithm for a %s key", t)
}

// SignDigest signs a digest of a's hash with key: PKCS#1 v1.5 with the DigestInfo for RSA,
// r‖s for ECDSA.
func (a SignatureAlgorithm) SignDigest(key crypto.Signer, digest []byte) ([]byte, error) {
	if err := a.CheckPublicKey(key.Public()); err != nil {
		return nil, fmt.Errorf("sign: key %w", err)
	}
	if len(digest) != a.Hash().Size() {
		return nil, fmt.Errorf("sign: digest of %d bytes, want %d", len(digest), a.Hash().Size())
	}
	if a.IsRSA() {
		return key.Sign(rand.Reader, digest, crypto.SHA256)
	}
	ek, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("sign: %T is not an ECDSA private key", key)
	}
	r, s, err := ecdsa.Sign(rand.Reader, ek, digest)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	sig := make([]byte, 2*p384Len)
	r.FillBytes(sig[:p384Len])
	s.FillBytes(sig[p384Len:])
	return sig, nil
}

// VerifyDigest checks sig over digest under pub, which must be a key of a's type.
func (a SignatureAlgorithm) VerifyDigest(pub crypto.PublicKey, digest, sig []byte) error {
	if err := a.CheckPublicKey(pub); err != nil {
		return fmt.Errorf("verify: key %w", err)
	}
	if a.IsRSA() {
		return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, digest, sig)
	}
	if len(sig) != 2*p384Len {
		return fmt.Errorf("verify: ECDSA signature of %d bytes, want %d (r‖s)", len(sig), 2*p384Len)
	}
	r, s := new(big.Int).SetBytes(sig[:p384Len]), new(big.Int).SetBytes(sig[p384Len:])
	if !ecdsa.Verify(pub.(*ecdsa.PublicKey), digest, r, s) {
		return errors.New("verify: ECDSA P-384 signature does not verify")
	}
	return nil
}
