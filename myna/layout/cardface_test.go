package layout

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna/cvc"
)

func TestCardFaceGolden(t *testing.T) {
	raw := buildTestCardFace(t, 0)
	golden(t, "surface-0002-card-face", raw)

	// The layout of CARD.md §2.3 / §5.3, byte for byte at each object's start.
	for _, part := range []struct {
		off  int
		want string
	}{
		{0, "FF 20 82 0A 7D DF 21 12 00 1A 00 25 00 29 01 37 02 03 03 34 09 15 0A 1A 0A 25"},
		{26, "DF 22 08 31 39 38 30 30 32 31 37 DF 23 01 31 DF 24 82 01 09 90 03 01 00 01 91 82 01 00"},
		{311, "DF 25 81 C8 89 50 4E 47"},
		{515, "DF 26 82 01 2C 89 50 4E 47"},
		{820, "DF 27 82 05 DC 00 00 00 0C 6A 50 20 20 0D 0A 87 0A"},
		{2325, "DF 28 82 01 00"},
		{2586, "DF 29 08 32 30 33 35 30 32 31 37 DF 2A 5A 89 50 4E 47"},
	} {
		want := h(part.want)
		if got := raw[part.off:min(len(raw), part.off+len(want))]; !bytes.Equal(got, want) {
			t.Errorf("bytes at %d: % X, want % X", part.off, got, want)
		}
	}
	if len(raw) != 2690 {
		t.Errorf("%d bytes, want 2690", len(raw))
	}

	f, err := ParseCardFace(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, u := cardFaceInput(t)
	sameFields(t, "signed fields", f.Signed, s)
	sameFields(t, "unsigned fields", f.Unsigned, u)
	if !bytes.Equal(f.Raw, raw) {
		t.Error("Raw is not the file")
	}
	cov, err := f.Verify(pub(t, "cv-issuer-kenkaku"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []apdu.Tag{TagFaceBirthDate, TagFaceSex, TagFaceCardKey, TagFaceName, TagFaceAddress, TagFacePhoto} {
		if !cov.Covers(tag) {
			t.Errorf("coverage omits %s", tag)
		}
	}
	for _, tag := range []apdu.Tag{TagFaceExpiry, TagFaceSecurityCode, TagFaceOffsets, TagFaceSignature} {
		if cov.Covers(tag) {
			t.Errorf("coverage claims %s", tag)
		}
	}
	if cov.File != FileSurfaceCardFace || len(cov.NotCovered) != 3 {
		t.Errorf("coverage: %s", cov)
	}

	// The signature, recomputed here from CARD.md §5.3 independently of the package.
	kids := rawChildren(t, raw)
	var di []byte
	di = append(di, h("30 71 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 60")...)
	for _, g := range [][]byte{cat(kids[1], kids[2], kids[3]), cat(kids[4], kids[5]), kids[6]} {
		d := sha256.Sum256(g)
		di = append(di, d[:]...)
	}
	if len(di) != 19+96 {
		t.Fatalf("DigestInfo of %d bytes", len(di))
	}
	if err := verifyRaw("test", pub(t, "cv-issuer-kenkaku"), di, f.Signature); err != nil {
		t.Errorf("independent check of DF28: %v", err)
	}
}

// DF21 equals the actual tag positions (conformance test 8 of CARD.md §9).
func TestCardFaceOffsetsMatchTags(t *testing.T) {
	raw := buildTestCardFace(t, 0)
	outer, _, err := apdu.ParseTLV(raw)
	if err != nil {
		t.Fatal(err)
	}
	kids, _ := outer.Children()
	pos := outer.HeaderLen()
	var actual []int
	for _, k := range kids {
		actual = append(actual, pos)
		pos += len(k.Raw)
	}
	table := kids[0].Value
	for i := 0; i < 9; i++ {
		if got := int(binary.BigEndian.Uint16(table[2*i:])); got != actual[i+1] || raw[got] != 0xDF || raw[got+1] != byte(0x22+i) {
			t.Errorf("offset %d = %d, tag %s is at %d", i, got, kids[i+1].Tag, actual[i+1])
		}
	}
}

func TestCardFaceFiller(t *testing.T) {
	exact := buildTestCardFace(t, 0)
	padded := buildTestCardFace(t, 4096)
	if len(padded) != 4096 || !bytes.Equal(padded[:len(exact)], exact) || !apdu.IsFiller(padded[len(exact):]) || padded[len(padded)-1] != 0xFF {
		t.Fatal("padding is not FF after the TLV")
	}
	for _, in := range [][]byte{padded, append(bytes.Clone(exact), 0, 0, 0)} {
		f, err := ParseCardFace(in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(f.Raw, exact) {
			t.Error("Raw includes filler")
		}
	}
	if _, err := buildCardFaceSized(t, len(exact)-1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("size too small: err = %v, want ErrTooLarge", err)
	}
	bad := append(bytes.Clone(exact), 0xFF, 0x01)
	if _, err := ParseCardFace(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("data after filler: err = %v", err)
	}
}

func buildCardFaceSized(t *testing.T, size int) ([]byte, error) {
	s, u := cardFaceInput(t)
	return BuildCardFace(s, u, key(t, "cv-issuer-kenkaku"), size)
}

// Tampering with DF22…DF27 (and DF28) breaks the signature; DF29 and DF2A are not
// covered and tampering with them does not (conformance test 9 of CARD.md §9).
func TestCardFaceTampering(t *testing.T) {
	raw := buildTestCardFace(t, 0)
	issuer := pub(t, "cv-issuer-kenkaku")
	tests := []struct {
		tag      apdu.Tag
		at       func(v []byte) int // index in the value to change
		newByte  func(old byte) byte
		verifies bool
	}{
		{TagFaceBirthDate, func(v []byte) int { return 7 }, func(byte) byte { return '8' }, false},
		{TagFaceSex, func(v []byte) int { return 0 }, func(byte) byte { return '2' }, false},
		{TagFaceCardKey, func(v []byte) int { return 9 + 100 }, func(b byte) byte { return b ^ 1 }, false},
		{TagFaceName, func(v []byte) int { return len(v) - 1 }, func(b byte) byte { return b ^ 1 }, false},
		{TagFaceAddress, func(v []byte) int { return len(v) - 1 }, func(b byte) byte { return b ^ 1 }, false},
		{TagFacePhoto, func(v []byte) int { return len(v) - 1 }, func(b byte) byte { return b ^ 1 }, false},
		{TagFaceSignature, func(v []byte) int { return 0 }, func(b byte) byte { return b ^ 1 }, false},
		{TagFaceExpiry, func(v []byte) int { return 3 }, func(byte) byte { return '9' }, true},
		{TagFaceSecurityCode, func(v []byte) int { return len(v) - 1 }, func(b byte) byte { return b ^ 1 }, true},
	}
	for _, tc := range tests {
		t.Run(tc.tag.String(), func(t *testing.T) {
			objs := rawChildren(t, raw)[1:]
			i := int(tc.tag - TagFaceBirthDate)
			tlv, _, err := apdu.ParseTLV(objs[i])
			if err != nil {
				t.Fatal(err)
			}
			at := tlv.HeaderLen() + tc.at(tlv.Value)
			if nb := tc.newByte(objs[i][at]); nb == objs[i][at] {
				t.Fatal("mutation changes nothing")
			} else {
				objs[i][at] = nb
			}
			f, err := ParseCardFace(reassemble(uint32(TagCardFace), uint32(TagFaceOffsets), objs...))
			if err != nil {
				t.Fatalf("tampered file no longer parses: %v", err)
			}
			cov, err := f.Verify(issuer)
			if tc.verifies {
				if err != nil {
					t.Fatalf("unsigned %s tampered: Verify = %v, want nil", tc.tag, err)
				}
				if cov.Covers(tc.tag) {
					t.Errorf("coverage claims the unsigned %s", tc.tag)
				}
				return
			}
			var se *SignatureError
			if !errors.As(err, &se) || !errors.Is(err, ErrSignature) || se.File != FileSurfaceCardFace {
				t.Fatalf("signed %s tampered: Verify = %v, want *SignatureError", tc.tag, err)
			}
		})
	}
	f, _ := ParseCardFace(raw)
	if _, err := f.Verify(pub(t, "cv-issuer-kenhojo")); !errors.Is(err, ErrSignature) {
		t.Errorf("wrong issuer key: %v", err)
	}
	if _, err := f.Verify(nil); err == nil || errors.Is(err, ErrSignature) {
		t.Errorf("nil key: %v", err)
	}
}

func TestCardFaceWrongOffsets(t *testing.T) {
	raw := buildTestCardFace(t, 0)
	for i := 0; i < 9; i++ {
		b := bytes.Clone(raw)
		b[8+2*i+1]++ // low byte of offset i
		_, err := ParseCardFace(b)
		var oe *OffsetError
		if !errors.As(err, &oe) || !errors.Is(err, ErrMalformed) {
			t.Fatalf("offset %d: err = %v, want *OffsetError", i, err)
		}
		if oe.Index != i || oe.Tag != TagFaceBirthDate+apdu.Tag(i) || oe.Declared != oe.Actual+1 {
			t.Errorf("offset %d: %+v", i, oe)
		}
	}
}

// Any length encoding parses, and the offsets and signature follow the bytes written.
func TestCardFaceLengthForms(t *testing.T) {
	s, u := cardFaceInput(t)
	issuer := key(t, "cv-issuer-kenkaku")
	all := func(f apdu.LengthForm) cardFaceForms {
		return cardFaceForms{f, f, f, f, f, f, f, f, f, f, f}
	}
	tests := map[string]cardFaceForms{
		"default":          defaultCardFaceForms,
		"all minimal":      all(apdu.LengthMinimal),
		"all 82 hh ll":     all(apdu.LengthLong2),
		"all 83 xx xx xx":  all(apdu.LengthLong3),
		"short values 81":  {outer: apdu.LengthLong2, offsets: apdu.LengthLong1, dob: apdu.LengthLong1, sex: apdu.LengthLong1, key: apdu.LengthLong2, sig: apdu.LengthLong2, exp: apdu.LengthLong1, sec: apdu.LengthLong1, name: apdu.LengthLong2},
		"outer 83, key 83": {outer: apdu.LengthLong3, key: apdu.LengthLong3, sig: apdu.LengthLong3},
	}
	for name, forms := range tests {
		t.Run(name, func(t *testing.T) {
			raw, err := buildCardFace(s, u, issuer, 0, forms)
			if err != nil {
				t.Fatal(err)
			}
			f, err := ParseCardFace(raw)
			if err != nil {
				t.Fatal(err)
			}
			sameFields(t, "signed", f.Signed, s)
			sameFields(t, "unsigned", f.Unsigned, u)
			if _, err := f.Verify(&issuer.PublicKey); err != nil {
				t.Error(err)
			}
		})
	}
	// The signature covers the TLVs as written: re-encoding DF22 as 81 08 keeps the
	// file parseable but no longer verifies.
	objs := rawChildren(t, buildTestCardFace(t, 0))[1:]
	objs[0] = cat(h("DF 22 81 08"), objs[0][3:])
	f, err := ParseCardFace(reassemble(uint32(TagCardFace), uint32(TagFaceOffsets), objs...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Verify(&issuer.PublicKey); !errors.Is(err, ErrSignature) {
		t.Errorf("re-encoded DF22: Verify = %v, want ErrSignature", err)
	}
}

func TestCardFaceMalformed(t *testing.T) {
	good := rawChildren(t, buildTestCardFace(t, 0))[1:]
	with := func(i int, obj []byte) []byte {
		objs := make([][]byte, len(good))
		copy(objs, good)
		objs[i] = obj
		return reassemble(uint32(TagCardFace), uint32(TagFaceOffsets), objs...)
	}
	e3Key := bytes.Clone(good[2])
	e3Key[9] = 0x03 // exponent 01 00 03
	tests := []struct {
		name        string
		in          []byte
		tag         apdu.Tag // expected FormatError.Tag (0: any)
		unsupported bool
	}{
		{"wrong outer tag", cat(h("FF 21"), reassemble(0xFF20, 0xDF21, good...)[2:]), 0xFF21, false},
		{"missing DF2A", reassemble(0xFF20, 0xDF21, good[:8]...), TagFaceSecurityCode, false},
		{"extra object", reassemble(0xFF20, 0xDF21, append(good[:9:9], h("DF 2B 00"))...), 0xDF2B, false},
		{"DF29 before DF28", reassemble(0xFF20, 0xDF21, good[0], good[1], good[2], good[3], good[4], good[5], good[7], good[6], good[8]), TagFaceExpiry, false},
		{"birth date not digits", with(0, cat(h("DF 22 08"), []byte("1980-2-1"))), TagFaceBirthDate, false},
		{"birth date 7 bytes", with(0, cat(h("DF 22 07"), []byte("1980021"))), TagFaceBirthDate, false},
		{"sex 3", with(1, h("DF 23 01 33")), TagFaceSex, false},
		{"sex empty", with(1, h("DF 23 00")), TagFaceSex, false},
		{"card key exponent 3", with(2, e3Key), TagFaceCardKey, true},
		{"card key truncated", with(2, cat(h("DF 24 82 01 08"), good[2][5:len(good[2])-1])), TagFaceCardKey, false},
		{"name not PNG", with(3, cat(h("DF 25 04"), []byte("GIF8"))), TagFaceName, false},
		{"address not PNG", with(4, h("DF 26 00")), TagFaceAddress, false},
		{"photo is a PNG", with(5, good[3]), 0, false}, // DF25's bytes under DF27's slot: wrong tag
		{"photo not JP2", with(5, cat(h("DF 27 04"), h("FF 4F FF 51"))), TagFacePhoto, false},
		{"signature 255 bytes", with(6, cat(h("DF 28 81 FF"), repeat(1, 255))), TagFaceSignature, false},
		{"expiry not digits", with(7, cat(h("DF 29 08"), []byte("2035021X"))), TagFaceExpiry, false},
		{"security code not PNG", with(8, h("DF 2A 01 00")), TagFaceSecurityCode, false},
		{"offset table only", cat(h("FF 20 82 00 15 DF 21 12"), repeat(0, 18)), TagFaceBirthDate, false},
		{"offset table 16 bytes", cardFaceWithTable(good, 16), TagFaceOffsets, false},
		{"primitive outer tag", h("DF 20 00"), 0xDF20, false},
		{"not TLV", h("FF"), 0, false},
		{"empty", nil, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCardFace(tc.in)
			var fe *apdu.FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want *apdu.FormatError", err)
			}
			if tc.tag != 0 && fe.Tag != tc.tag {
				t.Errorf("error names %s, want %s (%v)", fe.Tag, tc.tag, err)
			}
			if got := errors.Is(err, cvc.ErrUnsupportedKey); got != tc.unsupported {
				t.Errorf("ErrUnsupportedKey = %v (%v)", got, err)
			}
		})
	}
}

func TestBuildCardFaceRejects(t *testing.T) {
	issuer := key(t, "cv-issuer-kenkaku")
	tests := []struct {
		name string
		mod  func(*CardFaceSigned, *CardFaceUnsigned)
		want error
	}{
		{"birth date", func(s *CardFaceSigned, u *CardFaceUnsigned) { s.BirthDate = "1980-02-17" }, ErrInvalid},
		{"sex", func(s *CardFaceSigned, u *CardFaceUnsigned) { s.Sex = 'M' }, ErrInvalid},
		{"name", func(s *CardFaceSigned, u *CardFaceUnsigned) { s.NamePNG = []byte("not a png") }, ErrInvalid},
		{"photo", func(s *CardFaceSigned, u *CardFaceUnsigned) { s.PhotoJP2 = fakePNG(100, 0) }, ErrInvalid},
		{"expiry", func(s *CardFaceSigned, u *CardFaceUnsigned) { u.Expiry = "" }, ErrInvalid},
		{"security code", func(s *CardFaceSigned, u *CardFaceUnsigned) { u.SecurityCodePNG = nil }, ErrInvalid},
		{"card key", func(s *CardFaceSigned, u *CardFaceUnsigned) { s.CardKey = nil }, ErrInvalid},
		{"photo beyond u16 offsets", func(s *CardFaceSigned, u *CardFaceUnsigned) { s.PhotoJP2 = fakeJP2(70000, 0) }, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, u := cardFaceInput(t)
			tc.mod(&s, &u)
			if _, err := BuildCardFace(s, u, issuer, 0); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	s, u := cardFaceInput(t)
	if _, err := BuildCardFace(s, u, nil, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil signer: %v", err)
	}
}

// cardFaceWithTable assembles the objects behind a DF21 of n bytes whose first entries
// are right, to test the table's own length.
func cardFaceWithTable(objs [][]byte, n int) []byte {
	body := 3 + n
	for _, o := range objs {
		body += len(o)
	}
	out := []byte{0xFF, 0x20, 0x82, byte(body >> 8), byte(body), 0xDF, 0x21, byte(n)}
	table := make([]byte, n)
	pos := 5 + 3 + n
	for i, o := range objs {
		if 2*i+1 < n {
			binary.BigEndian.PutUint16(table[2*i:], uint16(pos))
		}
		pos += len(o)
	}
	out = append(out, table...)
	for _, o := range objs {
		out = append(out, o...)
	}
	return out
}

// The fuzz seeds are compact card faces (tiny images): Go's fuzzer minimises every new
// interesting input, which is slow for multi-kB inputs.
func TestCardFaceFuzzSeeds(t *testing.T) {
	s, u := cardFaceInput(t)
	s.NamePNG, s.AddressPNG, s.PhotoJP2 = fakePNG(9, 1), fakePNG(130, 2), fakeJP2(13, 3)
	u.SecurityCodePNG = fakePNG(8, 4)
	raw, err := BuildCardFace(s, u, key(t, "cv-issuer-kenkaku"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCardFace(raw); err != nil {
		t.Fatal(err)
	}
	seed(t, "FuzzParseCardFace", "valid-small", raw)
	seed(t, "FuzzParseCardFace", "valid-small-with-filler", append(bytes.Clone(raw), repeat(0xFF, 8)...))
}
