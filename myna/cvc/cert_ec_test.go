package cvc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
)

func p384Key(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestBuildECRoundTrip: the provisional EC certificate parses back, verifies under its CA's
// P-384 key in ECDSA, and is refused under any other key, RSA included.
func TestBuildECRoundTrip(t *testing.T) {
	ca, iss := p384Key(t), p384Key(t)
	raw, err := BuildEC(testSurfaceCA, testSubject, &iss.PublicKey, ca)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != ECLen {
		t.Fatalf("%d bytes, want %d", len(raw), ECLen)
	}
	for _, part := range []struct {
		off  int
		want []byte
	}{
		{0, h("7F 21 82 00 ED 5F 4E 82 00 83")},
		{10, testSurfaceCA[:]},
		{26, testSubject[:]},
		{42, h("86 61 04")},
		{141, h("5F 37 82 00 60")},
	} {
		if got := raw[part.off : part.off+len(part.want)]; !bytes.Equal(got, part.want) {
			t.Errorf("bytes %d..: % X, want % X", part.off, got, part.want)
		}
	}
	again, err := BuildEC(testSurfaceCA, testSubject, &iss.PublicKey, ca)
	if err != nil || !bytes.Equal(again, raw) {
		t.Error("BuildEC is not deterministic")
	}
	seed(t, "FuzzParse", "valid-ec", raw)

	c, err := Parse(cat(raw, repeat(0xFF, 300)))
	if err != nil {
		t.Fatal(err)
	}
	if c.SubjectKey != nil || c.SubjectKeyEC == nil || !c.SubjectKeyEC.Equal(&iss.PublicKey) {
		t.Fatal("subject key: want the EC key only")
	}
	if !c.PublicKey().(*ecdsa.PublicKey).Equal(&iss.PublicKey) {
		t.Error("PublicKey differs")
	}
	if c.Issuer != testSurfaceCA || c.Subject != testSubject || len(c.Signature) != ECSignatureLen || !bytes.Equal(c.Raw, raw) {
		t.Errorf("issuer %s subject %s signature %d bytes", c.Issuer, c.Subject, len(c.Signature))
	}
	if err := c.Verify(&ca.PublicKey); err != nil {
		t.Fatalf("verify under the CA: %v", err)
	}
	if err := c.Verify(&iss.PublicKey); !errors.Is(err, ErrSignature) {
		t.Errorf("verify under another P-384 key: %v, want ErrSignature", err)
	}
	if err := c.Verify(&key(t, "cv-ca-kenkaku").PublicKey); !errors.Is(err, ErrSignature) {
		t.Errorf("verify under an RSA key (a reader assuming RSA): %v, want ErrSignature", err)
	}

	// A flipped body byte, a flipped signature byte: refused.
	for _, at := range []int{30, ECLen - 10} {
		bad := bytes.Clone(raw)
		bad[at] ^= 0x01
		c, err := Parse(bad)
		if err != nil {
			continue // the flip may break the key's form
		}
		if err := c.Verify(&ca.PublicKey); !errors.Is(err, ErrSignature) {
			t.Errorf("byte %d flipped: %v, want ErrSignature", at, err)
		}
	}
	// Truncated, or not filler after it: malformed.
	for _, bad := range [][]byte{raw[:ECLen-1], cat(raw, []byte{0x12})} {
		if _, err := Parse(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%d bytes: %v, want ErrMalformed", len(bad), err)
		}
	}
}

// TestBuildECRefuses: only P-384 keys go into and sign an EC certificate.
func TestBuildECRefuses(t *testing.T) {
	k := p384Key(t)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildEC(testSurfaceCA, testSubject, &k.PublicKey, p256); err == nil {
		t.Error("a P-256 signer was accepted")
	}
	if _, err := BuildEC(testSurfaceCA, testSubject, &p256.PublicKey, k); err == nil {
		t.Error("a P-256 subject key was accepted")
	}
	if _, err := BuildEC(testSurfaceCA, testSubject, &k.PublicKey, nil); err == nil {
		t.Error("no signer was accepted")
	}
}

// TestECAnchor: a P-384 test CA is an anchor that validates its EC certificates; it cannot be
// production nor in the production range, and an RSA certificate does not verify under it.
func TestECAnchor(t *testing.T) {
	ca, iss := p384Key(t), p384Key(t)
	a, err := NewTestAnchor("taimen test CA 9000023 (EC)", testSurfaceCA, &ca.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	set, err := NewAnchorSet(a)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := BuildEC(testSurfaceCA, testSubject, &iss.PublicKey, ca)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := set.Verify(c)
	if err != nil || got.Name != a.Name || got.KeyEC == nil || !got.KeyEC.Equal(&ca.PublicKey) {
		t.Fatalf("Verify: %+v, %v", got, err)
	}
	rsaCert, err := Parse(testCert(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Verify(rsaCert); !errors.Is(err, ErrSignature) {
		t.Errorf("an RSA certificate under the EC anchor: %v, want ErrSignature", err)
	}
	if _, err := NewAnchorSet(TrustAnchor{Name: "x", KeyID: testSurfaceCA, KeyEC: &ca.PublicKey, Production: true}); !errors.Is(err, ErrAnchor) {
		t.Errorf("an EC production anchor: %v, want ErrAnchor", err)
	}
	if _, err := NewTestAnchor("x", CardSurfaceCA, &ca.PublicKey); !errors.Is(err, ErrAnchor) {
		t.Errorf("an EC anchor in the production range: %v, want ErrAnchor", err)
	}
	if _, err := NewAnchorSet(TrustAnchor{Name: "x", KeyID: testSurfaceCA, KeyEC: &ca.PublicKey, Key: &key(t, "cv-ca-kenkaku").PublicKey}); !errors.Is(err, ErrAnchor) {
		t.Errorf("an anchor with both keys: %v, want ErrAnchor", err)
	}
}
