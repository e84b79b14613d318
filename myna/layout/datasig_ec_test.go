package layout

import (
	"bytes"
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
	iss, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
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
