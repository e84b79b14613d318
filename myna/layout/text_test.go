package layout

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna/cvc"
)

// basicFour52 has the shape of the CARD.md §5.2 example: a 15-byte name, a 54-byte
// address, so a 1-byte outer length 65 and offsets 000E 0020 0059 0064.
var basicFour52 = BasicFour{
	Name:      p01Name,              // 5 characters, 15 bytes
	Address:   "東京都千代田区試験町一丁目２番３０号", // 18 characters, 54 bytes
	BirthDate: p01BirthDate,
	Sex:       p01Sex,
}

func TestBasicFourGoldenCARD52(t *testing.T) {
	raw, err := BuildBasicFour(basicFour52, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "text-0002-basic-four", raw)
	seed(t, "FuzzParseBasicFour", "card-md-5.2", raw)

	if want := h("FF 20 65 DF 21 08 00 0E 00 20 00 59 00 64 DF 22 0F"); !bytes.Equal(raw[:len(want)], want) {
		t.Errorf("header % X, want % X", raw[:len(want)], want)
	}
	for _, part := range []struct {
		off  int
		want []byte
	}{
		{0x20, h("DF 23 36")},
		{0x59, cat(h("DF 24 08"), []byte("19800217"))},
		{0x64, h("DF 25 01 31")},
	} {
		if got := raw[part.off : part.off+len(part.want)]; !bytes.Equal(got, part.want) {
			t.Errorf("at 0x%02X: % X, want % X", part.off, got, part.want)
		}
	}
	if len(raw) != 0x68 {
		t.Errorf("%d bytes, want %d", len(raw), 0x68)
	}
	f, err := ParseBasicFour(raw)
	if err != nil {
		t.Fatal(err)
	}
	sameFields(t, "basic four", f.BasicFour, basicFour52)
	if f.Offsets != [4]uint16{0x0E, 0x20, 0x59, 0x64} {
		t.Errorf("offsets %04X", f.Offsets)
	}
	// DF32's input is raw[14:] for a 1-byte outer length (CARD.md §10, not PYMYNA's raw[11:]).
	if !bytes.Equal(f.DigestSource(), raw[14:]) {
		t.Error("digest source is not the bytes from DF22 to the end")
	}
	again, err := BuildBasicFour(f.BasicFour, 0)
	if err != nil || !bytes.Equal(again, raw) {
		t.Errorf("re-encoding differs (%v)", err)
	}
}

// The outer length may be 81 xx or 82 xx xx; the offsets then shift, the content and
// the DF32 digest source do not.
func TestBasicFourOuterLengthForms(t *testing.T) {
	ref, err := ParseBasicFour(mustBuildBasicFour(t, basicFour52, apdu.LengthMinimal))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		form  apdu.LengthForm
		shift uint16
		head  string
	}{
		{apdu.LengthMinimal, 0, "FF 20 65"},
		{apdu.LengthLong1, 1, "FF 20 81 65"},
		{apdu.LengthLong2, 2, "FF 20 82 00 65"},
		{apdu.LengthLong3, 3, "FF 20 83 00 00 65"},
	} {
		raw := mustBuildBasicFour(t, basicFour52, tc.form)
		if !bytes.HasPrefix(raw, h(tc.head)) {
			t.Errorf("form %d: header % X", tc.form, raw[:6])
		}
		f, err := ParseBasicFour(raw)
		if err != nil {
			t.Fatalf("form %d: %v", tc.form, err)
		}
		for i := range f.Offsets {
			if f.Offsets[i] != ref.Offsets[i]+tc.shift {
				t.Errorf("form %d: offset %d = %d", tc.form, i, f.Offsets[i])
			}
		}
		sameFields(t, "basic four", f.BasicFour, basicFour52)
		if !bytes.Equal(f.DigestSource(), ref.DigestSource()) {
			t.Errorf("form %d: digest source differs", tc.form)
		}
	}
	seed(t, "FuzzParseBasicFour", "outer-82", mustBuildBasicFour(t, basicFour52, apdu.LengthLong2))
}

