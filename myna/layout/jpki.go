package layout

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/taimen-dev/taimen/apdu"
)

// TokenInfoLen is the size of the JPKI AP's EF 0006: a PKCS#11 CK_TOKEN_INFO with
// CK_ULONG fixed at 32 bits, big-endian.
const TokenInfoLen = 160

// TokenLabelCard is the label (first 32 bytes of EF 0006, space-padded) of a My Number
// card; 住基カード say "JPKIAPICCTOKEN", smartphone JPKI "JPKIAPGPSETOKEN".
const TokenLabelCard = "JPKIAPICCTOKEN2"

// PKCS#11 token flags (CK_TOKEN_INFO.flags).
const (
	TokenFlagRNG                = 0x00000001 // CKF_RNG
	TokenFlagLoginRequired      = 0x00000004 // CKF_LOGIN_REQUIRED
	TokenFlagUserPINInitialized = 0x00000008 // CKF_USER_PIN_INITIALIZED
	TokenFlagClockOnToken       = 0x00000040 // CKF_CLOCK_ON_TOKEN
	TokenFlagTokenInitialized   = 0x00000400 // CKF_TOKEN_INITIALIZED
)

// TokenUnavailable is CK_UNAVAILABLE_INFORMATION in the 32-bit form.
const TokenUnavailable = 0xFFFFFFFF

// TokenInfo is the JPKI AP's EF 0006. Byte layout (offsets in the file):
//
//	  0  label[32]           UTF-8, space-padded ("JPKIAPICCTOKEN2")
//	 32  manufacturerID[32]  UTF-8, space-padded
//	 64  model[16]           UTF-8, space-padded
//	 80  serialNumber[16]    UTF-8, space-padded
//	 96  flags               u32 BE (CKF_*)
//	100  ulMaxSessionCount   u32 BE
//	104  ulSessionCount      u32 BE
//	108  ulMaxRwSessionCount u32 BE
//	112  ulRwSessionCount    u32 BE
//	116  ulMaxPinLen         u32 BE
//	120  ulMinPinLen         u32 BE
//	124  ulTotalPublicMemory u32 BE
//	128  ulFreePublicMemory  u32 BE
//	132  ulTotalPrivateMemory u32 BE
//	136  ulFreePrivateMemory u32 BE
//	140  hardwareVersion[2]  raw (cards show ASCII "03", not a CK_VERSION)
//	142  firmwareVersion[2]  raw (cards show ASCII "01")
//	144  utcTime[16]         raw
//
// Text fields are returned without their trailing spaces.
type TokenInfo struct {
	Label, ManufacturerID, Model, SerialNumber string
	Flags                                      uint32
	MaxSessionCount, SessionCount              uint32
	MaxRWSessionCount, RWSessionCount          uint32
	MaxPINLen, MinPINLen                       uint32
	TotalPublicMemory, FreePublicMemory        uint32
	TotalPrivateMemory, FreePrivateMemory      uint32
	HardwareVersion, FirmwareVersion           [2]byte
	UTCTime                                    [16]byte
}

// DefaultTokenInfo is a plausible token for an emulated card: the My Number card label,
// the flags, session counts and PIN bounds reported for physical cards, memory
// "unavailable", and a manufacturer ID that says it is taimen.
func DefaultTokenInfo() TokenInfo {
	t := TokenInfo{
		Label:             TokenLabelCard,
		ManufacturerID:    "TAIMEN EMULATOR",
		Model:             "TAIMEN",
		SerialNumber:      "0000000000000000",
		Flags:             TokenFlagRNG | TokenFlagLoginRequired | TokenFlagUserPINInitialized | TokenFlagTokenInitialized,
		MaxSessionCount:   1,
		MaxRWSessionCount: 1,
		MaxPINLen:         16,
		MinPINLen:         6,
		TotalPublicMemory: TokenUnavailable, FreePublicMemory: TokenUnavailable,
		TotalPrivateMemory: TokenUnavailable, FreePrivateMemory: TokenUnavailable,
		HardwareVersion: [2]byte{'0', '3'},
		FirmwareVersion: [2]byte{'0', '1'},
	}
	copy(t.UTCTime[:], strings.Repeat(" ", 16))
	return t
}

var tokenTextFields = []struct {
	off, n int
	name   string
}{{0, 32, "label"}, {32, 32, "manufacturerID"}, {64, 16, "model"}, {80, 16, "serialNumber"}}

// BuildTokenInfo encodes EF 0006 (TokenInfoLen bytes). Text fields must be valid UTF-8
// without trailing spaces and fit their slot.
func BuildTokenInfo(t TokenInfo) ([]byte, error) {
	const file = FileJPKITokenInfo
	out := make([]byte, TokenInfoLen)
	for i, s := range []string{t.Label, t.ManufacturerID, t.Model, t.SerialNumber} {
		f := tokenTextFields[i]
		if len(s) > f.n || !utf8.ValidString(s) || strings.HasSuffix(s, " ") {
			return nil, fmt.Errorf("%s: %s: not UTF-8 of at most %d bytes without trailing spaces: %w", file, f.name, f.n, ErrInvalid)
		}
		copy(out[f.off:f.off+f.n], s+strings.Repeat(" ", f.n-len(s)))
	}
	for i, v := range t.words() {
		binary.BigEndian.PutUint32(out[96+4*i:], *v)
	}
	copy(out[140:142], t.HardwareVersion[:])
	copy(out[142:144], t.FirmwareVersion[:])
	copy(out[144:160], t.UTCTime[:])
	return out, nil
}

