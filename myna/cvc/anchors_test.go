package cvc

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The embedded anchors must be the project's data in vectors/jlis-ca, byte for byte.
func TestEmbeddedAnchorsMatchVectors(t *testing.T) {
	vectors, err := filepath.Glob(filepath.Join("..", "..", "vectors", "jlis-ca", "*.pem"))
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := anchorFS.ReadDir("anchors")
	if err != nil {
		t.Fatal(err)
	}
	var vNames, eNames []string
	for _, p := range vectors {
		vNames = append(vNames, filepath.Base(p))
	}
	for _, e := range embedded {
		eNames = append(eNames, e.Name())
	}
	slices.Sort(vNames)
	slices.Sort(eNames)
	if !slices.Equal(vNames, eNames) || len(vNames) != 2 {
		t.Fatalf("vectors/jlis-ca has %v, myna/cvc/anchors has %v", vNames, eNames)
	}
	for _, name := range vNames {
		v, err := os.ReadFile(filepath.Join("..", "..", "vectors", "jlis-ca", name))
		if err != nil {
			t.Fatal(err)
		}
		e, err := anchorFS.ReadFile("anchors/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(v, e) {
			t.Errorf("%s: the embedded copy differs from vectors/jlis-ca", name)
		}
	}
}

func TestProductionAnchors(t *testing.T) {
	// Modulus first and last bytes as CARD.md §5.5 records them.
	want := map[KeyID]struct{ head, tail []byte }{
		CardSurfaceCA: {h("B2 F7 40 F0 AD 86 D1 7C"), h("F5 F5 1F 87")},
		TextCA:        {h("D2 46 15 F6 35 25 E7 40"), h("4F 41 59 7F")},
	}
	anchors := ProductionAnchors()
	if len(anchors) != len(want) {
		t.Fatalf("%d anchors, want %d", len(anchors), len(want))
	}
	for _, a := range anchors {
		w, ok := want[a.KeyID]
		if !ok {
			t.Errorf("unexpected anchor %s", a.KeyID)
			continue
		}
		n := a.Key.N.FillBytes(make([]byte, ModulusLen))
		if !bytes.HasPrefix(n, w.head) || !bytes.HasSuffix(n, w.tail) || a.Key.E != 65537 {
			t.Errorf("%s: modulus % X … % X, e=%d", a.KeyID, n[:8], n[252:], a.Key.E)
		}
		if !a.Production || a.Name == "" {
			t.Errorf("%s: Production=%v Name=%q", a.KeyID, a.Production, a.Name)
		}
	}
	if got := ProductionSet().Anchors(); len(got) != 2 {
		t.Errorf("ProductionSet has %d anchors", len(got))
	}
}

