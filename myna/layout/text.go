package layout

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna/cvc"
)

// Tags of the 券面事項入力補助AP files.
const (
	TagMyNumber apdu.Tag = 0xFF10 // EF 0001: the 12 ASCII digits

	TagBasicFour          apdu.Tag = 0xFF20 // EF 0002 template
	TagBasicFourOffsets   apdu.Tag = 0xDF21 // 4 u16 BE offsets from the first byte of the file to DF22…DF25
	TagBasicFourName      apdu.Tag = 0xDF22 // name, UTF-8
	TagBasicFourAddress   apdu.Tag = 0xDF23 // address, UTF-8
	TagBasicFourBirthDate apdu.Tag = 0xDF24 // YYYYMMDD
	TagBasicFourSex       apdu.Tag = 0xDF25 // one ASCII digit

	TagIntegrity          apdu.Tag = 0xFF30 // EF 0003 template
	TagIntegrityMyNumber  apdu.Tag = 0xDF31 // SHA-256 of the whole physical EF 0001
	TagIntegrityBasicFour apdu.Tag = 0xDF32 // SHA-256 of EF 0002 from the DF22 tag to the end of FF20
	TagIntegritySignature apdu.Tag = 0xDF33 // sha256WithRSA over DF31‖DF32

	TagTextAPInfo   apdu.Tag = 0xFF40 // EF 0005 template
	TagTextAPIdent  apdu.Tag = 0xDF41 // 4 bytes, e.g. 01 03 0E 01
	TagTextAPKeyID  apdu.Tag = 0xDF42 // 16-byte key ID
	TagTextAPOpaque apdu.Tag = 0xDF43 // 128 bytes: 32 B + 96×FF on surveyed cards

	TagSessionKey apdu.Tag = 0xA1 // EF 0006: { 90 exponent, 91 modulus }

	TagSignedCardKey    apdu.Tag = 0xFF50 // EF 0007 template
	TagSignedCardKeyKey apdu.Tag = 0xDF51 // card public key
	TagSignedCardKeySig apdu.Tag = 0xDF52 // sha256WithRSA over DF51
)

// MyNumberFileLen is the physical size of the text AP's EF 0001: FF 10 0C, 12 digits, FF FF.
const MyNumberFileLen = 17

// BuildMyNumberFile encodes the text AP's EF 0001 as its 17 physical bytes.
func BuildMyNumberFile(number string) ([]byte, error) {
	const file = FileTextMyNumber
	if len(number) != 12 || !isDigits([]byte(number)) {
		return nil, invalid(file, TagMyNumber, "the individual number is not 12 ASCII digits")
	}
	return pad(file, apdu.AppendTLV(nil, TagMyNumber, []byte(number)), MyNumberFileLen)
}

// ParseMyNumberFile decodes the text AP's EF 0001 (FF10 holding 12 ASCII digits, any
// length encoding, then only filler) and returns the digits.
func ParseMyNumberFile(b []byte) (string, error) {
	const file = FileTextMyNumber
	if err := checkSize(file, b); err != nil {
		return "", err
	}
	t, rest, err := apdu.ParseTLV(b)
	switch {
	case err != nil:
		return "", malformed(file, 0, 0, err, "TLV")
	case t.Tag != TagMyNumber:
		return "", malformed(file, 0, t.Tag, nil, "tag is %s, want %s", t.Tag, TagMyNumber)
	case !apdu.IsFiller(rest):
		return "", malformed(file, len(t.Raw), 0, nil, "%d bytes after the object are not filler", len(rest))
	case len(t.Value) != 12 || !isDigits(t.Value):
		return "", malformed(file, t.HeaderLen(), t.Tag, nil, "value is not 12 ASCII digits")
	}
	return string(t.Value), nil
}

// BasicFour is the content of the text AP's EF 0002 (基本4情報).
type BasicFour struct {
	Name      string // DF22, UTF-8; family and given name separated by U+3000
	Address   string // DF23, UTF-8
	BirthDate string // DF24, YYYYMMDD, Gregorian
	Sex       byte   // DF25, ASCII '0', '1', '2' or '9'
}

