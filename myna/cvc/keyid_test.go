package cvc

import (
	"bytes"
	"errors"
	"testing"
)

func TestNewKeyID(t *testing.T) {
	tests := []struct {
		name              string
		authority, serial string
		want              []byte // nil: error
		str               string
	}{
		{"production surface CA", "5000023", "001", cat([]byte("5000023"), h("0805"), []byte("001"), h("00000000")), "5000023/001"},
		{"production text CA", "5000033", "001", cat([]byte("5000033"), h("0805"), []byte("001"), h("00000000")), "5000033/001"},
		{"test CA", "9000023", "001", cat([]byte("9000023"), h("0805"), []byte("001"), h("00000000")), "9000023/001"},
		{"municipal subject", "1322121", "000", cat([]byte("1322121"), h("0805"), []byte("000"), h("00000000")), "1322121/000"},
		{"authority too short", "500002", "001", nil, ""},
		{"authority too long", "50000230", "001", nil, ""},
		{"authority not digits", "50000A3", "001", nil, ""},
		{"serial too short", "5000023", "01", nil, ""},
		{"serial not digits", "5000023", "0x1", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := NewKeyID(tc.authority, tc.serial)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("NewKeyID(%q, %q) = %s, want an error", tc.authority, tc.serial, k)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(k[:], tc.want) {
				t.Errorf("bytes % X, want % X", k[:], tc.want)
			}
			if got := k.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
			if !k.Canonical() || k.Authority() != tc.authority || k.Serial() != tc.serial {
				t.Errorf("Canonical=%v Authority=%q Serial=%q", k.Canonical(), k.Authority(), k.Serial())
			}
		})
	}
}

func TestKeyIDStringOddForms(t *testing.T) {
	padded, err := KeyIDFromBytes(cat([]byte("6000024"), h("0805"), []byte("001"), h("00000001")))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := padded.String(), "6000024/001+00000001"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if padded.Canonical() {
		t.Error("non-zero padding reported canonical")
	}
	garbage, _ := KeyIDFromBytes(repeat(0xAB, 16))
	if got, want := garbage.String(), "KeyID(ABABABABABABABABABABABABABABABAB)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if _, err := KeyIDFromBytes(repeat(0, 15)); !errors.Is(err, ErrMalformed) {
		t.Errorf("15 bytes: err = %v, want ErrMalformed", err)
	}
	if !MustKeyID("5000023", "001").ProductionRange() || MustKeyID("9000023", "001").ProductionRange() {
		t.Error("ProductionRange")
	}
	if !MustKeyID("9000023", "001").TestRange() || MustKeyID("6000023", "001").TestRange() {
		t.Error("TestRange")
	}
}
