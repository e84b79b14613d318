package layout

import (
	"crypto"
	"crypto/rsa"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna/cvc"
)

// Tags of the other 券面事項確認AP files.
const (
	TagAgeRecord    apdu.Tag = 0xFF10 // EF 0001 template
	TagAgeBirthDate apdu.Tag = 0xDF11 // YYYYMMDD
	TagAgeCardKey   apdu.Tag = 0xDF12 // card public key
	TagAgeSignature apdu.Tag = 0xDF13 // sha256WithRSA over DF11‖DF12

	TagSurfaceAPInfo     apdu.Tag = 0xFF30 // EF 0003 template
	TagSurfaceAPIdent    apdu.Tag = 0xDF31 // 4 bytes, e.g. 06 03 0E 01
	TagSurfaceAPKeyID    apdu.Tag = 0xDF32 // 16-byte key ID
	TagSurfaceAPVersion  apdu.Tag = 0xDF33 // 1 byte
	TagSurfaceAPMunicip  apdu.Tag = 0xDF34 // municipality code, 5 ASCII digits
	TagSurfaceAPRefBlock apdu.Tag = 0xDF35 // 16-byte key ID + 256 opaque bytes

	TagNumberImage     apdu.Tag = 0xFF40 // EF 0005 template
	TagNumberImagePNG  apdu.Tag = 0xDF41 // the 12 digits as printed, PNG
	TagNumberImageKey  apdu.Tag = 0xDF42 // card public key
	TagNumberImageSign apdu.Tag = 0xDF43 // sha256WithRSA over DF41‖DF42
)

// parseSigned decodes a record whose last object is a 256-byte sha256WithRSA signature (or,
// on the provisional next-generation card, a 96-byte ECDSA P-384 one, r‖s over SHA-384) over
// the raw encodings of all the objects before it.
func parseSigned(file File, b []byte, outerTag apdu.Tag, tags ...apdu.Tag) (raw []byte, kids []child, signed []byte, err error) {
	outer, kids, err := parseOuter(file, b, outerTag)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := expectTags(file, outer, kids, tags...); err != nil {
		return nil, nil, nil, err
	}
	last := kids[len(kids)-1]
	if err := checkSigLen(file, last); err != nil {
		return nil, nil, nil, err
	}
	return outer.Raw, kids, concatRaw(kids[:len(kids)-1]...), nil
}

// buildSigned encodes outerTag{ objs…, sigTag 82 01 00 sha256WithRSA(objs) } and pads it; an
// ECDSA P-384 issuer gives sigTag 82 00 60 r‖s over SHA-384(objs) (provisional).
func buildSigned(file File, outerTag apdu.Tag, outerForm apdu.LengthForm, sigTag apdu.Tag, issuer crypto.Signer, size int, objs func(*apdu.Builder)) ([]byte, error) {
	inner := apdu.NewBuilder(nil)
	objs(inner)
	signed, err := inner.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", file, ErrTooLarge, err)
	}
	sig, err := signSHA256(file, issuer, signed)
	if err != nil {
		return nil, err
	}
	b := apdu.NewBuilder(nil)
	b.AddConstructed(outerTag, outerForm, func(b *apdu.Builder) {
		b.AddRaw(signed)
		b.AddForm(sigTag, apdu.LengthLong2, sig)
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", file, ErrTooLarge, err)
	}
	return pad(file, out, size)
}

// signedCoverage is what a verified record signature covers; the scheme follows the key.
func signedCoverage(file File, issuer crypto.PublicKey, covered ...Field) Coverage {
	scheme := SchemeSHA256RSA
	if isEC(issuer) {
		scheme = SchemeSHA384ECDSA
	}
	return Coverage{File: file, Scheme: scheme, Covered: covered}
}