// testSet holds the production anchors and the two test CAs, as a harness would.
func testSet(t *testing.T) *AnchorSet {
	t.Helper()
	surface, err := NewTestAnchor("test CA 9000023", testSurfaceCA, &key(t, "cv-ca-kenkaku").PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	text, err := NewTestAnchor("test CA 9000033", testTextCA, &key(t, "cv-ca-kenhojo").PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewAnchorSet(append(ProductionAnchors(), surface, text)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func buildParsed(t *testing.T, issuer KeyID, signerRole string) *Certificate {
	t.Helper()
	raw, err := Build(issuer, testSubject, &key(t, "cv-issuer-kenkaku").PublicKey, key(t, signerRole))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAnchorSetVerify(t *testing.T) {
	full := testSet(t)
	prodOnly := ProductionSet()
	tests := []struct {
		name       string
		set        *AnchorSet
		issuer     KeyID
		signer     string
		wantAnchor KeyID // zero: error expected
		wantErr    error
	}{
		{"test CA cert under its test anchor", full, testSurfaceCA, "cv-ca-kenkaku", testSurfaceCA, nil},
		{"text test CA cert under its test anchor", full, testTextCA, "cv-ca-kenhojo", testTextCA, nil},
		// An emulated card that claims the production issuer ID: the production
		// anchor is picked, and the test CA's signature does not verify under it.
		{"forged issuer 5000023, production anchor", full, CardSurfaceCA, "cv-ca-kenkaku", KeyID{}, ErrSignature},
		{"forged issuer 5000023, production-only set", prodOnly, CardSurfaceCA, "cv-ca-kenkaku", KeyID{}, ErrSignature},
		{"forged issuer 5000033", prodOnly, TextCA, "cv-ca-kenhojo", KeyID{}, ErrSignature},
		{"test cert against production-only set", prodOnly, testSurfaceCA, "cv-ca-kenkaku", KeyID{}, ErrUnknownIssuer},
		{"issuer names the other test CA", full, testSurfaceCA, "cv-ca-kenhojo", KeyID{}, ErrSignature},
		{"unknown issuer", full, MustKeyID("9999999", "001"), "cv-ca-kenkaku", KeyID{}, ErrUnknownIssuer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := buildParsed(t, tc.issuer, tc.signer)
			a, err := tc.set.Verify(c)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if a.KeyID != tc.wantAnchor || a.Production {
					t.Errorf("validated by %s (production %v), want %s", a.KeyID, a.Production, tc.wantAnchor)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if a != (TrustAnchor{}) {
				t.Errorf("an anchor was returned with the error: %s", a.Name)
			}
			var se *SignatureError
			if errors.As(err, &se) && (se.Anchor == "" || se.Issuer != tc.issuer) {
				t.Errorf("SignatureError does not name the anchor and issuer: %+v", se)
			}
			var ue *UnknownIssuerError
			if errors.As(err, &ue) && ue.Issuer != tc.issuer {
				t.Errorf("UnknownIssuerError names %s", ue.Issuer)
			}
		})
	}
}

func TestAnchorRules(t *testing.T) {
	prod := ProductionAnchors()
	testKey := &key(t, "cv-ca-kenkaku").PublicKey
	e3 := *testKey
	e3.E = 3
	tests := []struct {
		name    string
		anchors []TrustAnchor
	}{
		{"test key marked production under its own ID", []TrustAnchor{{Name: "x", KeyID: testSurfaceCA, Key: testKey, Production: true}}},
		{"test key marked production under 5000023", []TrustAnchor{{Name: "x", KeyID: CardSurfaceCA, Key: testKey, Production: true}}},
		{"production key under the other production ID", []TrustAnchor{{Name: "x", KeyID: TextCA, Key: prod[0].Key, Production: true}}},
		{"non-production anchor with ID 5000023", []TrustAnchor{{Name: "x", KeyID: CardSurfaceCA, Key: testKey}}},
		{"non-production anchor with a production key", []TrustAnchor{{Name: "x", KeyID: testSurfaceCA, Key: prod[0].Key}}},
		{"duplicate key ID", []TrustAnchor{{Name: "a", KeyID: testSurfaceCA, Key: testKey}, {Name: "b", KeyID: testSurfaceCA, Key: &key(t, "cv-ca-kenhojo").PublicKey}}},
		{"duplicate production", append(ProductionAnchors(), prod[0])},
		{"nil key", []TrustAnchor{{Name: "x", KeyID: testSurfaceCA}}},
		{"exponent 3", []TrustAnchor{{Name: "x", KeyID: testSurfaceCA, Key: &e3}}},
		{"no name", []TrustAnchor{{KeyID: testSurfaceCA, Key: testKey}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewAnchorSet(tc.anchors...); !errors.Is(err, ErrAnchor) {
				t.Errorf("err = %v, want ErrAnchor", err)
			}
		})
	}
	for _, id := range []KeyID{CardSurfaceCA, MustKeyID("6000023", "001")} {
		if _, err := NewTestAnchor("x", id, testKey); !errors.Is(err, ErrAnchor) {
			t.Errorf("NewTestAnchor(%s): err = %v, want ErrAnchor", id, err)
		}
	}
	// A J-LIS test-hierarchy anchor (6xxxxxx) is allowed as a non-production anchor.
	if _, err := NewAnchorSet(TrustAnchor{Name: "JPKI test card CA", KeyID: MustKeyID("6000023", "001"), Key: testKey}); err != nil {
		t.Errorf("6000023 non-production anchor: %v", err)
	}
	var nilKey *rsa.PublicKey
	if _, err := NewTestAnchor("x", testSurfaceCA, nilKey); !errors.Is(err, ErrAnchor) {
		t.Errorf("nil key: err = %v", err)
	}
}
