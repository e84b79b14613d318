package myna

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/taimen-dev/taimen/apdu"
)

// The tags of the licence files (docs/LICENCE.md). C1 (EF 001A) and C5 are attested by
// hmpow/DLC_Starter; DLC_Starter skips 4 bytes it calls "C2/C3" before C5; the rest are taimen's.
const (
	tagPINSetting apdu.Tag = 0xC1 // EF 001A: 01 a PIN was set, 00 none ("****")
	tagReserved2  apdu.Tag = 0xC2 // EF 001B: empty (DLC_Starter skips C2 and C3, 4 bytes)
	tagReserved3  apdu.Tag = 0xC3
	tagNumber     apdu.Tag = 0xC4 // 12 digits
	tagExpiry     apdu.Tag = 0xC5 // era code + YYMMDD (DLC_Starter: Reiwa = '5')
	tagIssued     apdu.Tag = 0xC6 // era code + YYMMDD
	tagCommission apdu.Tag = 0xC7 // 2 digits
	tagGrants     apdu.Tag = 0xC8 // per category: 2-digit code + era code + YYMMDD
	tagConditions apdu.Tag = 0xC9 // 2-digit codes
	tagSignature  apdu.Tag = 0xCB // EF 001C: the 256-byte signature
	tagIssuer     apdu.Tag = 0xCC // EF 001C: the signing commission, 2 digits
)

// ErrLicenceData means a licence file does not have the layout of docs/LICENCE.md.
var ErrLicenceData = errors.New("malformed licence data")

// EncodeEraDate writes a date as the licence application does, in JIS X 0201 digits: the era
// code (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和) then YYMMDD, e.g. "5120317" for 令和12年3月17日.
func EncodeEraDate(t time.Time) (string, error) {
	d, err := ToEra(t)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d%s", int(d.Era), d.YYMMDD()), nil
}

// DecodeEraDate reads EncodeEraDate's form back, checking that the date exists in its era.
func DecodeEraDate(s string) (time.Time, error) {
	if len(s) != 7 || !allDigits(s) {
		return time.Time{}, fmt.Errorf("%w: era date must be 7 digits", ErrLicenceData)
	}
	n := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	t, err := FromEra(Era(s[0]-'0'), n(1), time.Month(n(3)), n(5))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrLicenceData, err)
	}
	return t, nil
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// BuildPINSetting returns EF 001A: C1 01 01 when a PIN was set, C1 01 00 when not.
func BuildPINSetting(set bool) []byte {
	if set {
		return []byte{0xC1, 0x01, 0x01}
	}
	return []byte{0xC1, 0x01, 0x00}
}

// ParsePINSetting reads EF 001A (filler after it is ignored).
func ParsePINSetting(b []byte) (set bool, err error) {
	if len(b) < 3 || b[0] != 0xC1 || b[1] != 0x01 || b[2] > 1 {
		return false, fmt.Errorf("%w: EF 001A is not C1 01 00/01", ErrLicenceData)
	}
	return b[2] == 1, nil
}

// addTLV adds a primitive TLV, in the 82 hh ll form from 128 bytes (DLC_Starter reads 1-byte
// and 82 lengths only).
func addTLV(b *apdu.Builder, tag apdu.Tag, v []byte) {
	form := apdu.LengthMinimal
	if len(v) >= 0x80 {
		form = apdu.LengthLong2
	}
	b.AddForm(tag, form, v)
}

// BuildLicenceData returns EF 001B for l.
func BuildLicenceData(l *Licence) ([]byte, error) {
	exp, err := EncodeEraDate(l.Expiry)
	if err != nil {
		return nil, fmt.Errorf("licence expiry: %w", err)
	}
	iss, err := EncodeEraDate(l.Issued)
	if err != nil {
		return nil, fmt.Errorf("licence issue date: %w", err)
	}
	var grants, conds []byte
	for _, g := range l.Grants {
		d, err := EncodeEraDate(g.Since)
		if err != nil {
			return nil, fmt.Errorf("licence category %s: %w", g.Category.Key, err)
		}
		grants = append(grants, g.Category.Code+d...)
	}
	for _, c := range l.Conditions {
		conds = append(conds, c.Code...)
	}
	b := apdu.NewBuilder(nil)
	addTLV(b, tagReserved2, nil)
	addTLV(b, tagReserved3, nil)
	addTLV(b, tagNumber, []byte(l.Number))
	addTLV(b, tagExpiry, []byte(exp))
	addTLV(b, tagIssued, []byte(iss))
	addTLV(b, tagCommission, []byte(l.Commission))
	addTLV(b, tagGrants, grants)
	addTLV(b, tagConditions, conds)
	return b.Bytes()
}

// LicenceRecord is EF 001B as read from a card.
type LicenceRecord struct {
	Number     string
	Commission string
	Issued     time.Time
	Expiry     time.Time
	Grants     []LicenceGrant
	Conditions []LicenceCondition
	// Signed is the exact bytes the issuer's signature covers: the TLVs, without filler.
	Signed []byte
}

