package layout

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
)

// TestECDataSignatures: with an ECDSA P-384 issuer key (generation.data_signature_algorithm of
// the provisional next-generation card) the card face's DF28, the age record's DF13 and the
// number image's DF43 are r‖s (96 bytes, deterministic); each verifies under the P-384 key,
// reports the ECDSA scheme, and fails under an RSA key (a reader assuming RSA), under another
// P-384 key and after a signed byte is changed.
func TestECDataSignatures(t *testing.T) {
	iss := p384Key(t)
	other := p384Key(t)
	s, u := cardFaceInput(t)

	cases := []struct {
		name   string
		build  func() ([]byte, error)
		verify func(raw []byte, k any) (Coverage, error)
		sig    func(raw []byte) []byte
		scheme string
		flipAt func(raw []byte) int // a signed byte
	}{
		{
			name:  "card face",
			build: func() ([]byte, error) { return BuildCardFace(s, u, iss, 0) },
			verify: func(raw []byte, k any) (Coverage, error) {
				f, err := ParseCardFace(raw)
				if err != nil {
					return Coverage{}, err
				}
				return f.Verify(k)
			},
			sig: func(raw []byte) []byte {
				f, _ := ParseCardFace(raw)
				return f.Signature
			},
			scheme: SchemeThreeDigestECDSA,
			flipAt: func(raw []byte) int { return bytes.Index(raw, s.PhotoJP2) + len(s.PhotoJP2) - 1 },
		},
		{
			name:  "age record",
			build: func() ([]byte, error) { return BuildAgeRecord(s.BirthDate, s.CardKey, iss, 0) },
			verify: func(raw []byte, k any) (Coverage, error) {
				r, err := ParseAgeRecord(raw)
				if err != nil {
					return Coverage{}, err
				}
				return r.Verify(k)
			},
			sig: func(raw []byte) []byte {
				r, _ := ParseAgeRecord(raw)
				return r.Signature
			},
			scheme: SchemeSHA384ECDSA,
			flipAt: func(raw []byte) int { return bytes.Index(raw, []byte(s.BirthDate)) + 7 },
		},
		{
			name:  "number image",
			build: func() ([]byte, error) { return BuildMyNumberImage(s.NamePNG, s.CardKey, iss, 0) },
			verify: func(raw []byte, k any) (Coverage, error) {
				r, err := ParseMyNumberImage(raw)
				if err != nil {
					return Coverage{}, err
				}
				return r.Verify(k)
			},
			sig: func(raw []byte) []byte {
				r, _ := ParseMyNumberImage(raw)
				return r.Signature
			},
			scheme: SchemeSHA384ECDSA,
			flipAt: func(raw []byte) int { return bytes.Index(raw, s.NamePNG) + len(s.NamePNG) - 1 },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := tc.build()
			if err != nil {
				t.Fatal(err)
			}
			again, err := tc.build()
			if err != nil || !bytes.Equal(raw, again) {
				t.Error("not deterministic")
			}
			if n := len(tc.sig(raw)); n != ecSigLen {
				t.Fatalf("signature of %d bytes, want %d", n, ecSigLen)
			}
			cov, err := tc.verify(raw, &iss.PublicKey)
			if err != nil {
				t.Fatalf("verify under the P-384 issuer: %v", err)
			}
			if cov.Scheme != tc.scheme {
				t.Errorf("scheme %q, want %q", cov.Scheme, tc.scheme)
			}
			if _, err := tc.verify(raw, pub(t, "cv-issuer-kenkaku")); !errors.Is(err, ErrSignature) {
				t.Errorf("under an RSA key: %v, want ErrSignature", err)
			}
			if _, err := tc.verify(raw, &other.PublicKey); !errors.Is(err, ErrSignature) {
				t.Errorf("under another P-384 key: %v, want ErrSignature", err)
			}
			if _, err := tc.verify(raw, nil); err == nil {
				t.Error("verified under no key")
			}
			bad := bytes.Clone(raw)
			bad[tc.flipAt(raw)] ^= 0x01
			if _, err := tc.verify(bad, &iss.PublicKey); err == nil {
				t.Error("a changed signed byte still verifies")
			}
		})
	}

	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := BuildCardFace(s, u, p256, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("a P-256 signer: %v, want ErrInvalid", err)
	}
}

// TestECCardKeyCopies: the age record's DF12 and the number image's DF42 carry the provisional
// next-generation card's P-384 card key (CARD.md §5.4: the same key as DF24), in the form
// `82 00 63 86 61 04‖X‖Y`; they parse back to that key and verify. A card key of neither
// algorithm is refused.
func TestECCardKeyCopies(t *testing.T) {
	iss := p384Key(t)
	card := p384Key(t)
	s, _ := cardFaceInput(t)
	age, err := BuildAgeRecord(s.BirthDate, &card.PublicKey, iss, 0)
	if err != nil {
		t.Fatal(err)
	}
	img, err := BuildMyNumberImage(s.NamePNG, &card.PublicKey, iss, 0)
	if err != nil {
		t.Fatal(err)
	}
	point, _ := card.PublicKey.Bytes()
	for _, tc := range []struct {
		name string
		raw  []byte
		tag  []byte
		get  func([]byte) (interface {
			PublicCardKey() crypto.PublicKey
			Verify(crypto.PublicKey) (Coverage, error)
		}, error)
	}{
		{"age record", age, []byte{0xDF, 0x12, 0x82, 0x00, 0x63, 0x86, 0x61}, func(b []byte) (interface {
			PublicCardKey() crypto.PublicKey
			Verify(crypto.PublicKey) (Coverage, error)
		}, error) {
			return ParseAgeRecord(b)
		}},
		{"number image", img, []byte{0xDF, 0x42, 0x82, 0x00, 0x63, 0x86, 0x61}, func(b []byte) (interface {
			PublicCardKey() crypto.PublicKey
			Verify(crypto.PublicKey) (Coverage, error)
		}, error) {
			return ParseMyNumberImage(b)
		}},
	} {
		if !bytes.Contains(tc.raw, append(bytes.Clone(tc.tag), point...)) {
			t.Errorf("%s: no %X‖point", tc.name, tc.tag)
		}
		r, err := tc.get(tc.raw)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if k, ok := r.PublicCardKey().(*ecdsa.PublicKey); !ok || !k.Equal(&card.PublicKey) {
			t.Errorf("%s: card key %T, want the P-384 card key", tc.name, r.PublicCardKey())
		}
		if _, err := r.Verify(&iss.PublicKey); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := BuildAgeRecord(s.BirthDate, "not a key", iss, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("a string as the card key: %v, want ErrInvalid", err)
	}
}

// p384Key is a fresh ECDSA P-384 key for a test.
func p384Key(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