// BasicFourFile is a decoded text AP EF 0002. It owns its bytes.
type BasicFourFile struct {
	BasicFour
	Offsets [4]uint16 // DF21 as read (checked against the tag positions)
	Raw     []byte    // the outer TLV, without filler
	hashed  []byte    // from the DF22 tag to the end of the outer TLV
}

// DigestSource returns the bytes that the integrity record's DF32 is the SHA-256 of:
// EF 0002 from the DF22 tag to the end of the outer TLV (outer header and DF21 skipped).
func (f *BasicFourFile) DigestSource() []byte { return bytes.Clone(f.hashed) }

// ParseBasicFour decodes the text AP's EF 0002 strictly: FF20 (outer length in any
// form: 1 byte, 81 xx or 82 xx xx) holding exactly DF21…DF25, DF21's four offsets
// equal to the tag positions (else *OffsetError), then only filler.
func ParseBasicFour(b []byte) (*BasicFourFile, error) {
	const file = FileTextBasicFour
	outer, kids, err := parseOuter(file, b, TagBasicFour)
	if err != nil {
		return nil, err
	}
	if err := expectTags(file, outer, kids, TagBasicFourOffsets, TagBasicFourName, TagBasicFourAddress, TagBasicFourBirthDate, TagBasicFourSex); err != nil {
		return nil, err
	}
	if err := checkLen(file, kids[0], 8); err != nil {
		return nil, err
	}
	f := &BasicFourFile{Raw: outer.Raw}
	for i := range f.Offsets {
		f.Offsets[i] = binary.BigEndian.Uint16(kids[0].Value[2*i:])
		if k := kids[i+1]; int(f.Offsets[i]) != k.off {
			return nil, &OffsetError{File: file, Index: i, Tag: k.Tag, Declared: int(f.Offsets[i]), Actual: k.off}
		}
	}
	name, addr, dob, sex := kids[1], kids[2], kids[3], kids[4]
	switch {
	case !checkText(name.Value):
		return nil, malformed(file, name.off, name.Tag, nil, "name is empty or not UTF-8")
	case !checkText(addr.Value):
		return nil, malformed(file, addr.off, addr.Tag, nil, "address is empty or not UTF-8")
	case !checkDate(dob.Value):
		return nil, malformed(file, dob.off, dob.Tag, nil, "birth date is not 8 ASCII digits")
	case !checkSex(sex.Value):
		return nil, malformed(file, sex.off, sex.Tag, nil, "sex is not one ASCII digit 0, 1, 2 or 9")
	}
	f.BasicFour = BasicFour{Name: string(name.Value), Address: string(addr.Value), BirthDate: string(dob.Value), Sex: sex.Value[0]}
	f.hashed = outer.Raw[name.off:]
	return f, nil
}

// BuildBasicFour encodes the text AP's EF 0002 with minimal lengths (the outer length
// is 1 byte below 128, as on the card) and DF21 filled in; size as for BuildCardFace.
func BuildBasicFour(v BasicFour, size int) ([]byte, error) {
	return buildBasicFour(v, size, apdu.LengthMinimal)
}