// AgeRecord is a decoded 券面事項確認AP EF 0001 (opened by the 6-digit birth-date key).
// Every field is covered by Signature; verify before trusting. It owns its bytes.
type AgeRecord struct {
	BirthDate string         // DF11, YYYYMMDD
	CardKey   *rsa.PublicKey // DF12
	// CardKeyEC is DF12 in the provisional next-generation form instead of CardKey: the
	// uncompressed P-384 point. PublicCardKey returns whichever is set.
	CardKeyEC []byte
	Signature []byte // DF13: 256 bytes (RSA-2048), 96 (ECDSA P-384 r‖s)
	Raw       []byte // the outer TLV, without filler
	signed    []byte // raw DF11‖DF12 as read
}

// AgeRecordLen is the size of the age record TLV (FF 10 82 02 1E + 542).
const AgeRecordLen = 547

// ParseAgeRecord decodes EF 0001 of 券面事項確認AP strictly: FF10 { DF11 8 digits,
// DF12 card key, DF13 256 bytes }, then only filler.
func ParseAgeRecord(b []byte) (*AgeRecord, error) {
	const file = FileSurfaceAge
	raw, kids, signed, err := parseSigned(file, b, TagAgeRecord, TagAgeBirthDate, TagAgeCardKey, TagAgeSignature)
	if err != nil {
		return nil, err
	}
	if !checkDate(kids[0].Value) {
		return nil, malformed(file, kids[0].off, kids[0].Tag, nil, "birth date is not 8 ASCII digits")
	}
	key, pt, err := parseAnyKey(file, kids[1])
	if err != nil {
		return nil, err
	}
	return &AgeRecord{BirthDate: string(kids[0].Value), CardKey: key, CardKeyEC: pt, Signature: kids[2].Value, Raw: raw, signed: signed}, nil
}

// PublicCardKey returns DF12's key: *ecdsa.PublicKey or *rsa.PublicKey (nil if neither).
func (r *AgeRecord) PublicCardKey() crypto.PublicKey { return publicCardKey(r.CardKey, r.CardKeyEC) }

// Verify checks DF13 (sha256WithRSA over DF11‖DF12 as read) under the issuer key and
// returns what it covers; a mismatch gives a *SignatureError (ErrSignature).
func (r *AgeRecord) Verify(issuer crypto.PublicKey) (Coverage, error) {
	if err := verifySHA256(FileSurfaceAge, issuer, r.signed, r.Signature); err != nil {
		return Coverage{}, err
	}
	return signedCoverage(FileSurfaceAge, issuer, Field{TagAgeBirthDate, "birth date"}, Field{TagAgeCardKey, "card public key"}), nil
}

// BuildAgeRecord encodes and signs EF 0001 of 券面事項確認AP:
// FF 10 82 02 1E { DF11 08 date, DF12 82 01 09 key, DF13 82 01 00 signature } (RSA-2048); the
// card key may be the provisional next-generation card's P-384 key (DF12 82 00 63, an issuer
// of that algorithm).
func BuildAgeRecord(birthDate string, cardKey crypto.PublicKey, issuer crypto.Signer, size int) ([]byte, error) {
	const file = FileSurfaceAge
	if !checkDate([]byte(birthDate)) {
		return nil, invalid(file, TagAgeBirthDate, "birth date is not 8 ASCII digits")
	}
	key, err := encodePublicCardKey(file, TagAgeCardKey, cardKey)
	if err != nil {
		return nil, err
	}
	return buildSigned(file, TagAgeRecord, apdu.LengthLong2, TagAgeSignature, issuer, size, func(b *apdu.Builder) {
		b.Add(TagAgeBirthDate, []byte(birthDate))
		b.AddForm(TagAgeCardKey, apdu.LengthLong2, key)
	})
}

