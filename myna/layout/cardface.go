package layout

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna/cvc"
)

// Tags of the card face, 券面事項確認AP EF 0002.
const (
	TagCardFace         apdu.Tag = 0xFF20 // the outer template
	TagFaceOffsets      apdu.Tag = 0xDF21 // 9 u16 BE offsets from the first byte of the file to DF22…DF2A
	TagFaceBirthDate    apdu.Tag = 0xDF22 // YYYYMMDD, ASCII, Gregorian (signed, group 1)
	TagFaceSex          apdu.Tag = 0xDF23 // one ASCII digit, JIS X 0303 (signed, group 1)
	TagFaceCardKey      apdu.Tag = 0xDF24 // card public key, 90/91 form (signed, group 1)
	TagFaceName         apdu.Tag = 0xDF25 // name as printed, PNG (signed, group 2)
	TagFaceAddress      apdu.Tag = 0xDF26 // address as printed, PNG (signed, group 2)
	TagFacePhoto        apdu.Tag = 0xDF27 // face photo, JPEG 2000 in a JP2 container (signed, group 3)
	TagFaceSignature    apdu.Tag = 0xDF28 // RSA-2048 signature over the three groups (ECDSA P-384 r‖s, provisional, on the next-generation card)
	TagFaceExpiry       apdu.Tag = 0xDF29 // expiry YYYYMMDD, ASCII — NOT signed
	TagFaceSecurityCode apdu.Tag = 0xDF2A // security code as printed, PNG — NOT signed
)

// cardFaceDigestInfoPrefix is the DER DigestInfo header for three concatenated
// SHA-256 digests: SEQUENCE(0x71) { AlgorithmIdentifier sha256 NULL, OCTET STRING(0x60) }.
var cardFaceDigestInfoPrefix = []byte{
	0x30, 0x71, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x60,
}

// CardFaceSigned holds the card-face fields that DF28 covers. They are authentic only
// once CardFace.Verify has returned nil under a key from a validated certificate.
type CardFaceSigned struct {
	BirthDate string         // DF22, YYYYMMDD
	Sex       byte           // DF23, ASCII '0', '1', '2' or '9'
	CardKey   *rsa.PublicKey // DF24, the card's own key (it signs challenges)
	// CardKeyEC is DF24 in the provisional next-generation form instead of CardKey: the
	// uncompressed P-384 point 04‖X‖Y (cvc.TagECPoint). PublicCardKey returns whichever is set.
	CardKeyEC  []byte
	NamePNG    []byte // DF25
	AddressPNG []byte // DF26
	PhotoJP2   []byte // DF27
}

// CardFaceUnsigned holds the card-face fields that follow the signature and are NOT
// covered by it: a reader must never present them as authenticated.
type CardFaceUnsigned struct {
	Expiry          string // DF29, YYYYMMDD
	SecurityCodePNG []byte // DF2A
}

// CardFace is a decoded 券面事項確認AP EF 0002. It owns its bytes (a copy of the input).
type CardFace struct {
	Signed    CardFaceSigned   // covered by Signature (verify before trusting)
	Unsigned  CardFaceUnsigned // never covered by any signature
	Signature []byte           // DF28, 256 bytes (96, r‖s, when ECDSA P-384)
	Offsets   [9]uint16        // DF21 as read (checked against the tag positions)
	Raw       []byte           // the outer TLV, without filler
	groups    [3][]byte        // raw DF22‖DF23‖DF24, DF25‖DF26, DF27 as read
}

var cardFaceTags = []apdu.Tag{
	TagFaceOffsets, TagFaceBirthDate, TagFaceSex, TagFaceCardKey, TagFaceName, TagFaceAddress,
	TagFacePhoto, TagFaceSignature, TagFaceExpiry, TagFaceSecurityCode,
}