func buildBasicFour(v BasicFour, size int, outerForm apdu.LengthForm) ([]byte, error) {
	const file = FileTextBasicFour
	switch {
	case !checkText([]byte(v.Name)):
		return nil, invalid(file, TagBasicFourName, "name is empty or not UTF-8")
	case !checkText([]byte(v.Address)):
		return nil, invalid(file, TagBasicFourAddress, "address is empty or not UTF-8")
	case !checkDate([]byte(v.BirthDate)):
		return nil, invalid(file, TagBasicFourBirthDate, "birth date is not 8 ASCII digits")
	case !checkSex([]byte{v.Sex}):
		return nil, invalid(file, TagBasicFourSex, "sex is not one ASCII digit 0, 1, 2 or 9")
	}
	objs := []apdu.TLV{}
	for _, o := range []struct {
		tag apdu.Tag
		v   []byte
	}{
		{TagBasicFourName, []byte(v.Name)},
		{TagBasicFourAddress, []byte(v.Address)},
		{TagBasicFourBirthDate, []byte(v.BirthDate)},
		{TagBasicFourSex, []byte{v.Sex}},
	} {
		raw := apdu.AppendTLV(nil, o.tag, o.v)
		objs = append(objs, apdu.TLV{Tag: o.tag, Raw: raw})
	}
	offsetsLen := 3 + 8
	body := offsetsLen
	for _, o := range objs {
		body += len(o.Raw)
	}
	hdr, err := apdu.AppendLength(TagBasicFour.Append(nil), body, outerForm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", file, ErrTooLarge, err)
	}
	offsets := make([]byte, 8)
	pos := len(hdr) + offsetsLen
	for i, o := range objs {
		if pos > 0xFFFF {
			return nil, fmt.Errorf("%s: %s beyond a u16 offset: %w", file, o.Tag, ErrTooLarge)
		}
		binary.BigEndian.PutUint16(offsets[2*i:], uint16(pos))
		pos += len(o.Raw)
	}
	out := apdu.AppendTLV(hdr, TagBasicFourOffsets, offsets)
	for _, o := range objs {
		out = append(out, o.Raw...)
	}
	return pad(file, out, size)
}

// Integrity is a decoded text AP EF 0003 (336 bytes). It owns its bytes.
type Integrity struct {
	MyNumberDigest  [32]byte // DF31: SHA-256 of the whole physical EF 0001 (17 bytes)
	BasicFourDigest [32]byte // DF32: SHA-256 of BasicFourFile.DigestSource
	Signature       []byte   // DF33, 256 bytes
	Raw             []byte   // the outer TLV, without filler
	signed          []byte   // raw DF31‖DF32 as read (70 bytes with short lengths)
}

// IntegrityLen is the size of the integrity record TLV (FF 30 82 01 4B + 331).
const IntegrityLen = 336

// ParseIntegrity decodes the text AP's EF 0003 strictly: FF30 { DF31 32 bytes, DF32
// 32 bytes, DF33 256 bytes }, then only filler. Call Verify, then CheckMyNumberFile and
// CheckBasicFour.
func ParseIntegrity(b []byte) (*Integrity, error) {
	const file = FileTextIntegrity
	raw, kids, signed, err := parseSigned(file, b, TagIntegrity, TagIntegrityMyNumber, TagIntegrityBasicFour, TagIntegritySignature)
	if err != nil {
		return nil, err
	}
	for _, k := range kids[:2] {
		if err := checkLen(file, k, sha256.Size); err != nil {
			return nil, err
		}
	}
	r := &Integrity{Signature: kids[2].Value, Raw: raw, signed: signed}
	copy(r.MyNumberDigest[:], kids[0].Value)
	copy(r.BasicFourDigest[:], kids[1].Value)
	return r, nil
}

// Verify checks DF33 (sha256WithRSA over DF31‖DF32 as read) under the issuer key and
// returns what it covers; a mismatch gives a *SignatureError (ErrSignature). The
// digests still have to be compared with the files (CheckMyNumberFile, CheckBasicFour).
func (r *Integrity) Verify(issuer crypto.PublicKey) (Coverage, error) {
	if err := verifySHA256(FileTextIntegrity, issuer, r.signed, r.Signature); err != nil {
		return Coverage{}, err
	}
	c := signedCoverage(FileTextIntegrity, issuer, Field{TagIntegrityMyNumber, "digest of EF 0001"}, Field{TagIntegrityBasicFour, "digest of EF 0002"})
	c.Note = "EF 0001 and EF 0002 are authenticated only once their digests match (CheckMyNumberFile, CheckBasicFour)"
	return c, nil
}

// CheckMyNumberFile compares DF31 with SHA-256 of physical, which must be the whole
// physical EF 0001 (17 bytes, filler included). A mismatch gives a *DigestError.
func (r *Integrity) CheckMyNumberFile(physical []byte) error {
	d := sha256.Sum256(physical)
	if subtle.ConstantTimeCompare(d[:], r.MyNumberDigest[:]) != 1 {
		return &DigestError{Tag: TagIntegrityMyNumber, Covered: FileTextMyNumber}
	}
	return nil
}