func (t *TokenInfo) words() []*uint32 {
	return []*uint32{
		&t.Flags, &t.MaxSessionCount, &t.SessionCount, &t.MaxRWSessionCount, &t.RWSessionCount,
		&t.MaxPINLen, &t.MinPINLen, &t.TotalPublicMemory, &t.FreePublicMemory,
		&t.TotalPrivateMemory, &t.FreePrivateMemory,
	}
}

// ParseTokenInfo decodes EF 0006: exactly TokenInfoLen bytes, or more if the rest is
// filler. Text fields must be UTF-8.
func ParseTokenInfo(b []byte) (*TokenInfo, error) {
	const file = FileJPKITokenInfo
	if err := checkSize(file, b); err != nil {
		return nil, err
	}
	if len(b) < TokenInfoLen {
		return nil, malformed(file, len(b), 0, nil, "%d bytes, want %d", len(b), TokenInfoLen)
	}
	if !apdu.IsFiller(b[TokenInfoLen:]) {
		return nil, malformed(file, TokenInfoLen, 0, nil, "bytes after the %d-byte structure are not filler", TokenInfoLen)
	}
	t := &TokenInfo{}
	texts := []*string{&t.Label, &t.ManufacturerID, &t.Model, &t.SerialNumber}
	for i, f := range tokenTextFields {
		raw := b[f.off : f.off+f.n]
		if !utf8.Valid(raw) {
			return nil, malformed(file, f.off, 0, nil, "%s is not UTF-8", f.name)
		}
		*texts[i] = strings.TrimRight(string(raw), " ")
	}
	for i, v := range t.words() {
		*v = binary.BigEndian.Uint32(b[96+4*i:])
	}
	copy(t.HardwareVersion[:], b[140:142])
	copy(t.FirmwareVersion[:], b[142:144])
	copy(t.UTCTime[:], b[144:160])
	return t, nil
}

// IsCard reports whether the label is that of a My Number card (TokenLabelCard).
func (t *TokenInfo) IsCard() bool { return t.Label == TokenLabelCard }

// CertFlags is the JPKI AP's EF 0008: three bytes saying which certificates the card
// carries (byte 0 signature certificate, byte 1 authentication certificate, byte 2
// unknown); 8F means present.
type CertFlags [3]byte

// CertPresent is the byte value of a certificate that is present.
const CertPresent = 0x8F

// BuildCertFlags encodes EF 0008: 8F or 00 for each certificate, then 00.
func BuildCertFlags(sign, auth bool) []byte {
	b := []byte{0, 0, 0}
	if sign {
		b[0] = CertPresent
	}
	if auth {
		b[1] = CertPresent
	}
	return b
}

// ParseCertFlags decodes EF 0008, which must be exactly 3 bytes (it has no filler).
func ParseCertFlags(b []byte) (CertFlags, error) {
	var f CertFlags
	if len(b) != len(f) {
		return f, malformed(FileJPKICertFlags, 0, 0, nil, "%d bytes, want 3", len(b))
	}
	copy(f[:], b)
	return f, nil
}

// SignCert reports whether the signature certificate (EF 0001) is present.
func (f CertFlags) SignCert() bool { return f[0] == CertPresent }

// AuthCert reports whether the authentication certificate (EF 000A) is present.
func (f CertFlags) AuthCert() bool { return f[1] == CertPresent }

// Certificate size bounds for CertificateSize.
const (
	CertHeaderLen      = 4    // bytes a reader must read first: 30 82 hh ll
	MaxCertificateSize = 8192 // JPKI certificates are about 1.2–2 kB; anything larger is refused
)

// CertificateSize returns the total size of a DER certificate from its first bytes,
// which must be `30 82 hh ll` (a SEQUENCE with a two-byte length of at least 256, as
// DER requires): hhll + 4. Other forms and sizes above MaxCertificateSize are refused.
func CertificateSize(header []byte) (int, error) {
	const file = FileJPKICertificate
	if len(header) < CertHeaderLen {
		return 0, malformed(file, len(header), 0, nil, "%d header bytes, want %d", len(header), CertHeaderLen)
	}
	if header[0] != 0x30 || header[1] != 0x82 {
		return 0, malformed(file, 0, 0, nil, "header % X is not 30 82 hh ll", header[:2])
	}
	n := int(binary.BigEndian.Uint16(header[2:4]))
	switch {
	case n < 0x100:
		return 0, malformed(file, 2, 0, nil, "length %d in the 82 form is not DER", n)
	case n+CertHeaderLen > MaxCertificateSize:
		return 0, malformed(file, 2, 0, nil, "certificate of %d bytes exceeds %d", n+CertHeaderLen, MaxCertificateSize)
	}
	return n + CertHeaderLen, nil
}