// CardFaceCoverage is what a valid DF28 signature vouches for.
func CardFaceCoverage() Coverage {
	return Coverage{
		File:   FileSurfaceCardFace,
		Scheme: SchemeThreeDigest,
		Covered: []Field{
			{TagFaceBirthDate, "birth date"}, {TagFaceSex, "sex"}, {TagFaceCardKey, "card public key"},
			{TagFaceName, "name image"}, {TagFaceAddress, "address image"}, {TagFacePhoto, "face photo"},
		},
		NotCovered: []Field{{TagFaceOffsets, "offset table"}, {TagFaceExpiry, "expiry date"}, {TagFaceSecurityCode, "security code image"}},
		Note:       "the expiry date and the security code are not authenticated",
	}
}

// ParseCardFace decodes EF 0002 of 券面事項確認AP strictly: FF20 holding exactly
// DF21…DF2A in order, each value of its form, DF21's nine offsets equal to the tag
// positions (else *OffsetError), and only filler after the TLV. Any length encoding is
// accepted. The signature is not checked: call Verify.
func ParseCardFace(b []byte) (*CardFace, error) {
	const file = FileSurfaceCardFace
	outer, kids, err := parseOuter(file, b, TagCardFace)
	if err != nil {
		return nil, err
	}
	if err := expectTags(file, outer, kids, cardFaceTags...); err != nil {
		return nil, err
	}
	if err := checkLen(file, kids[0], 18); err != nil {
		return nil, err
	}
	f := &CardFace{Raw: outer.Raw}
	for i := range f.Offsets {
		f.Offsets[i] = binary.BigEndian.Uint16(kids[0].Value[2*i:])
		if k := kids[i+1]; int(f.Offsets[i]) != k.off {
			return nil, &OffsetError{File: file, Index: i, Tag: k.Tag, Declared: int(f.Offsets[i]), Actual: k.off}
		}
	}
	dob, sex, key, name, addr, photo, sig, exp, sec := kids[1], kids[2], kids[3], kids[4], kids[5], kids[6], kids[7], kids[8], kids[9]
	switch {
	case !checkDate(dob.Value):
		return nil, malformed(file, dob.off, dob.Tag, nil, "birth date is not 8 ASCII digits")
	case !checkSex(sex.Value):
		return nil, malformed(file, sex.off, sex.Tag, nil, "sex is not one ASCII digit 0, 1, 2 or 9")
	case !IsPNG(name.Value):
		return nil, malformed(file, name.off, name.Tag, nil, "name image is not a PNG")
	case !IsPNG(addr.Value):
		return nil, malformed(file, addr.off, addr.Tag, nil, "address image is not a PNG")
	case !IsJP2(photo.Value):
		return nil, malformed(file, photo.off, photo.Tag, nil, "photo is not a JPEG 2000 JP2 file")
	case len(sig.Value) != sigLen && len(sig.Value) != ecSigLen:
		return nil, malformed(file, sig.off, sig.Tag, nil, "signature of %d bytes, want %d (RSA-2048) or %d (ECDSA P-384 r‖s)", len(sig.Value), sigLen, ecSigLen)
	case !checkDate(exp.Value):
		return nil, malformed(file, exp.off, exp.Tag, nil, "expiry is not 8 ASCII digits")
	case !IsPNG(sec.Value):
		return nil, malformed(file, sec.off, sec.Tag, nil, "security code image is not a PNG")
	}
	if f.Signed.CardKey, f.Signed.CardKeyEC, err = parseAnyKey(file, key); err != nil {
		return nil, err
	}
	f.Signed.BirthDate = string(dob.Value)
	f.Signed.Sex = sex.Value[0]
	f.Signed.NamePNG, f.Signed.AddressPNG, f.Signed.PhotoJP2 = name.Value, addr.Value, photo.Value
	f.Unsigned = CardFaceUnsigned{Expiry: string(exp.Value), SecurityCodePNG: sec.Value}
	f.Signature = sig.Value
	f.groups = [3][]byte{concatRaw(dob, sex, key), concatRaw(name, addr), concatRaw(photo)}
	return f, nil
}

