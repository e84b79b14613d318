package cvc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"embed"
	"fmt"
	"math/big"
	"slices"
	"sync"
)

// The production J-LIS CA public keys, copied byte for byte from vectors/jlis-ca (a
// test keeps the two copies identical).
//
//go:embed anchors/*.pem
var anchorFS embed.FS

// Production key IDs of the J-LIS CAs that sign EF 0004.
var (
	// CardSurfaceCA is "5000023/001", the CA of 券面事項確認AP (D3921000310001010402).
	CardSurfaceCA = MustKeyID("5000023", "001")
	// TextCA is "5000033/001", the CA of 券面事項入力補助AP (D3921000310001010408).
	TextCA = MustKeyID("5000033", "001")
)

var productionFiles = []struct {
	file, name string
	id         KeyID
}{
	{"anchors/5000023-card-surface-ap.pem", "J-LIS 5000023 (券面事項確認AP)", CardSurfaceCA},
	{"anchors/5000033-text-ap.pem", "J-LIS 5000033 (券面事項入力補助AP)", TextCA},
}

// TrustAnchor is a CA public key that certificates are checked against.
type TrustAnchor struct {
	Name  string         // shown in reports, e.g. "J-LIS 5000023 (券面事項確認AP)"
	KeyID KeyID          // the issuer key ID certificates name
	Key   *rsa.PublicKey // RSA-2048, e = 65537; nil for an EC anchor
	// KeyEC is the ECDSA P-384 key of a test CA of the provisional next-generation card
	// (generation.data_signature_algorithm); nil for an RSA anchor. PublicKey returns whichever
	// is set. No production anchor is EC.
	KeyEC      *ecdsa.PublicKey
	Production bool // true only for the embedded J-LIS keys
}

// PublicKey returns the anchor's key as the generic type: KeyEC when set, else Key.
func (a TrustAnchor) PublicKey() crypto.PublicKey {
	if a.KeyEC != nil {
		return a.KeyEC
	}
	if a.Key != nil {
		return a.Key
	}
	return nil
}

var production = sync.OnceValues(func() ([]TrustAnchor, error) {
	out := make([]TrustAnchor, 0, len(productionFiles))
	for _, f := range productionFiles {
		data, err := anchorFS.ReadFile(f.file)
		if err != nil {
			return nil, err
		}
		k, err := ParsePublicKeyPEM(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.file, err)
		}
		out = append(out, TrustAnchor{Name: f.name, KeyID: f.id, Key: k, Production: true})
	}
	return out, nil
})

// ProductionAnchors returns the embedded J-LIS CA keys 5000023 and 5000033, marked
// Production. It panics only if the embedded files are broken, which a test rules out.
func ProductionAnchors() []TrustAnchor {
	a, err := production()
	if err != nil {
		panic("cvc: embedded J-LIS anchors: " + err.Error())
	}
	return cloneAnchors(a)
}

// NewTestAnchor makes a non-production anchor for a test CA: its key ID must start
// with '9' (taimen's test range) and its key must not be a production key. The key is an
// RSA-2048 *rsa.PublicKey or, for the provisional next-generation card, an ECDSA P-384
// *ecdsa.PublicKey.
func NewTestAnchor(name string, id KeyID, key crypto.PublicKey) (TrustAnchor, error) {
	a := TrustAnchor{Name: name, KeyID: id}
	switch k := key.(type) {
	case *rsa.PublicKey:
		a.Key = k
	case *ecdsa.PublicKey:
		a.KeyEC = k
	default:
		return TrustAnchor{}, fmt.Errorf("test anchor %q: a %T is neither RSA nor ECDSA: %w", name, key, ErrAnchor)
	}
	if !id.TestRange() {
		return TrustAnchor{}, fmt.Errorf("test anchor %q: key ID %s does not start with '9': %w", name, id, ErrAnchor)
	}
	if err := checkAnchor(a); err != nil {
		return TrustAnchor{}, err
	}
	return a, nil
}

// checkAnchor enforces that production and test anchors cannot be confused: a
// Production anchor must be one of the embedded J-LIS keys under its own key ID; any
// other anchor must use neither a production-range key ID nor a production key.
func checkAnchor(a TrustAnchor) error {
	if a.Name == "" {
		return fmt.Errorf("anchor %s has no name: %w", a.KeyID, ErrAnchor)
	}
	if a.KeyEC != nil {
		return checkECAnchor(a)
	}
	if err := CheckPublicKey(a.Key); err != nil {
		return fmt.Errorf("anchor %q: %w: %w", a.Name, ErrAnchor, err)
	}
	prod, err := production()
	if err != nil {
		return err
	}
	if a.Production {
		for _, p := range prod {
			if p.KeyID == a.KeyID && p.Key.Equal(a.Key) {
				return nil
			}
		}
		return fmt.Errorf("anchor %q (%s) is marked production but is not an embedded J-LIS key: %w", a.Name, a.KeyID, ErrAnchor)
	}
	if a.KeyID.ProductionRange() {
		return fmt.Errorf("non-production anchor %q uses production-range key ID %s: %w", a.Name, a.KeyID, ErrAnchor)
	}
	for _, p := range prod {
		if p.Key.Equal(a.Key) {
			return fmt.Errorf("non-production anchor %q uses the production key of %s: %w", a.Name, p.KeyID, ErrAnchor)
		}
	}
	return nil
}

