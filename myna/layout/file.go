package layout

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/internal/sigcache"
	"github.com/taimen-dev/taimen/myna/cvc"
)

// File names one data file; it labels errors and coverage reports.
type File string

// The files this package encodes and decodes.
const (
	FileSurfaceAge         File = "card-surface AP EF 0001 (age record)"           // 券面事項確認AP EF 0001
	FileSurfaceCardFace    File = "card-surface AP EF 0002 (card face)"            // 券面事項確認AP EF 0002
	FileSurfaceAPInfo      File = "card-surface AP EF 0003 (AP basic information)" // 券面事項確認AP EF 0003
	FileSurfaceNumberImage File = "card-surface AP EF 0005 (My Number image)"      // 券面事項確認AP EF 0005
	FileSurface0006        File = "card-surface AP EF 0006"                        // 券面事項確認AP EF 0006, 16×FF
	FileTextMyNumber       File = "text AP EF 0001 (My Number)"                    // 券面事項入力補助AP EF 0001
	FileTextBasicFour      File = "text AP EF 0002 (basic four)"                   // 券面事項入力補助AP EF 0002
	FileTextIntegrity      File = "text AP EF 0003 (integrity record)"             // 券面事項入力補助AP EF 0003
	FileTextAPInfo         File = "text AP EF 0005 (AP basic information)"         // 券面事項入力補助AP EF 0005
	FileTextSessionKey     File = "text AP EF 0006 (session-key public key)"       // 券面事項入力補助AP EF 0006
	FileTextSignedCardKey  File = "text AP EF 0007 (signed card key)"              // 券面事項入力補助AP EF 0007
	FileText0008           File = "text AP EF 0008"                                // 券面事項入力補助AP EF 0008, 16×FF
	FileJPKITokenInfo      File = "JPKI AP EF 0006 (token information)"            // 公的個人認証AP EF 0006
	FileJPKICertFlags      File = "JPKI AP EF 0008 (certificates present)"         // 公的個人認証AP EF 0008
	FileJPKICertificate    File = "JPKI AP certificate EF"                         // 公的個人認証AP EF 0001/0002/000A/000B
	FileCommonInfo         File = "common AP EF 0001 record 1"                     // 共通AP EF 0001
)

// Filler is the byte that pads every file built here up to its physical size.
const Filler = 0xFF

// MaxFileSize bounds the input of every Parse function (filler included). The largest
// file, the card face, is a few kB; its DF21 offsets are u16.
const MaxFileSize = 1 << 17

func checkSize(file File, b []byte) error {
	if len(b) > MaxFileSize {
		return malformed(file, MaxFileSize, 0, nil, "input of %d bytes exceeds %d", len(b), MaxFileSize)
	}
	return nil
}

// Field names one TLV of a file in a coverage report.
type Field struct {
	Tag  apdu.Tag
	Name string
}

// String formats the field as "DF22 birth date".
func (f Field) String() string { return f.Tag.String() + " " + f.Name }

// Coverage says what a verified signature vouches for: which objects of which file,
// under which scheme, and which objects of the same file it does not cover.
type Coverage struct {
	File       File
	Scheme     string
	Covered    []Field // authenticated once Verify returned nil
	NotCovered []Field // present in the file but NOT authenticated by this signature
	Note       string  // anything a report must add (e.g. digests still to be checked)
}

// Covers reports whether the object with the given tag is covered.
func (c Coverage) Covers(tag apdu.Tag) bool {
	for _, f := range c.Covered {
		if f.Tag == tag {
			return true
		}
	}
	return false
}

// String is a one-line report of what is and is not covered.
func (c Coverage) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %s covers %s", c.File, c.Scheme, fieldList(c.Covered))
	if len(c.NotCovered) > 0 {
		fmt.Fprintf(&sb, "; NOT covered: %s", fieldList(c.NotCovered))
	}
	if c.Note != "" {
		sb.WriteString("; " + c.Note)
	}
	return sb.String()
}

func fieldList(fs []Field) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.String()
	}
	return strings.Join(s, ", ")
}

// Signature schemes named in coverage reports.
const (
	SchemeSHA256RSA   = "RSA PKCS#1 v1.5 sha256WithRSA over the raw TLVs before the signature"
	SchemeThreeDigest = "RSA PKCS#1 v1.5 over DigestInfo(SHA-256 OID, SHA-256(DF22‖DF23‖DF24) ‖ SHA-256(DF25‖DF26) ‖ SHA-256(DF27))"
	// SchemeSHA384ECDSA and SchemeThreeDigestECDSA are the provisional next-generation card's
	// (generation.data_signature_algorithm ecdsa-p384-sha384): invented, to be replaced by the
	// published specification.
	SchemeSHA384ECDSA      = "ECDSA P-384 (r‖s, provisional) over SHA-384 of the raw TLVs before the signature"
	SchemeThreeDigestECDSA = "ECDSA P-384 (r‖s, provisional) over SHA-384(SHA-384(DF22‖DF23‖DF24) ‖ SHA-384(DF25‖DF26) ‖ SHA-384(DF27))"
)