func mustBuildBasicFour(t *testing.T, v BasicFour, form apdu.LengthForm) []byte {
	t.Helper()
	b, err := buildBasicFour(v, 0, form)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBasicFourMinimalOuterGrows(t *testing.T) {
	long := BasicFour{ // p02-long-address: body over 128 bytes
		Name:      "対面　花子",
		Address:   "北海道札幌市中央区北一条西二十三丁目四番五十六号　テストレジデンス札幌北一条タワー棟二十四階二千四百五十六号室",
		BirthDate: "19950730",
		Sex:       '2',
	}
	raw, err := BuildBasicFour(long, 0)
	if err != nil {
		t.Fatal(err)
	}
	if raw[2] != 0x82 && raw[2] != 0x81 {
		t.Fatalf("outer length byte %02X, want a long form", raw[2])
	}
	seed(t, "FuzzParseBasicFour", "long-address", raw)
	f, err := ParseBasicFour(append(raw, repeat(0xFF, 64)...))
	if err != nil {
		t.Fatal(err)
	}
	sameFields(t, "basic four", f.BasicFour, long)
	huge := long
	huge.Address = strings.Repeat("住", 100) // 300 bytes: 82 form
	raw, err = BuildBasicFour(huge, 512)
	if err != nil || raw[2] != 0x82 || len(raw) != 512 {
		t.Fatalf("huge: %v % X len %d", err, raw[:5], len(raw))
	}
	if _, err := ParseBasicFour(raw); err != nil {
		t.Fatal(err)
	}
}

func TestBasicFourErrors(t *testing.T) {
	good := rawChildren(t, mustBuildBasicFour(t, basicFour52, apdu.LengthLong2))[1:]
	with := func(i int, obj []byte) []byte {
		objs := make([][]byte, len(good))
		copy(objs, good)
		objs[i] = obj
		return reassemble(uint32(TagBasicFour), uint32(TagBasicFourOffsets), objs...)
	}
	valid := reassemble(uint32(TagBasicFour), uint32(TagBasicFourOffsets), good...)
	if _, err := ParseBasicFour(valid); err != nil {
		t.Fatalf("reassembled file: %v", err)
	}
	tests := []struct {
		name string
		in   []byte
		tag  apdu.Tag
	}{
		{"name not UTF-8", with(0, h("DF 22 02 E9 BB")), TagBasicFourName},
		{"name empty", with(0, h("DF 22 00")), TagBasicFourName},
		{"address not UTF-8", with(1, h("DF 23 01 FF")), TagBasicFourAddress},
		{"birth date", with(2, cat(h("DF 24 08"), []byte("S55.2.17"))), TagBasicFourBirthDate},
		{"sex", with(3, h("DF 25 01 4D")), TagBasicFourSex},
		{"sex two bytes", with(3, h("DF 25 02 31 31")), TagBasicFourSex},
		{"missing sex", reassemble(0xFF20, 0xDF21, good[:3]...), TagBasicFourSex},
		{"name and address swapped", reassemble(0xFF20, 0xDF21, good[1], good[0], good[2], good[3]), TagBasicFourAddress},
		{"wrong outer tag", cat(h("FF 10"), valid[2:]), 0xFF10},
		{"data after filler", append(bytes.Clone(valid), 0xFF, 0x20), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBasicFour(tc.in)
			var fe *apdu.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *apdu.FormatError", err)
			}
			if fe.Tag != tc.tag {
				t.Errorf("error names %s, want %s: %v", fe.Tag, tc.tag, err)
			}
			if strings.Contains(err.Error(), p01Name) || strings.Contains(err.Error(), "東京") {
				t.Error("error quotes personal data")
			}
		})
	}
	for i := 0; i < 4; i++ {
		b := bytes.Clone(valid)
		b[8+2*i+1] ^= 0x40
		_, err := ParseBasicFour(b)
		var oe *OffsetError
		if !errors.As(err, &oe) || oe.Index != i || oe.Tag != TagBasicFourName+apdu.Tag(i) {
			t.Errorf("offset %d: err = %v", i, err)
		}
	}
	for _, bad := range []BasicFour{
		{Name: "", Address: "x", BirthDate: "19800217", Sex: '1'},
		{Name: "x", Address: "\xff", BirthDate: "19800217", Sex: '1'},
		{Name: "x", Address: "x", BirthDate: "1980217", Sex: '1'},
		{Name: "x", Address: "x", BirthDate: "19800217", Sex: '5'},
	} {
		if _, err := BuildBasicFour(bad, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("BuildBasicFour: err = %v, want ErrInvalid", err)
		}
	}
	if _, err := BuildBasicFour(basicFour52, 50); !errors.Is(err, ErrTooLarge) {
		t.Errorf("size 50: %v", err)
	}
}

