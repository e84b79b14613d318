package myna

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// AID is an application identifier (DF name), selected with SELECT P1=04.
type AID []byte

// String returns the AID in upper-case hex without spaces, e.g. "D3921000310001010402".
func (a AID) String() string { return strings.ToUpper(hex.EncodeToString(a)) }

// Equal reports whether a and b are the same bytes.
func (a AID) Equal(b []byte) bool { return bytes.Equal(a, b) }

// App names one application of the card. The zero value names none.
type App uint8

// The applications of the card (CARD.md §1).
const (
	// JPKIAP is 公的個人認証AP, the two JPKI key pairs and certificates.
	JPKIAP App = iota + 1
	// TextAP is 券面事項入力補助AP (Kenhojo): the individual number and the four basic facts as text.
	TextAP
	// CardSurfaceAP is 券面事項確認AP (Kenkaku): the card face as images, read with check code B.
	CardSurfaceAP
	// JukiAP is 住基AP, the resident-registry application.
	JukiAP
	// CommonAP is 共通AP: card serial, municipality and expiry, and an INTERNAL AUTHENTICATE key.
	CommonAP
	// GPISD is the GlobalPlatform issuer security domain; selecting it restores the MF-level state.
	GPISD
	// LicenceAP is the driving-licence application (マイナ免許証, docs/LICENCE.md), present only on
	// cards whose holder linked a licence: it is not among Apps, see OptionalApps.
	LicenceAP
)

var aids = [...][]byte{
	JPKIAP:        {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01},
	TextAP:        {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08},
	CardSurfaceAP: {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02},
	JukiAP:        {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01},
	CommonAP:      {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00},
	GPISD:         {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00},
	LicenceAP:     licenceAID,
}

var appKeys = [...]string{
	JPKIAP:        "jpki",
	TextAP:        "text",
	CardSurfaceAP: "surface",
	JukiAP:        "juki",
	CommonAP:      "common",
	GPISD:         "isd",
	LicenceAP:     "licence",
}

// Apps returns every application in a fixed order (JPKI, text, surface, juki, common, ISD).
func Apps() []App { return []App{JPKIAP, TextAP, CardSurfaceAP, JukiAP, CommonAP, GPISD} }

// OptionalApps returns the applications only some cards carry: the driving-licence application.
func OptionalApps() []App { return []App{LicenceAP} }

// allApps is Apps then OptionalApps.
func allApps() []App { return append(Apps(), OptionalApps()...) }

// Valid reports whether a names a known application.
func (a App) Valid() bool { return a >= JPKIAP && a <= LicenceAP }

// Optional reports whether a is one of OptionalApps.
func (a App) Optional() bool { return a == LicenceAP }

// AID returns a fresh copy of the application's AID, or nil for an unknown App.
func (a App) AID() AID {
	if !a.Valid() {
		return nil
	}
	return bytes.Clone(aids[a])
}

// String returns the short name used in profiles and logs: "jpki", "text", "surface", "juki",
// "common", "isd" or "licence".
func (a App) String() string {
	if !a.Valid() {
		return "App(" + strconv.Itoa(int(a)) + ")"
	}
	return appKeys[a]
}

