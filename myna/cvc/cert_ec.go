package cvc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/taimen-dev/taimen/apdu"
)

// The provisional next-generation card's certificate (generation.data_signature_algorithm
// ecdsa-p384-sha384): the same 7F21 { 5F4E body, 5F37 signature } template, the body holding
// the two key IDs and the subject key in the EC form `86 61 04‖X‖Y` (EncodeECPublicKey), the
// signature ECDSA P-384 over SHA-384(body) as r‖s (48 bytes each). The lengths keep the card's
// 82 hh ll encoding. The card's real form is not public: this one is invented, to be replaced
// by the published specification.
const (
	// ECBodyLen is the size of the 5F4E value of an EC certificate (16 + 16 + 99).
	ECBodyLen = 2*KeyIDLen + 2 + ECPointLen
	// ECSignatureLen is the size of the 5F37 value of an EC certificate (r‖s on P-384).
	ECSignatureLen = 2 * p384Len
	// ECLen is the size of a whole EC certificate (5 + 5 + 131 + 5 + 96).
	ECLen = 5 + 5 + ECBodyLen + 5 + ECSignatureLen
)

// p384Len is the size of a P-384 scalar or coordinate.
const p384Len = 48

var (
	ecCertHeader = []byte{0x7F, 0x21, 0x82, 0x00, byte(ECLen - 5)}
	ecBodyHeader = []byte{0x5F, 0x4E, 0x82, 0x00, byte(ECBodyLen)}
	ecSigHeader  = []byte{0x5F, 0x37, 0x82, 0x00, byte(ECSignatureLen)}
)

// isECCert reports whether b begins with the EC certificate's fixed headers.
func isECCert(b []byte) bool {
	return bytes.HasPrefix(b, ecCertHeader) && bytes.HasPrefix(b[len(ecCertHeader):], ecBodyHeader)
}

// parseEC decodes the provisional EC certificate as strictly as Parse does today's.
func parseEC(b []byte) (*Certificate, error) {
	const what = "certificate"
	if len(b) < ECLen || len(b) > MaxInputLen {
		return nil, formatErr(what, min(len(b), ECLen), nil, "%d bytes, want %d (EC form, plus filler, at most %d in all)", len(b), ECLen, MaxInputLen)
	}
	if off := len(ecCertHeader) + len(ecBodyHeader) + ECBodyLen; !bytes.Equal(b[off:off+len(ecSigHeader)], ecSigHeader) {
		return nil, formatErr(what, off, nil, "5F37 header is % X, want % X", b[off:off+len(ecSigHeader)], ecSigHeader)
	}
	outer, rest, err := apdu.ParseTLV(b)
	if err != nil {
		return nil, formatErr(what, 0, err, "outer TLV")
	}
	if !apdu.IsFiller(rest) {
		return nil, formatErr(what, len(outer.Raw), nil, "%d bytes after the certificate are not filler", len(rest))
	}
	kids, err := outer.Children()
	if err != nil || len(kids) != 2 || kids[0].Tag != TagBody || kids[1].Tag != TagSignature {
		return nil, formatErr(what, len(ecCertHeader), err, "want exactly 5F4E then 5F37")
	}
	body, sig := kids[0].Value, kids[1].Value
	c := &Certificate{Body: body, Signature: sig, Raw: outer.Raw}
	copy(c.Issuer[:], body[0:KeyIDLen])
	copy(c.Subject[:], body[KeyIDLen:2*KeyIDLen])
	keyOff := len(ecCertHeader) + len(ecBodyHeader) + 2*KeyIDLen
	if !bytes.HasPrefix(body[2*KeyIDLen:], []byte{byte(TagECPoint), ECPointLen}) {
		return nil, formatErr(what, keyOff, nil, "subject key is not in the form 86 61 04‖X‖Y")
	}
	if c.SubjectKeyEC, err = ParseECPublicKey(body[2*KeyIDLen:]); err != nil {
		return nil, formatErr(what, keyOff, err, "subject key")
	}
	return c, nil
}

