package cvc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
)

// The provisional next-generation card's public-key form: `86 61 04 <X> <Y>`, the uncompressed
// P-384 point under tag 86 as in ISO/IEC 7816-8 and BSI TR-03110. The card's real form is not
// public: this one is invented, to be replaced by the published specification.
const (
	// TagECPoint holds the uncompressed point 04‖X‖Y.
	TagECPoint apdu.Tag = 0x86
	// ECPointLen is the size of an uncompressed P-384 point.
	ECPointLen = 1 + 2*48
)

// EncodeECPublicKey returns the provisional card form of a P-384 key.
func EncodeECPublicKey(k *ecdsa.PublicKey) ([]byte, error) {
	if k == nil || k.Curve != elliptic.P384() {
		return nil, &KeyError{Reason: "not an ECDSA P-384 key"}
	}
	pt, err := k.Bytes()
	if err != nil {
		return nil, &KeyError{Reason: err.Error()}
	}
	b := apdu.NewBuilder(nil)
	b.AddForm(TagECPoint, apdu.LengthMinimal, pt)
	return b.Bytes()
}

// ParseECPublicKey decodes the provisional card form (tag 86 alone, an uncompressed point on
// P-384). Structural problems give an *apdu.FormatError; a point not on the curve wraps a
// *KeyError (ErrUnsupportedKey).
func ParseECPublicKey(b []byte) (*ecdsa.PublicKey, error) {
	const what = "EC public key"
	tlvs, err := apdu.ParseTLVs(b)
	if err != nil {
		return nil, formatErr(what, 0, err, "not a TLV sequence")
	}
	if len(tlvs) != 1 || tlvs[0].Tag != TagECPoint {
		return nil, formatErr(what, 0, nil, "want exactly 86 (point), got %s", tagList(tlvs))
	}
	pt := tlvs[0].Value
	if len(pt) != ECPointLen || pt[0] != 0x04 {
		return nil, formatErr(what, tlvs[0].HeaderLen(), &KeyError{Reason: fmt.Sprintf("point of %d bytes, want %d uncompressed (04‖X‖Y)", len(pt), ECPointLen)}, "point")
	}
	k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P384(), pt)
	if err != nil {
		return nil, formatErr(what, tlvs[0].HeaderLen(), &KeyError{Reason: "point not on P-384"}, "point")
	}
	return k, nil
}

// IsECPublicKey reports whether b begins like the provisional EC form (tag 86) rather than the
// RSA form (tag 90).
func IsECPublicKey(b []byte) bool { return len(b) > 0 && b[0] == byte(TagECPoint) }
