package sm

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPad(t *testing.T) {
	cases := []struct {
		in    string
		block int
		want  string
	}{
		{"", 8, "8000000000000000"},
		{"01", 8, "0180000000000000"},
		{"01020304050607", 8, "0102030405060780"},
		{"0102030405060708", 8, "01020304050607088000000000000000"},
		{"31323334", 16, "31323334800000000000000000000000"},
		{"AA", 1, "AA80"},
		{"AA", 0, "AA80"},
	}
	for _, tc := range cases {
		in := h(tc.in)
		if got := X(Pad(in, tc.block)); got != tc.want {
			t.Errorf("Pad(%s, %d) = %s, want %s", tc.in, tc.block, got, tc.want)
		}
		back, err := Unpad(h(tc.want), tc.block)
		if err != nil || X(back) != tc.in {
			t.Errorf("Unpad(%s) = %s, %v", tc.want, X(back), err)
		}
	}
	// Pad never writes into the caller's array.
	buf := make([]byte, 2, 16)
	_ = Pad(buf, 8)
	if d := cmp.Diff([]byte{0, 0}, buf[:2]); d != "" || buf[:3][2] != 0 {
		t.Errorf("Pad touched its input")
	}
}

func TestUnpadErrors(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		block int
	}{
		{"empty", "", 8},
		{"not a multiple", "01028000000000", 8},
		{"no marker", "0102030405060708", 8},
		{"all zero", "0000000000000000", 8},
		{"marker too far back", "8000000000000000" + "0000000000000000", 8},
		{"junk after marker", "0102038001000000", 8},
		{"16: no marker", "31323334000000000000000000000000", 16},
	}
	for _, tc := range cases {
		_, err := Unpad(h(tc.in), tc.block)
		if !errors.Is(err, ErrBadPadding) || StatusFor(err) != 0x6988 {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