// BuildEC encodes and signs a certificate in the provisional EC form: signer (an ECDSA P-384
// CA key, named by issuer) certifies subjectKey (ECDSA P-384, named by subject). The result is
// ECLen bytes; the signature is deterministic (RFC 6979), so the same keys give the same bytes.
func BuildEC(issuer, subject KeyID, subjectKey *ecdsa.PublicKey, signer *ecdsa.PrivateKey) ([]byte, error) {
	if signer == nil || signer.Curve != elliptic.P384() {
		return nil, fmt.Errorf("build certificate: signer must be an ECDSA P-384 private key")
	}
	key, err := EncodeECPublicKey(subjectKey)
	if err != nil {
		return nil, fmt.Errorf("build certificate: subject key: %w", err)
	}
	body := make([]byte, 0, ECBodyLen)
	body = append(body, issuer[:]...)
	body = append(body, subject[:]...)
	body = append(body, key...)
	d := sha512.Sum384(body)
	sig, err := SignECDSA(signer, d[:])
	if err != nil {
		return nil, fmt.Errorf("build certificate: %w", err)
	}
	b := apdu.NewBuilder(make([]byte, 0, ECLen))
	b.AddConstructed(TagCertificate, apdu.LengthLong2, func(b *apdu.Builder) {
		b.AddForm(TagBody, apdu.LengthLong2, body)
		b.AddForm(TagSignature, apdu.LengthLong2, sig)
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("build certificate: %w", err)
	}
	if len(out) != ECLen {
		return nil, fmt.Errorf("build certificate: %d bytes, want %d", len(out), ECLen)
	}
	return out, nil
}

// PublicKey returns the certified key as the generic type: the *ecdsa.PublicKey of an EC
// certificate, else the *rsa.PublicKey. A reader verifies the data signatures with it, by the
// key's type, never assuming RSA.
func (c *Certificate) PublicKey() crypto.PublicKey {
	if c.SubjectKeyEC != nil {
		return c.SubjectKeyEC
	}
	if c.SubjectKey != nil {
		return c.SubjectKey
	}
	return nil
}

// verifyBody checks sig over body under issuer by the issuer key's type: RSA-2048 PKCS#1 v1.5
// with SHA-256, or ECDSA P-384 with SHA-384 as r‖s.
func verifyBody(issuer crypto.PublicKey, body, sig []byte) error {
	switch k := issuer.(type) {
	case *rsa.PublicKey:
		if k == nil {
			break
		}
		d := sha256.Sum256(body)
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, d[:], sig)
	case *ecdsa.PublicKey:
		if k == nil {
			break
		}
		d := sha512.Sum384(body)
		return VerifyECDSA(k, d[:], sig)
	default:
		if issuer != nil {
			return fmt.Errorf("issuer key %T is neither RSA nor ECDSA", issuer)
		}
	}
	return errors.New("no issuer key")
}

// SignECDSA signs digest with a P-384 key in the provisional form r‖s (48 bytes each). The
// signature is deterministic (RFC 6979): personalizing the same card twice gives the same files.
func SignECDSA(k *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	if k == nil || k.Curve != elliptic.P384() {
		return nil, errors.New("sign: not an ECDSA P-384 private key")
	}
	if len(digest) != crypto.SHA384.Size() {
		return nil, fmt.Errorf("sign: digest of %d bytes, want a SHA-384 digest", len(digest))
	}
	der, err := k.Sign(nil, digest, crypto.SHA384)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 {
		return nil, errors.New("sign: malformed ECDSA signature")
	}
	sig := make([]byte, 2*p384Len)
	rs.R.FillBytes(sig[:p384Len])
	rs.S.FillBytes(sig[p384Len:])
	return sig, nil
}

// VerifyECDSA checks an r‖s signature over digest under a P-384 key.
func VerifyECDSA(k *ecdsa.PublicKey, digest, sig []byte) error {
	if k == nil || k.Curve != elliptic.P384() {
		return errors.New("verify: not an ECDSA P-384 key")
	}
	if len(sig) != 2*p384Len {
		return fmt.Errorf("verify: ECDSA signature of %d bytes, want %d (r‖s)", len(sig), 2*p384Len)
	}
	r, s := new(big.Int).SetBytes(sig[:p384Len]), new(big.Int).SetBytes(sig[p384Len:])
	if !ecdsa.Verify(k, digest, r, s) {
		return errors.New("verify: ECDSA P-384 signature does not verify")
	}
	return nil
}
