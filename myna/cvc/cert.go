package cvc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/internal/sigcache"
)

// Tags and sizes of the certificate.
const (
	// TagCertificate is the outer template.
	TagCertificate apdu.Tag = 0x7F21
	// TagBody is the signed body: issuer ID, subject ID, subject key.
	TagBody apdu.Tag = 0x5F4E
	// TagSignature is the CA's signature over the body value.
	TagSignature apdu.Tag = 0x5F37
	// BodyLen is the size of the 5F4E value (16 + 16 + 265).
	BodyLen = 2*KeyIDLen + PublicKeyLen
	// SignatureLen is the size of the 5F37 value (RSA-2048).
	SignatureLen = 256
	// Len is the size of the whole certificate (5 + 5 + 297 + 5 + 256).
	Len = 568
	// MaxInputLen bounds Parse's input, filler included.
	MaxInputLen = 1 << 16
)

// The exact headers Parse requires and Build writes (82 hh ll lengths, as on the card).
var (
	certHeader = []byte{0x7F, 0x21, 0x82, 0x02, 0x33}
	bodyHeader = []byte{0x5F, 0x4E, 0x82, 0x01, 0x29}
	sigHeader  = []byte{0x5F, 0x37, 0x82, 0x01, 0x00}
)

// Certificate is a decoded EF 0004 card-verifiable certificate. Its byte slices alias
// the input of Parse.
type Certificate struct {
	Issuer     KeyID          // 証明者鍵ID: the CA key that signed the body
	Subject    KeyID          // 被証明者鍵ID: the certified key (the AP's issuer key)
	SubjectKey *rsa.PublicKey // the certified RSA-2048 key; nil in the EC form
	// SubjectKeyEC is the certified ECDSA P-384 key of the provisional EC form (BuildEC); nil
	// in today's form. PublicKey returns whichever is set.
	SubjectKeyEC *ecdsa.PublicKey
	Body         []byte // the 5F4E value (297 bytes, ECBodyLen in the EC form): what the signature covers
	Signature    []byte // the 5F37 value: 256 bytes, or 96 (r‖s) in the EC form
	Raw          []byte // the 568 (ECLen) bytes of the certificate, without filler
}

// Parse decodes a certificate strictly: exact tags, exactly the 82 hh ll length
// encodings and sizes of the card, the card's key form, and nothing but filler (FF or
// 00) after it. Errors are *apdu.FormatError (ErrMalformed), possibly wrapping a *KeyError.
// Input that begins with the headers of the provisional EC form (BuildEC) is decoded in that
// form.
func Parse(b []byte) (*Certificate, error) {
	const what = "certificate"
	if isECCert(b) {
		return parseEC(b)
	}
	if len(b) < Len || len(b) > MaxInputLen {
		return nil, formatErr(what, min(len(b), Len), nil, "%d bytes, want %d (plus filler, at most %d in all)", len(b), Len, MaxInputLen)
	}
	for _, h := range []struct {
		off  int
		want []byte
		name string
	}{
		{0, certHeader, "7F21 header"},
		{len(certHeader), bodyHeader, "5F4E header"},
		{len(certHeader) + len(bodyHeader) + BodyLen, sigHeader, "5F37 header"},
	} {
		if got := b[h.off : h.off+len(h.want)]; !bytes.Equal(got, h.want) {
			return nil, formatErr(what, h.off, nil, "%s is % X, want % X", h.name, got, h.want)
		}
	}
	// The fixed headers make the TLV structure certain; decode it with apdu anyway so
	// that the two can never disagree.
	outer, rest, err := apdu.ParseTLV(b)
	if err != nil {
		return nil, formatErr(what, 0, err, "outer TLV")
	}
	if !apdu.IsFiller(rest) {
		return nil, formatErr(what, len(outer.Raw), nil, "%d bytes after the certificate are not filler", len(rest))
	}
	kids, err := outer.Children()
	if err != nil || len(kids) != 2 || kids[0].Tag != TagBody || kids[1].Tag != TagSignature {
		return nil, formatErr(what, len(certHeader), err, "want exactly 5F4E then 5F37")
	}
	body, sig := kids[0].Value, kids[1].Value
	c := &Certificate{Body: body, Signature: sig, Raw: outer.Raw}
	copy(c.Issuer[:], body[0:KeyIDLen])
	copy(c.Subject[:], body[KeyIDLen:2*KeyIDLen])
	keyOff := len(certHeader) + len(bodyHeader) + 2*KeyIDLen
	if c.SubjectKey, err = ParsePublicKey(body[2*KeyIDLen:]); err != nil {
		return nil, formatErr(what, keyOff, err, "subject key")
	}
	if !bytes.Equal(body[2*KeyIDLen:2*KeyIDLen+9], []byte{0x90, 0x03, 0x01, 0x00, 0x01, 0x91, 0x82, 0x01, 0x00}) {
		return nil, formatErr(what, keyOff, nil, "subject key is not in the form 90 03 01 00 01 91 82 01 00")
	}
	return c, nil
}

// Verify checks the signature over Body under the CA key issuer, in the algorithm of that
// key: RSA PKCS#1 v1.5 with SHA-256 for an *rsa.PublicKey, ECDSA P-384 with SHA-384 (r‖s) for
// an *ecdsa.PublicKey. A mismatch gives a *SignatureError (ErrSignature).
func (c *Certificate) Verify(issuer crypto.PublicKey) error {
	if issuer == nil {
		return fmt.Errorf("verify certificate: no issuer key")
	}
	if k, ok := issuer.(*rsa.PublicKey); ok && k == nil {
		return fmt.Errorf("verify certificate: no issuer key")
	}
	if k, ok := issuer.(*ecdsa.PublicKey); ok && k == nil {
		return fmt.Errorf("verify certificate: no issuer key")
	}
	if err := verifyBody(issuer, c.Body, c.Signature); err != nil {
		return &SignatureError{Issuer: c.Issuer, Err: err}
	}
	return nil
}

// Build encodes and signs a certificate: signer (an RSA-2048 CA key, named by issuer)
// certifies subjectKey (RSA-2048, e = 65537, named by subject). The result is Len bytes.
func Build(issuer, subject KeyID, subjectKey *rsa.PublicKey, signer *rsa.PrivateKey) ([]byte, error) {
	if signer == nil || signer.Size() != SignatureLen {
		return nil, fmt.Errorf("build certificate: signer must be an RSA-2048 private key")
	}
	body := make([]byte, 0, BodyLen)
	body = append(body, issuer[:]...)
	body = append(body, subject[:]...)
	body, err := AppendPublicKey(body, subjectKey)
	if err != nil {
		return nil, fmt.Errorf("build certificate: subject key: %w", err)
	}
	d := sha256.Sum256(body)
	sig, err := sigcache.SignPKCS1v15(signer, crypto.SHA256, d[:])
	if err != nil {
		return nil, fmt.Errorf("build certificate: sign: %w", err)
	}
	b := apdu.NewBuilder(make([]byte, 0, Len))
	b.AddConstructed(TagCertificate, apdu.LengthLong2, func(b *apdu.Builder) {
		b.AddForm(TagBody, apdu.LengthLong2, body)
		b.AddForm(TagSignature, apdu.LengthLong2, sig)
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("build certificate: %w", err)
	}
	if len(out) != Len {
		return nil, fmt.Errorf("build certificate: %d bytes, want %d", len(out), Len)
	}
	return out, nil
}