// ParseLicenceData reads EF 001B: the TLVs of BuildLicenceData in any order, then filler.
func ParseLicenceData(b []byte) (*LicenceRecord, error) {
	var tlvs []apdu.TLV
	rest := b
	for len(rest) > 0 && !apdu.IsFiller(rest) {
		t, r, err := apdu.ParseTLV(rest)
		if err != nil {
			return nil, fmt.Errorf("%w: EF 001B: %w", ErrLicenceData, err)
		}
		tlvs, rest = append(tlvs, t), r
	}
	rec := &LicenceRecord{Signed: bytes.Clone(b[:len(b)-len(rest)])}
	field := func(tag apdu.Tag, n int) (string, error) {
		t, ok := apdu.Find(tlvs, tag)
		if !ok {
			return "", fmt.Errorf("%w: EF 001B has no tag %s", ErrLicenceData, tag)
		}
		if n > 0 && (len(t.Value) != n || !allDigits(string(t.Value))) {
			return "", fmt.Errorf("%w: tag %s must hold %d JIS X 0201 digits", ErrLicenceData, tag, n)
		}
		return string(t.Value), nil
	}
	var err error
	if rec.Number, err = field(tagNumber, 12); err != nil {
		return nil, err
	}
	if rec.Commission, err = field(tagCommission, 2); err != nil {
		return nil, err
	}
	for _, d := range []struct {
		tag apdu.Tag
		dst *time.Time
	}{{tagExpiry, &rec.Expiry}, {tagIssued, &rec.Issued}} {
		s, err := field(d.tag, 7)
		if err != nil {
			return nil, err
		}
		if *d.dst, err = DecodeEraDate(s); err != nil {
			return nil, fmt.Errorf("tag %s: %w", d.tag, err)
		}
	}
	grants, err := field(tagGrants, 0)
	if err != nil {
		return nil, err
	}
	if len(grants)%9 != 0 {
		return nil, fmt.Errorf("%w: tag %s must be 9-byte entries", ErrLicenceData, tagGrants)
	}
	for i := 0; i < len(grants); i += 9 {
		code := grants[i : i+2]
		c, ok := lookupCategory(func(c LicenceCategory) bool { return c.Code == code })
		if !ok {
			return nil, fmt.Errorf("%w: unknown licence category code", ErrLicenceData)
		}
		since, err := DecodeEraDate(grants[i+2 : i+9])
		if err != nil {
			return nil, err
		}
		rec.Grants = append(rec.Grants, LicenceGrant{Category: c, Since: since})
	}
	conds, err := field(tagConditions, 0)
	if err != nil {
		return nil, err
	}
	if len(conds)%2 != 0 {
		return nil, fmt.Errorf("%w: tag %s must be 2-digit codes", ErrLicenceData, tagConditions)
	}
	for i := 0; i < len(conds); i += 2 {
		code := conds[i : i+2]
		c, ok := lookupCondition(func(c LicenceCondition) bool { return c.Code == code })
		if !ok {
			return nil, fmt.Errorf("%w: unknown licence condition code", ErrLicenceData)
		}
		rec.Conditions = append(rec.Conditions, c)
	}
	return rec, nil
}

// BuildLicenceSignature returns EF 001C: CB 82 01 00 <SHA-256/RSA PKCS#1 v1.5 signature over
// signed> then CC 02 <the signing commission>.
func BuildLicenceSignature(signed []byte, key *rsa.PrivateKey, commission string) ([]byte, error) {
	sum := sha256.Sum256(signed)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return nil, fmt.Errorf("sign licence data: %w", err)
	}
	b := apdu.NewBuilder(nil)
	addTLV(b, tagSignature, sig)
	addTLV(b, tagIssuer, []byte(commission))
	return b.Bytes()
}

// ParseLicenceSignature reads EF 001C: the signature and the signing commission.
func ParseLicenceSignature(b []byte) (sig []byte, commission string, err error) {
	var tlvs []apdu.TLV
	rest := b
	for len(rest) > 0 && !apdu.IsFiller(rest) {
		t, r, err := apdu.ParseTLV(rest)
		if err != nil {
			return nil, "", fmt.Errorf("%w: EF 001C: %w", ErrLicenceData, err)
		}
		tlvs, rest = append(tlvs, t), r
	}
	s, ok := apdu.Find(tlvs, tagSignature)
	if !ok || len(s.Value) == 0 {
		return nil, "", fmt.Errorf("%w: EF 001C has no signature (tag %s)", ErrLicenceData, tagSignature)
	}
	if c, ok := apdu.Find(tlvs, tagIssuer); ok {
		commission = string(c.Value)
	}
	return bytes.Clone(s.Value), commission, nil
}

// VerifyLicenceSignature checks sig, SHA-256/RSA PKCS#1 v1.5, over signed under pub.
func VerifyLicenceSignature(signed, sig []byte, pub *rsa.PublicKey) error {
	sum := sha256.Sum256(signed)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}