// child is one TLV inside a file's outer TLV, with its offset from the file start.
type child struct {
	apdu.TLV
	off int
}

// parseOuter decodes the outer TLV of a file, checks its tag and that only filler
// follows it, and decodes its children. The result is a private copy of the TLV, so
// later changes to b cannot change what was parsed or verified.
func parseOuter(file File, b []byte, tag apdu.Tag) (apdu.TLV, []child, error) {
	if err := checkSize(file, b); err != nil {
		return apdu.TLV{}, nil, err
	}
	outer, rest, err := apdu.ParseTLV(b)
	if err != nil {
		return apdu.TLV{}, nil, malformed(file, 0, 0, err, "outer TLV")
	}
	if outer.Tag != tag {
		return apdu.TLV{}, nil, malformed(file, 0, outer.Tag, nil, "outer tag is %s, want %s", outer.Tag, tag)
	}
	if !apdu.IsFiller(rest) {
		return apdu.TLV{}, nil, malformed(file, len(outer.Raw), 0, nil, "%d bytes after the %s object are not filler (FF/00)", len(rest), tag)
	}
	outer, _, _ = apdu.ParseTLV(bytes.Clone(outer.Raw))
	kids, err := splitChildren(file, outer.Value, outer.HeaderLen())
	return outer, kids, err
}

// splitChildren decodes the TLV sequence v, which starts at offset base of the file.
func splitChildren(file File, v []byte, base int) ([]child, error) {
	var kids []child
	off := base
	for len(v) > 0 {
		t, rest, err := apdu.ParseTLV(v)
		if err != nil {
			at := off
			var se *apdu.SyntaxError
			if errors.As(err, &se) {
				at += se.Offset
			}
			return nil, malformed(file, at, 0, err, "object %d", len(kids)+1)
		}
		kids = append(kids, child{TLV: t, off: off})
		off += len(t.Raw)
		v = rest
	}
	return kids, nil
}

// expectTags checks that kids are exactly the given tags, in order.
func expectTags(file File, outer apdu.TLV, kids []child, tags ...apdu.Tag) error {
	for i, want := range tags {
		if i >= len(kids) {
			return malformed(file, len(outer.Raw), want, nil, "missing (the %s object ends after %d objects)", outer.Tag, len(kids))
		}
		if kids[i].Tag != want {
			return malformed(file, kids[i].off, kids[i].Tag, nil, "object %d is %s, want %s", i+1, kids[i].Tag, want)
		}
	}
	if len(kids) > len(tags) {
		k := kids[len(tags)]
		return malformed(file, k.off, k.Tag, nil, "unexpected object after %s", tags[len(tags)-1])
	}
	return nil
}

// checkLen checks a child's value length.
func checkLen(file File, k child, n int) error {
	if len(k.Value) != n {
		return malformed(file, k.off, k.Tag, nil, "value of %d bytes, want %d", len(k.Value), n)
	}
	return nil
}

// pad appends filler up to size; size 0 means no filler.
func pad(file File, b []byte, size int) ([]byte, error) {
	switch {
	case size == 0:
		return b, nil
	case size < len(b):
		return nil, fmt.Errorf("%s: %d bytes do not fit a %d-byte file: %w", file, len(b), size, ErrTooLarge)
	}
	return append(b, bytes.Repeat([]byte{Filler}, size-len(b))...), nil
}

// Value rules.

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// checkDate: 8 ASCII digits YYYYMMDD. Calendar validity is not checked (registries
// can record partial dates); only the form is.
func checkDate(b []byte) bool { return len(b) == 8 && isDigits(b) }

// checkSex: one ASCII digit of JIS X 0303 (0 unknown, 1 male, 2 female, 9 not applicable).
func checkSex(b []byte) bool {
	return len(b) == 1 && (b[0] == '0' || b[0] == '1' || b[0] == '2' || b[0] == '9')
}

var (
	pngMagic = []byte{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}
	jp2Magic = []byte{0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}
)

// IsPNG reports whether b starts with the PNG signature.
func IsPNG(b []byte) bool { return bytes.HasPrefix(b, pngMagic) }

// IsJP2 reports whether b starts with the JPEG 2000 JP2 signature box.
func IsJP2(b []byte) bool { return bytes.HasPrefix(b, jp2Magic) }

func checkText(b []byte) bool { return len(b) > 0 && utf8.Valid(b) }

// Signatures.

