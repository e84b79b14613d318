package cvc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
)

// TestECPublicKey: the provisional form round-trips; other curves, a point off the curve, a
// compressed point and the RSA form are refused.
func TestECPublicKey(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodeECPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 2+ECPointLen || !bytes.HasPrefix(b, []byte{0x86, 0x61, 0x04}) || !IsECPublicKey(b) {
		t.Fatalf("encoding % X…", b[:4])
	}
	got, err := ParseECPublicKey(b)
	if err != nil || !got.Equal(&k.PublicKey) {
		t.Fatalf("parse: %v", err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := EncodeECPublicKey(&p256.PublicKey); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("P-256 encoded: %v", err)
	}
	off := bytes.Clone(b)
	off[len(off)-1] ^= 1
	compressed := append([]byte{0x86, 0x31, 0x02}, b[3:3+48]...)
	for name, in := range map[string][]byte{"off the curve": off, "compressed": compressed, "RSA form": {0x90, 0x03, 0x01, 0x00, 0x01}, "empty": nil} {
		if _, err := ParseECPublicKey(in); err == nil {
			t.Errorf("%s parsed", name)
		}
	}
}