// ParseApp returns the App whose short name (see App.String) is s.
func ParseApp(s string) (App, error) {
	for _, a := range allApps() {
		if appKeys[a] == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("myna: unknown application %q (want jpki, text, surface, juki, common, isd or licence)", s)
}

// AppByAID returns the application whose AID is exactly b.
func AppByAID(b []byte) (App, bool) {
	for _, a := range allApps() {
		if bytes.Equal(aids[a], b) {
			return a, true
		}
	}
	return 0, false
}

// FileID is a 2-byte elementary-file identifier, selected with SELECT P1=02.
type FileID uint16

// String returns the FID as four upper-case hex digits, e.g. "0012".
func (f FileID) String() string { return fmt.Sprintf("%04X", uint16(f)) }

// ParseFileID parses exactly four hex digits, e.g. "0012" or "001b".
func ParseFileID(s string) (FileID, error) {
	if len(s) != 4 {
		return 0, fmt.Errorf("myna: file ID %q must be 4 hex digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 16)
	if err != nil {
		return 0, fmt.Errorf("myna: file ID %q must be 4 hex digits", s)
	}
	return FileID(v), nil
}

// File IDs of 券面事項確認AP (CardSurfaceAP, CARD.md §2.3).
const (
	SurfaceAgeRecord       FileID = 0x0001 // age record: DOB, card public key, signature
	SurfaceFace            FileID = 0x0002 // card face: DOB, sex, key, name/address PNG, photo, signature, expiry, security code
	SurfaceBasicInfo       FileID = 0x0003 // AP basic information, municipality code
	SurfaceCVCert          FileID = 0x0004 // the AP's card-verifiable certificate
	SurfaceNumberImage     FileID = 0x0005 // individual-number image, card public key, signature
	SurfaceUnknown06       FileID = 0x0006 // 16 × FF, purpose unknown
	SurfaceBirthDateKeyRef FileID = 0x0011 // key reference: birth-date key (6 digits)
	SurfaceCheckCodeBRef   FileID = 0x0012 // key reference: check code B (14 digits)
	SurfaceCheckCodeARef   FileID = 0x0013 // key reference: check code A (12 digits)
	SurfaceSigningKey      FileID = 0x001A // the AP's own signing key (card key), no credential
)

// File IDs of 券面事項入力補助AP (TextAP, CARD.md §2.2).
const (
	TextIndividualNumber FileID = 0x0001 // FF10: the 12-digit individual number (17 bytes physical)
	TextBasicFour        FileID = 0x0002 // FF20: name, address, DOB, sex as text
	TextIntegrity        FileID = 0x0003 // FF30: digests of 0001/0002 and a signature
	TextCVCert           FileID = 0x0004 // the AP's card-verifiable certificate
	TextBasicInfo        FileID = 0x0005 // FF40: AP basic information
	TextSessionKey       FileID = 0x0006 // RSA public key for SET SESSION KEY
	TextCardKeyRecord    FileID = 0x0007 // FF50: signed card public key
	TextUnknown08        FileID = 0x0008 // 16 × FF, purpose unknown
	TextPINRef           FileID = 0x0011 // key reference: text PIN (4 digits)
	TextBlockedRef       FileID = 0x0012 // key reference that arrives blocked
	TextSigningKey       FileID = 0x0013 // the AP's own signing key (card key), no credential
	TextCheckCodeARef    FileID = 0x0014 // key reference: check code A
	TextCheckCodeBRef    FileID = 0x0015 // key reference: check code B
)

// File IDs of 公的個人認証AP (JPKIAP, CARD.md §2.1).
const (
	JPKISignCert        FileID = 0x0001 // 署名用電子証明書 (X.509 DER)
	JPKISignCACert      FileID = 0x0002 // 署名用CA証明書
	JPKITokenInfo       FileID = 0x0006 // token information, label JPKIAPICCTOKEN2
	JPKICertPresence    FileID = 0x0008 // 3 bytes: which certificates the card carries
	JPKIUnknown09       FileID = 0x0009 // unknown, protected
	JPKIAuthCert        FileID = 0x000A // 利用者証明用電子証明書
	JPKIAuthCACert      FileID = 0x000B // 利用者証明用CA証明書
	JPKITerminalCAKey   FileID = 0x0016 // key for the terminal CV-certificate check (80 A2)
	JPKIAuthKey         FileID = 0x0017 // 利用者証明用秘密鍵
	JPKIAuthPINRef      FileID = 0x0018 // key reference: auth PIN (4 digits)
	JPKISignKey         FileID = 0x001A // 署名用秘密鍵
	JPKISignPasswordRef FileID = 0x001B // key reference: sign password (6–16 characters)
)

// File IDs of 共通AP (CommonAP, CARD.md §2.4).
const (
	CommonCardInfo FileID = 0x0001 // record EF: serial, municipality, expiry
	CommonKeyID    FileID = 0x0002 // record EF: a 16-byte key reference, same as 住基 0002
	CommonIAKey    FileID = 0x0019 // INTERNAL AUTHENTICATE key, no credential
	CommonPINRef   FileID = 0x001C // key reference: 住基/共通 PIN (4 digits)
)

// File IDs of 住基AP (JukiAP, CARD.md §2.4).
const (
	JukiKeyID  FileID = 0x0002 // record EF: a 16-byte key reference, same as 共通 0002
	JukiPINRef FileID = 0x001C // key reference: 住基 PIN (4 digits)
)

// SFI returns the short EF identifier of f: its low byte, for f in 0001–001E.
func (f FileID) SFI() (byte, bool) {
	if f < 0x0001 || f > 0x001E {
		return 0, false
	}
	return byte(f), true
}

// FileIDForSFI returns the FID that short EF identifier sfi (1–30) stands for.
func FileIDForSFI(sfi byte) (FileID, bool) {
	if sfi < 1 || sfi > 30 {
		return 0, false
	}
	return FileID(sfi), true
}

// ReadBinaryP1 returns P1 = 0x80|SFI for READ BINARY of f by short EF identifier (P2 is then an
// 8-bit offset).
func (f FileID) ReadBinaryP1() (byte, bool) {
	sfi, ok := f.SFI()
	return 0x80 | sfi, ok
}

// KeyRefP2 returns P2 = 0x80|SFI, naming f by short EF identifier in VERIFY or in `80 2A`.
func (f FileID) KeyRefP2() (byte, bool) {
	sfi, ok := f.SFI()
	return 0x80 | sfi, ok
}

// ReadRecordP2 returns P2 = SFI<<3 | 4 for READ RECORD of f by short EF identifier, record
// number in P1.
func (f FileID) ReadRecordP2() (byte, bool) {
	sfi, ok := f.SFI()
	return sfi<<3 | 4, ok
}

// SFIFromReadBinaryP1 decodes a READ BINARY P1 of the form 100xxxxx; ok is false when P1 is the
// high byte of a 15-bit offset instead, or when the SFI is 0.
func SFIFromReadBinaryP1(p1 byte) (FileID, bool) {
	if p1&0xE0 != 0x80 {
		return 0, false
	}
	return FileIDForSFI(p1 & 0x1F)
}

// SFIFromKeyRefP2 decodes a VERIFY or `80 2A` P2 of the form 100xxxxx with a non-zero SFI; P2 =
// 0x80 (the current EF) and P2 = 0x00 are not SFIs and give ok = false.
func SFIFromKeyRefP2(p2 byte) (FileID, bool) {
	if p2&0xE0 != 0x80 {
		return 0, false
	}
	return FileIDForSFI(p2 & 0x1F)
}

// SFIFromReadRecordP2 decodes a READ RECORD P2 of the form SFI<<3|4 with a non-zero SFI; P2 = 04
// (the current EF) gives ok = false.
func SFIFromReadRecordP2(p2 byte) (FileID, bool) {
	if p2&0x07 != 0x04 {
		return 0, false
	}
	return FileIDForSFI(p2 >> 3)
}