// MyNumberImage is a decoded 券面事項確認AP EF 0005 (opened by check code A only).
// Every field is covered by Signature; verify before trusting. It owns its bytes.
type MyNumberImage struct {
	NumberPNG []byte         // DF41, the 12 digits as printed (72×12, 1-bit)
	CardKey   *rsa.PublicKey // DF42
	// CardKeyEC is DF42 in the provisional next-generation form instead of CardKey: the
	// uncompressed P-384 point. PublicCardKey returns whichever is set.
	CardKeyEC []byte
	Signature []byte // DF43: 256 bytes (RSA-2048), 96 (ECDSA P-384 r‖s)
	Raw       []byte // the outer TLV, without filler
	signed    []byte
}

// ParseMyNumberImage decodes EF 0005 of 券面事項確認AP strictly: FF40 { DF41 PNG,
// DF42 card key, DF43 256 bytes }, then only filler.
func ParseMyNumberImage(b []byte) (*MyNumberImage, error) {
	const file = FileSurfaceNumberImage
	raw, kids, signed, err := parseSigned(file, b, TagNumberImage, TagNumberImagePNG, TagNumberImageKey, TagNumberImageSign)
	if err != nil {
		return nil, err
	}
	if !IsPNG(kids[0].Value) {
		return nil, malformed(file, kids[0].off, kids[0].Tag, nil, "number image is not a PNG")
	}
	key, pt, err := parseAnyKey(file, kids[1])
	if err != nil {
		return nil, err
	}
	return &MyNumberImage{NumberPNG: kids[0].Value, CardKey: key, CardKeyEC: pt, Signature: kids[2].Value, Raw: raw, signed: signed}, nil
}

// PublicCardKey returns DF42's key: *ecdsa.PublicKey or *rsa.PublicKey (nil if neither).
func (r *MyNumberImage) PublicCardKey() crypto.PublicKey {
	return publicCardKey(r.CardKey, r.CardKeyEC)
}

// Verify checks DF43 (sha256WithRSA over DF41‖DF42 as read) under the issuer key and
// returns what it covers; a mismatch gives a *SignatureError (ErrSignature).
func (r *MyNumberImage) Verify(issuer crypto.PublicKey) (Coverage, error) {
	if err := verifySHA256(FileSurfaceNumberImage, issuer, r.signed, r.Signature); err != nil {
		return Coverage{}, err
	}
	return signedCoverage(FileSurfaceNumberImage, issuer, Field{TagNumberImagePNG, "My Number image"}, Field{TagNumberImageKey, "card public key"}), nil
}

// BuildMyNumberImage encodes and signs EF 0005 of 券面事項確認AP:
// FF 40 82 hh ll { DF41 <PNG, minimal length>, DF42 82 01 09 key, DF43 82 01 00 signature }
// (RSA-2048); the card key may be the provisional next-generation card's P-384 key, as in
// BuildAgeRecord.
func BuildMyNumberImage(numberPNG []byte, cardKey crypto.PublicKey, issuer crypto.Signer, size int) ([]byte, error) {
	const file = FileSurfaceNumberImage
	if !IsPNG(numberPNG) {
		return nil, invalid(file, TagNumberImagePNG, "number image is not a PNG")
	}
	key, err := encodePublicCardKey(file, TagNumberImageKey, cardKey)
	if err != nil {
		return nil, err
	}
	return buildSigned(file, TagNumberImage, apdu.LengthLong2, TagNumberImageSign, issuer, size, func(b *apdu.Builder) {
		b.Add(TagNumberImagePNG, numberPNG)
		b.AddForm(TagNumberImageKey, apdu.LengthLong2, key)
	})
}

// SurfaceAPInfo is 券面事項確認AP EF 0003 (AP basic information, free to read,
// not signed).
type SurfaceAPInfo struct {
	Ident        [4]byte   // DF31, e.g. 06 03 0E 01
	KeyID        cvc.KeyID // DF32 (not the key EF 0004 certifies)
	Version      byte      // DF33
	Municipality string    // DF34, 5 ASCII digits (全国地方公共団体コード)
	RefKeyID     cvc.KeyID // DF35 bytes 0–15
	RefData      []byte    // DF35 bytes 16–271: 256 opaque bytes
}

