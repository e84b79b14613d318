package layout

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

// parsers lists every Parse function with a valid file, for the robustness tests.
func parsers(t *testing.T) []struct {
	name  string
	valid []byte
	parse func([]byte) error
} {
	number, basic := p01TextFiles(t)
	integrity, _ := BuildIntegrity(number, basic, key(t, "cv-issuer-kenhojo"), 0)
	age, _ := BuildAgeRecord(p01BirthDate, pub(t, "card"), key(t, "cv-issuer-kenkaku"), 0)
	img, _ := BuildMyNumberImage(fakePNG(100, 1), pub(t, "card"), key(t, "cv-issuer-kenkaku"), 0)
	sck, _ := BuildSignedCardKey(pub(t, "card"), key(t, "cv-issuer-kenhojo"), 0)
	sess, _ := BuildSessionKey(pub(t, "kenhojo-session"), 0)
	tok, _ := BuildTokenInfo(DefaultTokenInfo())
	sinfo, _ := BuildSurfaceAPInfo(SurfaceAPInfo{Municipality: "13101", RefData: make([]byte, 256)}, 0)
	tinfo, _ := BuildTextAPInfo(TextAPInfo{Opaque: make([]byte, 128)}, 0)
	common, _ := BuildCommonInfo(CommonInfo{Serial: "400000012719843", Municipality: "13101", Expiry: "20350217"})
	return []struct {
		name  string
		valid []byte
		parse func([]byte) error
	}{
		{"card face", buildTestCardFace(t, 0), wrap(ParseCardFace)},
		{"age record", age, wrap(ParseAgeRecord)},
		{"number image", img, wrap(ParseMyNumberImage)},
		{"surface AP info", sinfo, wrap(ParseSurfaceAPInfo)},
		{"my number", number, wrap(ParseMyNumberFile)},
		{"basic four", basic, wrap(ParseBasicFour)},
		{"integrity", integrity, wrap(ParseIntegrity)},
		{"text AP info", tinfo, wrap(ParseTextAPInfo)},
		{"session key", sess, wrap(ParseSessionKey)},
		{"signed card key", sck, wrap(ParseSignedCardKey)},
		{"token info", tok, wrap(ParseTokenInfo)},
		{"cert flags", BuildCertFlags(true, true), wrap(ParseCertFlags)},
		{"cert size", h("30 82 06 2A"), wrap(CertificateSize)},
		{"common info", common, wrap(ParseCommonInfo)},
	}
}

func wrap[T any](f func([]byte) (T, error)) func([]byte) error {
	return func(b []byte) error { _, err := f(b); return err }
}

// Truncated inputs give errors, never panics; so do oversized outer lengths and
// every single-byte corruption (which may or may not still parse).
func TestParsersTruncatedAndCorrupted(t *testing.T) {
	for _, p := range parsers(t) {
		t.Run(p.name, func(t *testing.T) {
			if err := p.parse(p.valid); err != nil {
				t.Fatalf("valid file: %v", err)
			}
			for n := 0; n < len(p.valid); n++ {
				err := p.parse(p.valid[:n])
				if err == nil && !fillerPrefixOK(p.valid, n) {
					t.Fatalf("%d of %d bytes parsed", n, len(p.valid))
				}
				if err != nil && !errors.Is(err, ErrMalformed) {
					t.Fatalf("%d bytes: %v does not wrap ErrMalformed", n, err)
				}
			}
			for i := range p.valid {
				for _, x := range []byte{0x01, 0x80, 0xFF} {
					b := bytes.Clone(p.valid)
					b[i] ^= x
					mustNotPanic(t, fmt.Sprintf("byte %d ^ %02X", i, x), func() { _ = p.parse(b) })
				}
			}
		})
	}
}

// fillerPrefixOK: a file may legitimately be read without (part of) its filler, e.g.
// the text AP's EF 0001 as its 15-byte TLV without FF FF.
func fillerPrefixOK(valid []byte, n int) bool {
	t, rest, err := apdu.ParseTLV(valid)
	return err == nil && len(rest) > 0 && n >= len(t.Raw)
}

func mustNotPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: panic: %v", what, r)
		}
	}()
	f()
}

func TestInputBound(t *testing.T) {
	big := append(buildTestCardFace(t, 0), repeat(0xFF, MaxFileSize)...)
	for _, p := range parsers(t) {
		if p.name == "cert size" || p.name == "cert flags" || p.name == "common info" {
			continue // fixed-size inputs
		}
		in := append(bytes.Clone(p.valid), repeat(0xFF, MaxFileSize)...)
		if err := p.parse(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %d bytes accepted", p.name, len(in))
		}
	}
	if _, err := ParseCardFace(big[:MaxFileSize]); err != nil {
		t.Errorf("card face with filler up to MaxFileSize: %v", err)
	}
}

// Outer lengths announcing more than is there are errors, whatever the form.
func TestOversizedLengths(t *testing.T) {
	for _, in := range [][]byte{
		h("FF 20 82 FF FF DF 21 12"),
		h("FF 20 84 FF FF FF FF"),
		h("FF 20 83 FF FF FF"),
		h("FF 20 85 00 00 00 00 10"),
		h("FF 20 80"),
		h("FF 30 82 01 4B DF 31 20"),
		h("FF 20 08 DF 21 82 FF FF 00 00 00"),
	} {
		for name, parse := range map[string]func([]byte) error{
			"card face":  func(b []byte) error { _, err := ParseCardFace(b); return err },
			"basic four": func(b []byte) error { _, err := ParseBasicFour(b); return err },
			"integrity":  func(b []byte) error { _, err := ParseIntegrity(b); return err },
		} {
			if err := parse(in); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s(% X): err = %v", name, in, err)
			}
		}
	}
}
