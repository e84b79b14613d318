package layout

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna/cvc"
)

// PublicCardKey returns DF24's key as the generic type: the *ecdsa.PublicKey of the provisional
// next-generation form (CardKeyEC), else the *rsa.PublicKey; nil when neither is set or the
// point is not on P-384.
func (s CardFaceSigned) PublicCardKey() crypto.PublicKey {
	return publicCardKey(s.CardKey, s.CardKeyEC)
}

// publicCardKey returns the P-384 key of point when it is set, else rk; nil when neither is
// set or the point is not on P-384. The card key's copies (DF12, DF24, DF42) share it.
func publicCardKey(rk *rsa.PublicKey, point []byte) crypto.PublicKey {
	if len(point) > 0 {
		k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P384(), point)
		if err != nil {
			return nil
		}
		return k
	}
	if rk != nil {
		return rk
	}
	return nil
}

// encodePublicCardKey encodes a card key given as a crypto.PublicKey: RSA in today's form,
// ECDSA P-384 in the provisional one (encodeAnyKey).
func encodePublicCardKey(file File, tag apdu.Tag, k crypto.PublicKey) ([]byte, error) {
	switch k := k.(type) {
	case *rsa.PublicKey:
		return encodeAnyKey(file, tag, k, nil)
	case *ecdsa.PublicKey:
		pt, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w: card key: %w", file, tag, ErrInvalid, err)
		}
		return encodeAnyKey(file, tag, nil, pt)
	}
	return nil, fmt.Errorf("%s %s: %w: a %T card key is neither RSA nor ECDSA", file, tag, ErrInvalid, k)
}

// parseAnyKey decodes a card public key in today's RSA form or the provisional EC form
// (cvc.IsECPublicKey, returned as its point); exactly one of the results is set.
func parseAnyKey(file File, k child) (*rsa.PublicKey, []byte, error) {
	if !cvc.IsECPublicKey(k.Value) {
		rk, err := parseKey(file, k)
		return rk, nil, err
	}
	ek, err := cvc.ParseECPublicKey(k.Value)
	if err != nil {
		return nil, nil, malformed(file, k.off+k.HeaderLen(), k.Tag, err, "card public key")
	}
	pt, err := ek.Bytes()
	if err != nil {
		return nil, nil, malformed(file, k.off+k.HeaderLen(), k.Tag, err, "card public key")
	}
	return nil, pt, nil
}

// encodeAnyKey encodes the EC point when it is set, else the RSA key, for a Build function.
func encodeAnyKey(file File, tag apdu.Tag, rk *rsa.PublicKey, point []byte) ([]byte, error) {
	if len(point) == 0 {
		return encodeKey(file, tag, rk)
	}
	if rk != nil {
		return nil, fmt.Errorf("%s %s: %w: both an RSA and an EC card key", file, tag, ErrInvalid)
	}
	ek, err := ecdsa.ParseUncompressedPublicKey(elliptic.P384(), point)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: card key is not a P-384 point", file, tag, ErrInvalid)
	}
	eb, err := cvc.EncodeECPublicKey(ek)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %w", file, tag, ErrInvalid, err)
	}
	return eb, nil
}
