package layout

import (
	"bytes"
	"errors"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

func TestTokenInfo(t *testing.T) {
	def := DefaultTokenInfo()
	raw, err := BuildTokenInfo(def)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "jpki-0006-token-info", raw)
	if len(raw) != TokenInfoLen || !bytes.Equal(raw[:32], []byte("JPKIAPICCTOKEN2                 ")) {
		t.Fatalf("first 32 bytes %q", raw[:32])
	}
	for _, w := range []struct {
		off  int
		want string
	}{
		{96, "00 00 04 0D"},  // flags: RNG | LOGIN_REQUIRED | USER_PIN_INITIALIZED | TOKEN_INITIALIZED
		{100, "00 00 00 01"}, // ulMaxSessionCount
		{116, "00 00 00 10"}, // ulMaxPinLen
		{120, "00 00 00 06"}, // ulMinPinLen
		{124, "FF FF FF FF"}, // ulTotalPublicMemory unavailable
		{140, "30 33 30 31"}, // versions "03" "01"
	} {
		if got := raw[w.off : w.off+4]; !bytes.Equal(got, h(w.want)) {
			t.Errorf("bytes %d: % X, want %s", w.off, got, w.want)
		}
	}
	for _, in := range [][]byte{raw, append(bytes.Clone(raw), repeat(0xFF, 96)...)} {
		got, err := ParseTokenInfo(in)
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, "token info", *got, def)
		if !got.IsCard() {
			t.Error("IsCard false")
		}
	}
	juki := def
	juki.Label = "JPKIAPICCTOKEN"
	b, _ := BuildTokenInfo(juki)
	if got, _ := ParseTokenInfo(b); got.IsCard() || got.Label != "JPKIAPICCTOKEN" {
		t.Errorf("住基カード label: %q", got.Label)
	}
	for name, in := range map[string][]byte{
		"159 bytes":     raw[:159],
		"trailing data": append(bytes.Clone(raw), 1),
		"label not UTF": append([]byte{0xFF, 0xFE}, raw[2:]...),
	} {
		if _, err := ParseTokenInfo(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	for name, mod := range map[string]func(*TokenInfo){
		"label too long":  func(t *TokenInfo) { t.Label = "JPKIAPICCTOKEN2JPKIAPICCTOKEN2JPK" },
		"model too long":  func(t *TokenInfo) { t.Model = "12345678901234567" },
		"trailing space":  func(t *TokenInfo) { t.SerialNumber = "1 " },
		"invalid UTF-8":   func(t *TokenInfo) { t.ManufacturerID = "\xff" },
		"serial 17 bytes": func(t *TokenInfo) { t.SerialNumber = "00000000000000000" },
	} {
		v := DefaultTokenInfo()
		mod(&v)
		if _, err := BuildTokenInfo(v); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestCertFlags(t *testing.T) {
	tests := []struct {
		sign, auth bool
		want       string
	}{
		{true, true, "8F 8F 00"},
		{false, true, "00 8F 00"},
		{true, false, "8F 00 00"},
		{false, false, "00 00 00"},
	}
	for _, tc := range tests {
		raw := BuildCertFlags(tc.sign, tc.auth)
		if !bytes.Equal(raw, h(tc.want)) {
			t.Errorf("BuildCertFlags(%v, %v) = % X", tc.sign, tc.auth, raw)
		}
		f, err := ParseCertFlags(raw)
		if err != nil || f.SignCert() != tc.sign || f.AuthCert() != tc.auth {
			t.Errorf("%s: %v sign=%v auth=%v", tc.want, err, f.SignCert(), f.AuthCert())
		}
	}
	golden(t, "jpki-0008-cert-flags", BuildCertFlags(true, true))
	for _, in := range [][]byte{nil, h("8F 8F"), repeat(0x8F, 16)} {
		if _, err := ParseCertFlags(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("% X: err = %v", in, err)
		}
	}
}

func TestCertificateSize(t *testing.T) {
	tests := []struct {
		in   string
		want int // 0: error
	}{
		{"30 82 06 2A", 0x62A + 4},
		{"30 82 06 2A 30 82 05 12", 0x62A + 4}, // more than the header is fine
		{"30 82 01 00", 0x104},
		{"30 82 1F FC", 0x2000},
		{"30 82 1F FD", 0},       // beyond MaxCertificateSize
		{"30 82 FF FF", 0},       // far beyond
		{"30 82 00 FF", 0},       // 82 form below 256 is not DER
		{"30 81 F0 30", 0},       // 81 form refused
		{"30 83 00 06 2A", 0},    // 83 form refused
		{"30 80 30 82", 0},       // indefinite
		{"31 82 06 2A", 0},       // SET, not SEQUENCE
		{"30 82 06", 0},          // short header
		{"", 0},                  // nothing
		{"FF FF FF FF FF FF", 0}, // filler (no certificate)
	}
	for _, tc := range tests {
		got, err := CertificateSize(h(tc.in))
		if tc.want == 0 {
			var fe *apdu.FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: size %d, err %v; want *apdu.FormatError", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestCommonInfo(t *testing.T) {
	c := CommonInfo{Serial: "400000012719843", Municipality: p01Municipality, Expiry: p01Expiry}
	raw, err := BuildCommonInfo(c)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "common-0001-record", raw)
	if want := cat(h("01 1C"), []byte("400000012719843"+p01Municipality+p01Expiry)); !bytes.Equal(raw, want) || len(raw) != CommonInfoLen {
		t.Fatalf("layout: % X", raw)
	}
	got, err := ParseCommonInfo(raw)
	if err != nil || *got != c {
		t.Fatalf("round trip: %v", err)
	}
	for name, in := range map[string][]byte{
		"short":       raw[:29],
		"long":        append(bytes.Clone(raw), 0xFF),
		"tag 02":      cat(h("02 1C"), raw[2:]),
		"length 1B":   cat(h("01 1B"), raw[2:]),
		"non-digit":   cat(raw[:10], []byte("X"), raw[11:]),
		"empty":       nil,
		"header only": h("01 1C"),
	} {
		if _, err := ParseCommonInfo(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	for _, bad := range []CommonInfo{
		{Serial: "40000001271984", Municipality: "13101", Expiry: "20350217"},
		{Serial: "400000012719843", Municipality: "1310", Expiry: "20350217"},
		{Serial: "400000012719843", Municipality: "13101", Expiry: "2035-2-1"},
	} {
		if _, err := BuildCommonInfo(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("BuildCommonInfo: err = %v", err)
		}
	}
}
