package layout

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"testing"
)

// TestCardFaceECKey: the provisional next-generation face carries an ECDSA P-384 card key in
// DF24 (86 61 04‖X‖Y); it parses back to the same key, still verifies, and a bad point is
// refused on build and on parse.
func TestCardFaceECKey(t *testing.T) {
	ek := p384Key(t)
	pt, _ := ek.PublicKey.Bytes()
	s, u := cardFaceInput(t)
	s.CardKey, s.CardKeyEC = nil, pt
	raw, err := BuildCardFace(s, u, key(t, "cv-issuer-kenkaku"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, append([]byte{0xDF, 0x24, 0x82, 0x00, 0x63, 0x86, 0x61}, pt...)) {
		t.Error("DF24 is not 86 61 04‖X‖Y")
	}
	f, err := ParseCardFace(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := f.Signed.PublicCardKey().(*ecdsa.PublicKey)
	if !ok || !got.Equal(&ek.PublicKey) || f.Signed.CardKey != nil {
		t.Fatalf("card key = %T", f.Signed.PublicCardKey())
	}
	if _, err := f.Verify(pub(t, "cv-issuer-kenkaku")); err != nil {
		t.Errorf("verify: %v", err)
	}

	bad := bytes.Clone(pt)
	bad[len(bad)-1] ^= 1 // off the curve
	s.CardKeyEC = bad
	if _, err := BuildCardFace(s, u, key(t, "cv-issuer-kenkaku"), 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("build with a point off the curve: %v", err)
	}
	broken := bytes.Clone(raw)
	broken[bytes.Index(broken, pt)+len(pt)-1] ^= 1
	if _, err := ParseCardFace(broken); err == nil {
		t.Error("a point off the curve parsed")
	}
	s.CardKey = pub(t, "card")
	s.CardKeyEC = pt
	if _, err := BuildCardFace(s, u, key(t, "cv-issuer-kenkaku"), 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("build with both keys: %v", err)
	}
}