// AnchorSet is an immutable set of trust anchors with distinct key IDs.
type AnchorSet struct {
	anchors []TrustAnchor
}

// NewAnchorSet checks every anchor (see TrustAnchor.Production and NewTestAnchor for
// the rules) and refuses duplicate key IDs. Errors wrap ErrAnchor.
func NewAnchorSet(anchors ...TrustAnchor) (*AnchorSet, error) {
	s := &AnchorSet{anchors: make([]TrustAnchor, 0, len(anchors))}
	for _, a := range anchors {
		if err := checkAnchor(a); err != nil {
			return nil, err
		}
		if _, dup := s.Lookup(a.KeyID); dup {
			return nil, fmt.Errorf("two anchors with key ID %s: %w", a.KeyID, ErrAnchor)
		}
		s.anchors = append(s.anchors, a)
	}
	s.anchors = cloneAnchors(s.anchors)
	return s, nil
}

// cloneAnchors deep-copies anchors so that no caller can change a set's keys.
func cloneAnchors(as []TrustAnchor) []TrustAnchor {
	out := slices.Clone(as)
	for i, a := range out {
		if a.Key != nil {
			out[i].Key = &rsa.PublicKey{N: new(big.Int).Set(a.Key.N), E: a.Key.E}
		}
		if a.KeyEC != nil {
			pt, _ := a.KeyEC.Bytes() // checked on entry: on P-384
			out[i].KeyEC, _ = ecdsa.ParseUncompressedPublicKey(elliptic.P384(), pt)
		}
	}
	return out
}

// ProductionSet returns an AnchorSet holding only the embedded J-LIS keys: what a
// reader uses for a physical card.
func ProductionSet() *AnchorSet {
	return &AnchorSet{anchors: ProductionAnchors()}
}

// Anchors returns a copy of the anchors in the set.
func (s *AnchorSet) Anchors() []TrustAnchor { return cloneAnchors(s.anchors) }

// Lookup returns the anchor whose key ID equals id in all 16 bytes.
func (s *AnchorSet) Lookup(id KeyID) (TrustAnchor, bool) {
	for _, a := range s.anchors {
		if a.KeyID == id {
			return cloneAnchors([]TrustAnchor{a})[0], true
		}
	}
	return TrustAnchor{}, false
}

// Verify picks the anchor named by c.Issuer and checks c's signature under it,
// returning the anchor that validated c. Errors: *UnknownIssuerError
// (ErrUnknownIssuer) when no anchor has that key ID, *SignatureError (ErrSignature)
// when the signature does not verify under the named anchor.
func (s *AnchorSet) Verify(c *Certificate) (TrustAnchor, error) {
	if c == nil {
		return TrustAnchor{}, fmt.Errorf("verify certificate: no certificate")
	}
	a, ok := s.Lookup(c.Issuer)
	if !ok {
		return TrustAnchor{}, &UnknownIssuerError{Issuer: c.Issuer}
	}
	if err := c.Verify(a.PublicKey()); err != nil {
		if se, ok := err.(*SignatureError); ok {
			se.Anchor = a.Name
		}
		return TrustAnchor{}, err
	}
	return a, nil
}

// checkECAnchor checks an ECDSA anchor: only a test CA of the provisional next-generation card,
// never production, never with an RSA key beside it, never in the production key-ID range.
func checkECAnchor(a TrustAnchor) error {
	switch {
	case a.Key != nil:
		return fmt.Errorf("anchor %q has both an RSA and an EC key: %w", a.Name, ErrAnchor)
	case a.Production:
		return fmt.Errorf("anchor %q (%s) is marked production but is an EC key; every J-LIS key is RSA: %w", a.Name, a.KeyID, ErrAnchor)
	case a.KeyEC.Curve != elliptic.P384():
		return fmt.Errorf("anchor %q: %w: %w", a.Name, ErrAnchor, &KeyError{Reason: "an ECDSA key not on P-384"})
	case a.KeyID.ProductionRange():
		return fmt.Errorf("non-production anchor %q uses production-range key ID %s: %w", a.Name, a.KeyID, ErrAnchor)
	}
	if _, err := a.KeyEC.Bytes(); err != nil {
		return fmt.Errorf("anchor %q: %w: %w", a.Name, ErrAnchor, &KeyError{Reason: err.Error()})
	}
	return nil
}