// sigLen is the size of an RSA-2048 signature; ecSigLen that of the provisional
// next-generation card's ECDSA P-384 signature, r‖s (generation.data_signature_algorithm).
const (
	sigLen   = 256
	ecSigLen = cvc.ECSignatureLen
)

// checkSigLen accepts a signature of either algorithm's size: the issuer key decides which
// verifies it.
func checkSigLen(file File, k child) error {
	if len(k.Value) != sigLen && len(k.Value) != ecSigLen {
		return malformed(file, k.off, k.Tag, nil, "value of %d bytes, want %d (RSA-2048) or %d (ECDSA P-384 r‖s)", len(k.Value), sigLen, ecSigLen)
	}
	return nil
}

// checkSigner accepts an RSA-2048 or an ECDSA P-384 private key: the key's type decides the
// signature's algorithm.
func checkSigner(file File, k crypto.Signer) error {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		if k != nil && k.Size() == sigLen {
			return nil
		}
	case *ecdsa.PrivateKey:
		if k != nil && k.Curve == elliptic.P384() {
			return nil
		}
	}
	return fmt.Errorf("%s: the signer must be an RSA-2048 or ECDSA P-384 private key: %w", file, ErrInvalid)
}

// isEC reports whether a checked signer or a key is ECDSA.
func isEC(k any) bool {
	switch k.(type) {
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		return true
	}
	return false
}

// signSHA256 signs msg in the algorithm of k: sha256WithRSA for RSA-2048, ECDSA P-384 over
// SHA-384(msg) as r‖s (provisional) for a P-384 key.
func signSHA256(file File, k crypto.Signer, msg []byte) ([]byte, error) {
	if err := checkSigner(file, k); err != nil {
		return nil, err
	}
	if ek, ok := k.(*ecdsa.PrivateKey); ok {
		d := sha512.Sum384(msg)
		sig, err := cvc.SignECDSA(ek, d[:])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return sig, nil
	}
	d := sha256.Sum256(msg)
	sig, err := sigcache.SignPKCS1v15(k.(*rsa.PrivateKey), crypto.SHA256, d[:])
	if err != nil {
		return nil, fmt.Errorf("%s: sign: %w", file, err)
	}
	return sig, nil
}

// verifySHA256 is the counterpart of signSHA256: the issuer key's type decides the algorithm.
func verifySHA256(file File, k crypto.PublicKey, msg, sig []byte) error {
	switch k := k.(type) {
	case *rsa.PublicKey:
		if k == nil {
			break
		}
		d := sha256.Sum256(msg)
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, d[:], sig); err != nil {
			return &SignatureError{File: file, Err: err}
		}
		return nil
	case *ecdsa.PublicKey:
		if k == nil {
			break
		}
		d := sha512.Sum384(msg)
		if err := cvc.VerifyECDSA(k, d[:], sig); err != nil {
			return &SignatureError{File: file, Err: err}
		}
		return nil
	default:
		if k != nil {
			return fmt.Errorf("%s: verify: issuer key %T is neither RSA nor ECDSA", file, k)
		}
	}
	return fmt.Errorf("%s: verify: no issuer key", file)
}

// parseKey decodes a card public key held in a child.
func parseKey(file File, k child) (*rsa.PublicKey, error) {
	pub, err := cvc.ParsePublicKey(k.Value)
	if err != nil {
		return nil, malformed(file, k.off+k.HeaderLen(), k.Tag, err, "card public key")
	}
	return pub, nil
}

// encodeKey encodes a public key in the card form for a Build function.
func encodeKey(file File, tag apdu.Tag, k *rsa.PublicKey) ([]byte, error) {
	b, err := cvc.EncodePublicKey(k)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %w", file, tag, ErrInvalid, err)
	}
	return b, nil
}

// concatRaw joins the raw encodings (tag, length, value) of children.
func concatRaw(kids ...child) []byte {
	var out []byte
	for _, k := range kids {
		out = append(out, k.Raw...)
	}
	return out
}

// signRaw signs a complete DigestInfo with PKCS#1 v1.5 (crypto.Hash(0): no hashing, no
// prefix added), as the card-face signature over three digests requires.
func signRaw(file File, k *rsa.PrivateKey, digestInfo []byte) ([]byte, error) {
	if err := checkSigner(file, k); err != nil {
		return nil, err
	}
	sig, err := sigcache.SignPKCS1v15(k, crypto.Hash(0), digestInfo)
	if err != nil {
		return nil, fmt.Errorf("%s: sign: %w", file, err)
	}
	return sig, nil
}

// verifyRaw is the counterpart of signRaw.
func verifyRaw(file File, k *rsa.PublicKey, digestInfo, sig []byte) error {
	if err := rsa.VerifyPKCS1v15(k, crypto.Hash(0), digestInfo, sig); err != nil {
		return &SignatureError{File: file, Err: err}
	}
	return nil
}
