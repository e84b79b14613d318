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
	if len(s.CardKeyEC) > 0 {
		k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P384(), s.CardKeyEC)
		if err != nil {
			return nil
		}
		return k
	}
	if s.CardKey != nil {
		return s.CardKey
	}
	return nil
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