// Verify checks DF28 under the issuer key (the subject key of this AP's EF 0004
// certificate) by the three-digest rule, in the algorithm of that key: RSA-2048 PKCS#1 v1.5
// (SchemeThreeDigest) for an *rsa.PublicKey, ECDSA P-384 r‖s (SchemeThreeDigestECDSA,
// provisional) for an *ecdsa.PublicKey. It returns what the signature covers. A mismatch gives
// a *SignatureError (ErrSignature). Success authenticates f.Signed only, never f.Unsigned.
func (f *CardFace) Verify(issuer crypto.PublicKey) (Coverage, error) {
	const file = FileSurfaceCardFace
	switch k := issuer.(type) {
	case *rsa.PublicKey:
		if k == nil {
			break
		}
		if err := verifyRaw(file, k, cardFaceDigestInfo(f.groups), f.Signature); err != nil {
			return Coverage{}, err
		}
		return CardFaceCoverage(), nil
	case *ecdsa.PublicKey:
		if k == nil {
			break
		}
		if err := cvc.VerifyECDSA(k, cardFaceDigestEC(f.groups), f.Signature); err != nil {
			return Coverage{}, &SignatureError{File: file, Err: err}
		}
		c := CardFaceCoverage()
		c.Scheme = SchemeThreeDigestECDSA
		return c, nil
	default:
		if issuer != nil {
			return Coverage{}, fmt.Errorf("%s: verify: issuer key %T is neither RSA nor ECDSA", file, issuer)
		}
	}
	return Coverage{}, fmt.Errorf("%s: verify: no issuer key", file)
}

// cardFaceDigestEC is what an ECDSA P-384 DF28 signs (provisional, invented): SHA-384 over the
// three groups' SHA-384 digests.
func cardFaceDigestEC(groups [3][]byte) []byte {
	h := sha512.New384()
	for _, g := range groups {
		d := sha512.Sum384(g)
		h.Write(d[:])
	}
	return h.Sum(nil)
}

// signCardFace signs the three groups in the algorithm of issuer (checked by checkSigner).
func signCardFace(file File, issuer crypto.Signer, groups [3][]byte) ([]byte, error) {
	if ek, ok := issuer.(*ecdsa.PrivateKey); ok {
		sig, err := cvc.SignECDSA(ek, cardFaceDigestEC(groups))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return sig, nil
	}
	return signRaw(file, issuer.(*rsa.PrivateKey), cardFaceDigestInfo(groups))
}

func cardFaceDigestInfo(groups [3][]byte) []byte {
	di := bytes.Clone(cardFaceDigestInfoPrefix)
	for _, g := range groups {
		d := sha256.Sum256(g)
		di = append(di, d[:]...)
	}
	return di
}

// cardFaceForms are the length encodings BuildCardFace writes (tests vary them).
type cardFaceForms struct {
	outer, offsets, dob, sex, key, name, addr, photo, sig, exp, sec apdu.LengthForm
}

// defaultCardFaceForms: 82 hh ll for the outer TLV, DF24 and DF28 as on the card;
// minimal for everything else (the images get 81 xx from 128 bytes, 82 hh ll from 256).
var defaultCardFaceForms = cardFaceForms{outer: apdu.LengthLong2, key: apdu.LengthLong2, sig: apdu.LengthLong2}

// BuildCardFace encodes and signs EF 0002 of 券面事項確認AP. issuer is the AP's issuer
// key (certified in EF 0004): RSA-2048 today, ECDSA P-384 on the provisional next-generation
// card (DF28 then r‖s, 96 bytes); size is the physical file size (0: no filler), the rest
// being FF.
func BuildCardFace(s CardFaceSigned, u CardFaceUnsigned, issuer crypto.Signer, size int) ([]byte, error) {
	return buildCardFace(s, u, issuer, size, defaultCardFaceForms)
}

