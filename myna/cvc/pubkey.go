package cvc

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"

	"github.com/taimen-dev/taimen/apdu"
)

// The card's public-key form: `90 03 01 00 01 91 82 01 00 <256-byte modulus>`.
const (
	// TagExponent holds the public exponent (01 00 01).
	TagExponent apdu.Tag = 0x90
	// TagModulus holds the 256-byte modulus.
	TagModulus apdu.Tag = 0x91
	// ModulusLen is the modulus size in bytes (RSA-2048).
	ModulusLen = 256
	// PublicKeyLen is the size of the encoded key (5 + 4 + 256).
	PublicKeyLen = 265
	// PublicExponent is the only exponent the card uses.
	PublicExponent = 65537
)

var exponentBytes = []byte{0x01, 0x00, 0x01}

// CheckPublicKey reports a *KeyError unless k is an RSA-2048 key with e = 65537.
func CheckPublicKey(k *rsa.PublicKey) error {
	switch {
	case k == nil || k.N == nil:
		return &KeyError{Reason: "no key"}
	case k.E != PublicExponent:
		return &KeyError{Reason: fmt.Sprintf("exponent %d, want %d", k.E, PublicExponent)}
	case k.N.BitLen() != 8*ModulusLen:
		return &KeyError{Reason: fmt.Sprintf("modulus of %d bits, want %d", k.N.BitLen(), 8*ModulusLen)}
	case k.N.Bit(0) == 0:
		return &KeyError{Reason: "even modulus"}
	}
	return nil
}

// AppendPublicKey appends the card form of k (PublicKeyLen bytes) to dst.
func AppendPublicKey(dst []byte, k *rsa.PublicKey) ([]byte, error) {
	if err := CheckPublicKey(k); err != nil {
		return dst, err
	}
	b := apdu.NewBuilder(dst)
	b.AddForm(TagExponent, apdu.LengthMinimal, exponentBytes)
	b.AddForm(TagModulus, apdu.LengthLong2, k.N.FillBytes(make([]byte, ModulusLen)))
	return b.Bytes()
}

// EncodePublicKey returns the card form of k.
func EncodePublicKey(k *rsa.PublicKey) ([]byte, error) {
	return AppendPublicKey(make([]byte, 0, PublicKeyLen), k)
}

// ParsePublicKey decodes the card form (tags 90 then 91, nothing else) into an
// RSA-2048 key with e = 65537. Structural problems give an *apdu.FormatError; a well-formed
// key of another kind gives an *apdu.FormatError wrapping a *KeyError (ErrUnsupportedKey).
// Non-minimal TLV lengths are accepted, as everywhere on the card.
func ParsePublicKey(b []byte) (*rsa.PublicKey, error) {
	const what = "public key"
	tlvs, err := apdu.ParseTLVs(b)
	if err != nil {
		return nil, formatErr(what, 0, err, "not a TLV sequence")
	}
	if len(tlvs) != 2 || tlvs[0].Tag != TagExponent || tlvs[1].Tag != TagModulus {
		return nil, formatErr(what, 0, nil, "want exactly 90 (exponent) then 91 (modulus), got %s", tagList(tlvs))
	}
	e, n := tlvs[0], tlvs[1]
	if !bytes.Equal(e.Value, exponentBytes) {
		return nil, formatErr(what, e.HeaderLen(), &KeyError{Reason: fmt.Sprintf("exponent % X, want 01 00 01", e.Value)}, "exponent")
	}
	off := len(e.Raw) + n.HeaderLen()
	if len(n.Value) != ModulusLen {
		return nil, formatErr(what, off, &KeyError{Reason: fmt.Sprintf("modulus of %d bytes, want %d", len(n.Value), ModulusLen)}, "modulus")
	}
	k := &rsa.PublicKey{N: new(big.Int).SetBytes(n.Value), E: PublicExponent}
	if err := CheckPublicKey(k); err != nil {
		return nil, formatErr(what, off, err, "modulus")
	}
	return k, nil
}

// ParsePublicKeyPEM decodes one PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block holding
// an RSA-2048 key with e = 65537.
func ParsePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	blk, rest := pem.Decode(data)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("no PEM PUBLIC KEY block: %w", ErrMalformed)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("data after the PEM block: %w", ErrMalformed)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("PEM public key: %w: %w", ErrMalformed, err)
	}
	k, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, &KeyError{Reason: fmt.Sprintf("%T is not RSA", pub)}
	}
	if err := CheckPublicKey(k); err != nil {
		return nil, err
	}
	return k, nil
}

func tagList(tlvs []apdu.TLV) string {
	if len(tlvs) == 0 {
		return "nothing"
	}
	var sb bytes.Buffer
	for i, t := range tlvs {
		if i == 8 {
			fmt.Fprintf(&sb, " … (%d TLVs)", len(tlvs))
			break
		}
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(t.Tag.String())
	}
	return sb.String()
}