func TestMyNumberFile(t *testing.T) {
	raw, err := BuildMyNumberFile(p01Number)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "text-0001-my-number", raw)
	if want := cat(h("FF 10 0C"), []byte(p01Number), h("FF FF")); !bytes.Equal(raw, want) || len(raw) != MyNumberFileLen {
		t.Fatalf("file is not FF 10 0C <12 digits> FF FF")
	}
	tests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"physical 17 bytes", raw, true},
		{"TLV only", raw[:15], true},
		{"81 length form", cat(h("FF 10 81 0C"), []byte(p01Number), h("FF")), true},
		{"00 filler", cat(raw[:15], h("00 00")), true},
		{"11 digits", cat(h("FF 10 0B"), []byte(p01Number[:11]), h("FF FF FF")), false},
		{"non-digit", cat(h("FF 10 0C"), []byte("12345678901A"), h("FF FF")), false},
		{"wrong tag", cat(h("FF 11 0C"), []byte(p01Number), h("FF FF")), false},
		{"trailing data", cat(raw[:15], h("FF 01")), false},
		{"truncated", raw[:14], false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMyNumberFile(tc.in)
			if !tc.ok {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				if strings.Contains(err.Error(), "1234") {
					t.Error("error quotes the number")
				}
				return
			}
			if err != nil || got != p01Number {
				t.Fatalf("err = %v, number matches: %v", err, got == p01Number)
			}
		})
	}
	for _, bad := range []string{"", "12345678901", "1234567890123", "12345678901X"} {
		if _, err := BuildMyNumberFile(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("BuildMyNumberFile: err = %v", err)
		}
	}
}