func buildCardFace(s CardFaceSigned, u CardFaceUnsigned, issuer crypto.Signer, size int, forms cardFaceForms) ([]byte, error) {
	const file = FileSurfaceCardFace
	switch {
	case !checkDate([]byte(s.BirthDate)):
		return nil, invalid(file, TagFaceBirthDate, "birth date is not 8 ASCII digits")
	case !checkSex([]byte{s.Sex}):
		return nil, invalid(file, TagFaceSex, "sex is not one ASCII digit 0, 1, 2 or 9")
	case !IsPNG(s.NamePNG):
		return nil, invalid(file, TagFaceName, "name image is not a PNG")
	case !IsPNG(s.AddressPNG):
		return nil, invalid(file, TagFaceAddress, "address image is not a PNG")
	case !IsJP2(s.PhotoJP2):
		return nil, invalid(file, TagFacePhoto, "photo is not a JPEG 2000 JP2 file")
	case !checkDate([]byte(u.Expiry)):
		return nil, invalid(file, TagFaceExpiry, "expiry is not 8 ASCII digits")
	case !IsPNG(u.SecurityCodePNG):
		return nil, invalid(file, TagFaceSecurityCode, "security code image is not a PNG")
	}
	if err := checkSigner(file, issuer); err != nil {
		return nil, err
	}
	key, err := encodeAnyKey(file, TagFaceCardKey, s.CardKey, s.CardKeyEC)
	if err != nil {
		return nil, err
	}
	tlv := func(tag apdu.Tag, form apdu.LengthForm, v []byte) ([]byte, error) {
		b := apdu.NewBuilder(nil)
		b.AddForm(tag, form, v)
		out, err := b.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w: %w", file, tag, ErrTooLarge, err)
		}
		return out, nil
	}
	// Encode DF22…DF2A first: the offsets and the signature depend on their bytes.
	var objs [9][]byte
	var sig []byte
	for i, o := range []struct {
		tag  apdu.Tag
		form apdu.LengthForm
		v    []byte
	}{
		{TagFaceBirthDate, forms.dob, []byte(s.BirthDate)},
		{TagFaceSex, forms.sex, []byte{s.Sex}},
		{TagFaceCardKey, forms.key, key},
		{TagFaceName, forms.name, s.NamePNG},
		{TagFaceAddress, forms.addr, s.AddressPNG},
		{TagFacePhoto, forms.photo, s.PhotoJP2},
		{TagFaceSignature, forms.sig, nil}, // placeholder, signed below
		{TagFaceExpiry, forms.exp, []byte(u.Expiry)},
		{TagFaceSecurityCode, forms.sec, u.SecurityCodePNG},
	} {
		if o.tag == TagFaceSignature {
			groups := [3][]byte{cat(objs[0], objs[1], objs[2]), cat(objs[3], objs[4]), objs[5]}
			if sig, err = signCardFace(file, issuer, groups); err != nil {
				return nil, err
			}
			o.v = sig
		}
		if objs[i], err = tlv(o.tag, o.form, o.v); err != nil {
			return nil, err
		}
	}
	body := 0
	for _, o := range objs {
		body += len(o)
	}
	offsetsTLV, err := tlv(TagFaceOffsets, forms.offsets, make([]byte, 18))
	if err != nil {
		return nil, err
	}
	body += len(offsetsTLV)
	outerHdr, err := apdu.AppendLength(TagCardFace.Append(nil), body, forms.outer)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", file, ErrTooLarge, err)
	}
	pos := len(outerHdr) + len(offsetsTLV)
	offsets := offsetsTLV[len(offsetsTLV)-18:]
	for i, o := range objs {
		if pos > 0xFFFF {
			return nil, fmt.Errorf("%s: %s would start at byte %d, beyond a u16 offset: %w", file, cardFaceTags[i+1], pos, ErrTooLarge)
		}
		binary.BigEndian.PutUint16(offsets[2*i:], uint16(pos))
		pos += len(o)
	}
	out := cat(outerHdr, offsetsTLV)
	for _, o := range objs {
		out = append(out, o...)
	}
	return pad(file, out, size)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