// ParseSurfaceAPInfo decodes EF 0003 of 券面事項確認AP strictly: FF30 { DF31 4, DF32 16,
// DF33 1, DF34 5 digits, DF35 272 }, then only filler.
func ParseSurfaceAPInfo(b []byte) (*SurfaceAPInfo, error) {
	const file = FileSurfaceAPInfo
	outer, kids, err := parseOuter(file, b, TagSurfaceAPInfo)
	if err != nil {
		return nil, err
	}
	if err := expectTags(file, outer, kids, TagSurfaceAPIdent, TagSurfaceAPKeyID, TagSurfaceAPVersion, TagSurfaceAPMunicip, TagSurfaceAPRefBlock); err != nil {
		return nil, err
	}
	for i, n := range []int{4, cvc.KeyIDLen, 1, 5, cvc.KeyIDLen + 256} {
		if err := checkLen(file, kids[i], n); err != nil {
			return nil, err
		}
	}
	if !isDigits(kids[3].Value) {
		return nil, malformed(file, kids[3].off, kids[3].Tag, nil, "municipality code is not 5 ASCII digits")
	}
	info := &SurfaceAPInfo{Version: kids[2].Value[0], Municipality: string(kids[3].Value)}
	copy(info.Ident[:], kids[0].Value)
	copy(info.KeyID[:], kids[1].Value)
	copy(info.RefKeyID[:], kids[4].Value)
	info.RefData = kids[4].Value[cvc.KeyIDLen:]
	return info, nil
}

// BuildSurfaceAPInfo encodes EF 0003 of 券面事項確認AP:
// FF 30 82 01 3B { DF31 04, DF32 10, DF33 01, DF34 05, DF35 82 01 10 }.
func BuildSurfaceAPInfo(v SurfaceAPInfo, size int) ([]byte, error) {
	const file = FileSurfaceAPInfo
	if len(v.Municipality) != 5 || !isDigits([]byte(v.Municipality)) {
		return nil, invalid(file, TagSurfaceAPMunicip, "municipality code is not 5 ASCII digits")
	}
	if len(v.RefData) != 256 {
		return nil, invalid(file, TagSurfaceAPRefBlock, "reference data of %d bytes, want 256", len(v.RefData))
	}
	b := apdu.NewBuilder(nil)
	b.AddConstructed(TagSurfaceAPInfo, apdu.LengthLong2, func(b *apdu.Builder) {
		b.Add(TagSurfaceAPIdent, v.Ident[:])
		b.Add(TagSurfaceAPKeyID, v.KeyID[:])
		b.Add(TagSurfaceAPVersion, []byte{v.Version})
		b.Add(TagSurfaceAPMunicip, []byte(v.Municipality))
		b.AddForm(TagSurfaceAPRefBlock, apdu.LengthLong2, cat(v.RefKeyID[:], v.RefData))
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return pad(file, out, size)
}

// Opaque16Len is the size of the two files of unknown purpose (券面事項確認AP EF 0006,
// 券面事項入力補助AP EF 0008), observed as 16×FF.
const Opaque16Len = 16

// BuildOpaque16 returns the observed content of those files: 16 bytes of FF.
func BuildOpaque16() []byte {
	b := make([]byte, Opaque16Len)
	for i := range b {
		b[i] = Filler
	}
	return b
}

// ParseOpaque16 accepts exactly 16 bytes of any value (their meaning is unknown) and
// returns them.
func ParseOpaque16(file File, b []byte) ([Opaque16Len]byte, error) {
	var out [Opaque16Len]byte
	if len(b) != Opaque16Len {
		return out, malformed(file, 0, 0, nil, "%d bytes, want %d", len(b), Opaque16Len)
	}
	copy(out[:], b)
	return out, nil
}