func p01TextFiles(t *testing.T) (number, basic []byte) {
	t.Helper()
	number, err := BuildMyNumberFile(p01Number)
	if err != nil {
		t.Fatal(err)
	}
	basic, err = BuildBasicFour(BasicFour{Name: p01Name, Address: p01Address, BirthDate: p01BirthDate, Sex: p01Sex}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return number, basic
}

func TestIntegrityGolden(t *testing.T) {
	number, basic := p01TextFiles(t)
	issuer := key(t, "cv-issuer-kenhojo")
	raw, err := BuildIntegrity(number, basic, issuer, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "text-0003-integrity", raw)
	seed(t, "FuzzParseIntegrity", "valid", raw)
	seed(t, "FuzzParseIntegrity", "valid-with-filler", append(bytes.Clone(raw), repeat(0xFF, 16)...))

	d1 := sha256.Sum256(number)     // all 17 physical bytes
	d2 := sha256.Sum256(basic[14:]) // from the DF22 tag (1-byte outer length)
	want := cat(h("FF 30 82 01 4B DF 31 20"), d1[:], h("DF 32 20"), d2[:], h("DF 33 82 01 00"))
	if len(raw) != IntegrityLen || !bytes.Equal(raw[:len(want)], want) {
		t.Fatalf("layout: % X…", raw[:16])
	}
	r, err := ParseIntegrity(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.signed) != 70 || !bytes.Equal(r.signed, raw[5:75]) {
		t.Errorf("signed bytes: %d", len(r.signed))
	}
	cov, err := r.Verify(&issuer.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if !cov.Covers(TagIntegrityMyNumber) || !cov.Covers(TagIntegrityBasicFour) || cov.Note == "" {
		t.Errorf("coverage: %s", cov)
	}
	if err := r.CheckMyNumberFile(number); err != nil {
		t.Error(err)
	}
	bf, _ := ParseBasicFour(basic)
	if err := r.CheckBasicFour(bf); err != nil {
		t.Error(err)
	}
	// The digest is of the physical file: the 15-byte TLV alone does not match.
	var de *DigestError
	if err := r.CheckMyNumberFile(number[:15]); !errors.As(err, &de) || de.Tag != TagIntegrityMyNumber || !errors.Is(err, ErrDigest) {
		t.Errorf("15-byte TLV: err = %v, want *DigestError for DF31", err)
	}
	other, _ := BuildBasicFour(BasicFour{Name: "番号　次郎", Address: p01Address, BirthDate: p01BirthDate, Sex: p01Sex}, 0)
	obf, _ := ParseBasicFour(other)
	if err := r.CheckBasicFour(obf); !errors.As(err, &de) || de.Tag != TagIntegrityBasicFour {
		t.Errorf("other basic four: err = %v", err)
	}
	// The same basic four with an 82 outer length has the same DF32.
	long, _ := buildBasicFour(bf.BasicFour, 0, apdu.LengthLong2)
	lbf, _ := ParseBasicFour(long)
	if err := r.CheckBasicFour(lbf); err != nil {
		t.Errorf("82-form basic four: %v", err)
	}
	// Tampering with a digest or the signature breaks the signature.
	for _, off := range []int{8, 8 + 31, 43, 74, 80, 335} {
		b := bytes.Clone(raw)
		b[off] ^= 0x01
		r, err := ParseIntegrity(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Verify(&issuer.PublicKey); !errors.Is(err, ErrSignature) {
			t.Errorf("byte %d: %v", off, err)
		}
	}
	if _, err := r.Verify(pub(t, "cv-issuer-kenkaku")); !errors.Is(err, ErrSignature) {
		t.Errorf("wrong key: %v", err)
	}
}

func TestIntegrityErrors(t *testing.T) {
	number, basic := p01TextFiles(t)
	raw, _ := BuildIntegrity(number, basic, key(t, "cv-issuer-kenhojo"), 0)
	kids := rawChildren(t, raw)
	assemble := func(objs ...[]byte) []byte {
		b := apdu.NewBuilder(nil)
		b.AddConstructed(TagIntegrity, apdu.LengthLong2, func(b *apdu.Builder) {
			for _, o := range objs {
				b.AddRaw(o)
			}
		})
		out, _ := b.Bytes()
		return out
	}
	tests := map[string][]byte{
		"DF31 31 bytes":     assemble(cat(h("DF 31 1F"), kids[0][3:34]), kids[1], kids[2]),
		"DF32 missing":      assemble(kids[0], kids[2]),
		"signature short":   assemble(kids[0], kids[1], cat(h("DF 33 81 80"), repeat(1, 128))),
		"extra object":      assemble(kids[0], kids[1], kids[2], h("DF 34 00")),
		"wrong outer":       cat(h("FF 31"), raw[2:]),
		"trailing":          append(bytes.Clone(raw), 0x31),
		"truncated":         raw[:335],
		"digests swapped":   assemble(kids[1], kids[0], kids[2]),
		"not constructed":   h("DF 30 00"),
		"empty":             nil,
		"outer length lies": cat(h("FF 30 82 01 4C"), raw[5:], h("FF")),
	}
	for name, in := range tests {
		if _, err := ParseIntegrity(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
	if _, err := BuildIntegrity(number[:14], basic, key(t, "cv-issuer-kenhojo"), 0); err == nil {
		t.Error("BuildIntegrity accepted a truncated My Number file")
	}
}

func TestTextAPInfo(t *testing.T) {
	v := TextAPInfo{
		Ident:  [4]byte{0x01, 0x03, 0x0E, 0x01},
		KeyID:  cvc.MustKeyID("9000034", "001"),
		Opaque: cat(fakeImage(nil, 32, 0x55), repeat(0xFF, 96)),
	}
	raw, err := BuildTextAPInfo(v, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "text-0005-ap-info", raw)
	want := cat(h("FF 40 82 00 9F DF 41 04 01 03 0E 01 DF 42 10"), v.KeyID[:], h("DF 43 82 00 80"), v.Opaque)
	if len(raw) != TextAPInfoMinSize || !bytes.Equal(raw[:len(want)], want) || !apdu.IsFiller(raw[len(want):]) {
		t.Fatalf("layout: % X", raw[:24])
	}
	got, err := ParseTextAPInfo(raw)
	if err != nil {
		t.Fatal(err)
	}
	sameFields(t, "text AP info", *got, v)
	// DF43 with 81 80 (CARD.md's other reading) and a minimal outer length also parse.
	alt := cat(h("FF 40 81 9E DF 41 04 01 03 0E 01 DF 42 10"), v.KeyID[:], h("DF 43 81 80"), v.Opaque)
	if got, err := ParseTextAPInfo(alt); err != nil {
		t.Error(err)
	} else {
		sameFields(t, "81 80 form", *got, v)
	}
	if _, err := BuildTextAPInfo(v, 255); !errors.Is(err, ErrInvalid) {
		t.Errorf("size 255: %v", err)
	}
	if raw, err := BuildTextAPInfo(v, 300); err != nil || len(raw) != 300 {
		t.Errorf("size 300: %v", err)
	}
	short := v
	short.Opaque = v.Opaque[:32]
	if _, err := BuildTextAPInfo(short, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("32-byte DF43: %v", err)
	}
	bad := cat(h("FF 40 82 00 3F DF 41 04 01 03 0E 01 DF 42 10"), v.KeyID[:], h("DF 43 82 00 20"), v.Opaque[:32])
	if _, err := ParseTextAPInfo(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("32-byte DF43 parsed: %v", err)
	}
}

func TestSessionKey(t *testing.T) {
	k := pub(t, "kenhojo-session")
	raw, err := BuildSessionKey(k, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "text-0006-session-key", raw)
	if !bytes.HasPrefix(raw, h("A1 82 01 09 90 03 01 00 01 91 82 01 00")) || len(raw) != 269 {
		t.Fatalf("layout % X, %d bytes", raw[:13], len(raw))
	}
	padded, _ := BuildSessionKey(k, 300)
	for _, in := range [][]byte{raw, padded} {
		got, err := ParseSessionKey(in)
		if err != nil || !got.Equal(k) {
			t.Fatalf("round trip: %v", err)
		}
	}
	for name, in := range map[string][]byte{
		"wrong tag":   cat(h("A2"), raw[1:]),
		"exponent 3":  cat(raw[:6], h("03"), raw[7:]),
		"truncated":   raw[:200],
		"trailing":    append(bytes.Clone(raw), 1),
		"key missing": h("A1 00"),
	} {
		if _, err := ParseSessionKey(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestSignedCardKey(t *testing.T) {
	issuer := key(t, "cv-issuer-kenhojo")
	raw, err := BuildSignedCardKey(pub(t, "card"), issuer, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "text-0007-signed-card-key", raw)
	if !bytes.HasPrefix(raw, h("FF 50 82 02 13 DF 51 82 01 09 90 03 01 00 01 91 82 01 00")) || len(raw) != 536 ||
		!bytes.Equal(raw[275:280], h("DF 52 82 01 00")) {
		t.Fatalf("layout: %d bytes", len(raw))
	}
	r, err := ParseSignedCardKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !r.CardKey.Equal(pub(t, "card")) {
		t.Error("card key differs")
	}
	cov, err := r.Verify(&issuer.PublicKey)
	if err != nil || !cov.Covers(TagSignedCardKeyKey) || cov.Covers(TagSignedCardKeySig) {
		t.Fatalf("Verify: %v, %s", err, cov)
	}
	b := bytes.Clone(raw)
	b[100] ^= 0x10
	r2, err := ParseSignedCardKey(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Verify(&issuer.PublicKey); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered key: %v", err)
	}
}