// CheckBasicFour compares DF32 with SHA-256 of f.DigestSource(). A mismatch gives a
// *DigestError.
func (r *Integrity) CheckBasicFour(f *BasicFourFile) error {
	d := sha256.Sum256(f.hashed)
	if subtle.ConstantTimeCompare(d[:], r.BasicFourDigest[:]) != 1 {
		return &DigestError{Tag: TagIntegrityBasicFour, Covered: FileTextBasicFour}
	}
	return nil
}

// BuildIntegrity encodes and signs the text AP's EF 0003 for the given physical EF 0001
// and EF 0002 files: FF 30 82 01 4B { DF31 20, DF32 20, DF33 82 01 00 }.
func BuildIntegrity(myNumberFile, basicFourFile []byte, issuer crypto.Signer, size int) ([]byte, error) {
	const file = FileTextIntegrity
	if _, err := ParseMyNumberFile(myNumberFile); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	bf, err := ParseBasicFour(basicFourFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	d1 := sha256.Sum256(myNumberFile)
	d2 := sha256.Sum256(bf.hashed)
	return buildSigned(file, TagIntegrity, apdu.LengthLong2, TagIntegritySignature, issuer, size, func(b *apdu.Builder) {
		b.Add(TagIntegrityMyNumber, d1[:])
		b.Add(TagIntegrityBasicFour, d2[:])
	})
}

// TextAPInfo is the text AP's EF 0005 (AP basic information, free to read, not signed).
type TextAPInfo struct {
	Ident  [4]byte   // DF41: spec version, extended Lc/Le support, vendor ID, vendor byte (e.g. 01 03 0E 01)
	KeyID  cvc.KeyID // DF42 (not the key EF 0004 certifies)
	Opaque []byte    // DF43, 128 bytes of unknown meaning (32 B then 96×FF on surveyed cards)
}

// TextAPInfoMinSize is the smallest physical size of the text AP's EF 0005 (readers
// read 256 bytes).
const TextAPInfoMinSize = 256

// TextAPOpaqueLen is the size of DF43.
const TextAPOpaqueLen = 128

// ParseTextAPInfo decodes the text AP's EF 0005 strictly: FF40 { DF41 4, DF42 16,
// DF43 128 } in any length encoding, then only filler.
func ParseTextAPInfo(b []byte) (*TextAPInfo, error) {
	const file = FileTextAPInfo
	outer, kids, err := parseOuter(file, b, TagTextAPInfo)
	if err != nil {
		return nil, err
	}
	if err := expectTags(file, outer, kids, TagTextAPIdent, TagTextAPKeyID, TagTextAPOpaque); err != nil {
		return nil, err
	}
	for i, n := range []int{4, cvc.KeyIDLen, TextAPOpaqueLen} {
		if err := checkLen(file, kids[i], n); err != nil {
			return nil, err
		}
	}
	info := &TextAPInfo{Opaque: kids[2].Value}
	copy(info.Ident[:], kids[0].Value)
	copy(info.KeyID[:], kids[1].Value)
	return info, nil
}

// BuildTextAPInfo encodes the text AP's EF 0005 as
// FF 40 82 00 9F { DF41 04, DF42 10, DF43 82 00 80 } padded to size (0 means
// TextAPInfoMinSize; smaller sizes are refused).
func BuildTextAPInfo(v TextAPInfo, size int) ([]byte, error) {
	const file = FileTextAPInfo
	if len(v.Opaque) != TextAPOpaqueLen {
		return nil, invalid(file, TagTextAPOpaque, "%d bytes, want %d", len(v.Opaque), TextAPOpaqueLen)
	}
	if size == 0 {
		size = TextAPInfoMinSize
	}
	if size < TextAPInfoMinSize {
		return nil, fmt.Errorf("%s: size %d below %d: %w", file, size, TextAPInfoMinSize, ErrInvalid)
	}
	b := apdu.NewBuilder(nil)
	b.AddConstructed(TagTextAPInfo, apdu.LengthLong2, func(b *apdu.Builder) {
		b.Add(TagTextAPIdent, v.Ident[:])
		b.Add(TagTextAPKeyID, v.KeyID[:])
		b.AddForm(TagTextAPOpaque, apdu.LengthLong2, v.Opaque)
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return pad(file, out, size)
}

// ParseSessionKey decodes the text AP's EF 0006, A1 { 90 exponent, 91 modulus }, then
// only filler, into the RSA-2048 key that SET SESSION KEY encrypts to.
func ParseSessionKey(b []byte) (*rsa.PublicKey, error) {
	const file = FileTextSessionKey
	if err := checkSize(file, b); err != nil {
		return nil, err
	}
	t, rest, err := apdu.ParseTLV(b)
	switch {
	case err != nil:
		return nil, malformed(file, 0, 0, err, "TLV")
	case t.Tag != TagSessionKey:
		return nil, malformed(file, 0, t.Tag, nil, "tag is %s, want %s", t.Tag, TagSessionKey)
	case !apdu.IsFiller(rest):
		return nil, malformed(file, len(t.Raw), 0, nil, "%d bytes after the object are not filler", len(rest))
	}
	return parseKey(file, child{TLV: t})
}

// BuildSessionKey encodes the text AP's EF 0006 as A1 82 01 09 { 90 03 01 00 01,
// 91 82 01 00 <modulus> }.
func BuildSessionKey(k *rsa.PublicKey, size int) ([]byte, error) {
	const file = FileTextSessionKey
	key, err := encodeKey(file, TagSessionKey, k)
	if err != nil {
		return nil, err
	}
	b := apdu.NewBuilder(nil)
	b.AddForm(TagSessionKey, apdu.LengthLong2, key)
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return pad(file, out, size)
}

// SignedCardKey is a decoded text AP EF 0007: the card key (whose private half is EF
// 0013) and the issuer's signature over it. It owns its bytes.
type SignedCardKey struct {
	CardKey   *rsa.PublicKey // DF51
	Signature []byte         // DF52, 256 bytes
	Raw       []byte         // the outer TLV, without filler
	signed    []byte         // raw DF51 as read
}

// ParseSignedCardKey decodes the text AP's EF 0007 strictly: FF50 { DF51 card key,
// DF52 256 bytes }, then only filler.
func ParseSignedCardKey(b []byte) (*SignedCardKey, error) {
	const file = FileTextSignedCardKey
	raw, kids, signed, err := parseSigned(file, b, TagSignedCardKey, TagSignedCardKeyKey, TagSignedCardKeySig)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(file, kids[0])
	if err != nil {
		return nil, err
	}
	return &SignedCardKey{CardKey: key, Signature: kids[1].Value, Raw: raw, signed: signed}, nil
}

// Verify checks DF52 (sha256WithRSA over DF51 as read) under the issuer key and
// returns what it covers; a mismatch gives a *SignatureError (ErrSignature).
func (r *SignedCardKey) Verify(issuer crypto.PublicKey) (Coverage, error) {
	if err := verifySHA256(FileTextSignedCardKey, issuer, r.signed, r.Signature); err != nil {
		return Coverage{}, err
	}
	return signedCoverage(FileTextSignedCardKey, issuer, Field{TagSignedCardKeyKey, "card public key"}), nil
}

// BuildSignedCardKey encodes and signs the text AP's EF 0007:
// FF 50 82 02 13 { DF51 82 01 09 key, DF52 82 01 00 signature }.
func BuildSignedCardKey(cardKey *rsa.PublicKey, issuer crypto.Signer, size int) ([]byte, error) {
	const file = FileTextSignedCardKey
	key, err := encodeKey(file, TagSignedCardKeyKey, cardKey)
	if err != nil {
		return nil, err
	}
	return buildSigned(file, TagSignedCardKey, apdu.LengthLong2, TagSignedCardKeySig, issuer, size, func(b *apdu.Builder) {
		b.AddForm(TagSignedCardKeyKey, apdu.LengthLong2, key)
	})
}
