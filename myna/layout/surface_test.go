package layout

import (
	"bytes"
	"errors"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna/cvc"
)

func TestAgeRecord(t *testing.T) {
	issuer := key(t, "cv-issuer-kenkaku")
	raw, err := BuildAgeRecord(p01BirthDate, pub(t, "card"), issuer, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "surface-0001-age-record", raw)
	want := cat(h("FF 10 82 02 1E DF 11 08"), []byte(p01BirthDate), h("DF 12 82 01 09 90 03 01 00 01 91 82 01 00"))
	if len(raw) != AgeRecordLen || !bytes.Equal(raw[:len(want)], want) || !bytes.Equal(raw[286:291], h("DF 13 82 01 00")) {
		t.Fatalf("layout: %d bytes % X", len(raw), raw[:16])
	}
	r, err := ParseAgeRecord(append(bytes.Clone(raw), repeat(0xFF, 9)...))
	if err != nil {
		t.Fatal(err)
	}
	if r.BirthDate != p01BirthDate || !r.CardKey.Equal(pub(t, "card")) || !bytes.Equal(r.Raw, raw) {
		t.Error("decoded fields differ")
	}
	cov, err := r.Verify(&issuer.PublicKey)
	if err != nil || !cov.Covers(TagAgeBirthDate) || !cov.Covers(TagAgeCardKey) {
		t.Fatalf("Verify: %v %s", err, cov)
	}
	for _, off := range []int{12, 100, 300, 546} {
		b := bytes.Clone(raw)
		if off == 12 {
			b[off] = '9' // a different digit of the birth date
		} else {
			b[off] ^= 0x02
		}
		r, err := ParseAgeRecord(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Verify(&issuer.PublicKey); !errors.Is(err, ErrSignature) {
			t.Errorf("byte %d: %v", off, err)
		}
	}
	for name, in := range map[string][]byte{
		"date not digits": cat(raw[:8], []byte("1980/2/1"), raw[16:]),
		"no signature":    cat(h("FF 10 82 01 19"), raw[5:286]),
		"signature short": cat(h("FF 10 82 02 1C"), raw[5:286], h("DF 13 81 FF"), raw[291:546]),
		"truncated":       raw[:546],
	} {
		if _, err := ParseAgeRecord(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := BuildAgeRecord("1980", pub(t, "card"), issuer, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad date: %v", err)
	}
}

func TestMyNumberImage(t *testing.T) {
	issuer := key(t, "cv-issuer-kenkaku")
	png := fakePNG(150, 0x66)
	raw, err := BuildMyNumberImage(png, pub(t, "card"), issuer, 1024)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "surface-0005-my-number-image", raw)
	want := cat(h("FF 40 82 02 AD DF 41 81 96"), png, h("DF 42 82 01 09"))
	if len(raw) != 1024 || !bytes.Equal(raw[:len(want)], want) {
		t.Fatalf("layout: % X", raw[:12])
	}
	r, err := ParseMyNumberImage(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.NumberPNG, png) || !r.CardKey.Equal(pub(t, "card")) || len(r.Raw) != 5+0x2AD {
		t.Error("decoded fields differ")
	}
	if _, err := r.Verify(&issuer.PublicKey); err != nil {
		t.Fatal(err)
	}
	b := bytes.Clone(raw)
	b[len(want)-10] ^= 1 // inside the PNG
	r, _ = ParseMyNumberImage(b)
	if _, err := r.Verify(&issuer.PublicKey); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered image: %v", err)
	}
	if _, err := BuildMyNumberImage([]byte("GIF89a"), pub(t, "card"), issuer, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("not PNG: %v", err)
	}
}

func TestSurfaceAPInfo(t *testing.T) {
	v := SurfaceAPInfo{
		Ident:        [4]byte{0x06, 0x03, 0x0E, 0x01},
		KeyID:        cvc.MustKeyID("9000024", "001"),
		Version:      0x01,
		Municipality: p01Municipality,
		RefKeyID:     cvc.MustKeyID("9900025", "001"),
		RefData:      fakeImage(nil, 256, 0x77),
	}
	raw, err := BuildSurfaceAPInfo(v, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "surface-0003-ap-info", raw)
	want := cat(h("FF 30 82 01 3B DF 31 04 06 03 0E 01 DF 32 10"), v.KeyID[:], h("DF 33 01 01 DF 34 05"), []byte(p01Municipality), h("DF 35 82 01 10"), v.RefKeyID[:], v.RefData)
	if !bytes.Equal(raw, want) || len(raw) != 320 {
		t.Fatalf("layout: %d bytes", len(raw))
	}
	got, err := ParseSurfaceAPInfo(append(raw, 0xFF))
	if err != nil {
		t.Fatal(err)
	}
	sameFields(t, "AP info", *got, v)
	for name, in := range map[string][]byte{
		"municipality not digits": cat(raw[:38], []byte("1310A"), raw[43:]),
		"version 2 bytes":         cat(h("FF 30 82 01 3C"), raw[5:33], h("02 01 01"), raw[35:]),
		"DF35 too short":          cat(h("FF 30 82 01 3A"), raw[5:39], h("82 01 0F"), raw[42:319]),
	} {
		if _, err := ParseSurfaceAPInfo(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	bad := v
	bad.Municipality = "1310"
	if _, err := BuildSurfaceAPInfo(bad, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("4-digit municipality: %v", err)
	}
	bad = v
	bad.RefData = nil
	if _, err := BuildSurfaceAPInfo(bad, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("no DF35 data: %v", err)
	}
}

func TestOpaque16(t *testing.T) {
	raw := BuildOpaque16()
	golden(t, "surface-0006-and-text-0008", raw)
	if !bytes.Equal(raw, repeat(0xFF, 16)) {
		t.Fatalf("% X", raw)
	}
	if got, err := ParseOpaque16(FileSurface0006, raw); err != nil || got != [16]byte(raw) {
		t.Fatal(err)
	}
	if _, err := ParseOpaque16(FileText0008, raw[:15]); !errors.Is(err, ErrMalformed) {
		t.Error(err)
	}
}

func TestCoverageString(t *testing.T) {
	s := CardFaceCoverage().String()
	for _, want := range []string{"DF22 birth date", "NOT covered", "DF29 expiry date", "DF2A security code image"} {
		if !bytes.Contains([]byte(s), []byte(want)) {
			t.Errorf("%q lacks %q", s, want)
		}
	}
	var c Coverage
	if c.Covers(apdu.Tag(0xDF22)) {
		t.Error("empty coverage covers DF22")
	}
}
