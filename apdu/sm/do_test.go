package sm

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/taimen-dev/taimen/apdu"
)

func TestParseObjects(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want Objects
		enc  string // Append's output when it differs from in
	}{
		{"empty", "", Objects{}, ""},
		{"DO'87' DO'8E'", "8709016375432908C044F6 8E08BF8B92D635FF24F8",
			Objects{CryptoTag: DO87, Indicator: 1, Cryptogram: h("6375432908C044F6"), MAC: h("BF8B92D635FF24F8"), Covered: h("8709016375432908C044F6")}, ""},
		{"DO'97' DO'8E'", "970104 8E08ED6705417E96BA55",
			Objects{LeTag: DO97, Le: h("04"), MAC: h("ED6705417E96BA55"), Covered: h("970104")}, ""},
		{"response DO'87' DO'99' DO'8E'", "8709019FF0EC34F9922651 99029000 8E08AD55CC17140B2DED",
			Objects{CryptoTag: DO87, Indicator: 1, Cryptogram: h("9FF0EC34F9922651"), HasStatus: true, Status: 0x9000, MAC: h("AD55CC17140B2DED"),
				Covered: h("8709019FF0EC34F9922651 99029000")}, ""},
		{"text AP DO'86'", "861101" + "00112233445566778899AABBCCDDEEFF",
			Objects{CryptoTag: DO86, Indicator: 1, Cryptogram: h("00112233445566778899AABBCCDDEEFF")}, ""},
		{"text AP DO'96'", "9603000000", Objects{LeTag: DO96, Le: h("000000")}, ""},
		{"DO'85' no indicator", "8508 0102030405060708", Objects{CryptoTag: DO85, Cryptogram: h("0102030405060708"), Covered: h("85080102030405060708")}, ""},
		{"long-form length", "86811101" + "00112233445566778899AABBCCDDEEFF",
			Objects{CryptoTag: DO86, Indicator: 1, Cryptogram: h("00112233445566778899AABBCCDDEEFF")}, "861101" + "00112233445566778899AABBCCDDEEFF"},
		{"Le before cryptogram: covered in input order", "970100 870201AA 8E0411223344",
			Objects{CryptoTag: DO87, Indicator: 1, Cryptogram: h("AA"), LeTag: DO97, Le: h("00"), MAC: h("11223344"), Covered: h("970100 870201AA")},
			"870201AA 970100 8E0411223344"},
		{"empty DO'97'", "9700 8E00", Objects{LeTag: DO97, Le: []byte{}, MAC: []byte{}, Covered: h("9700")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseObjects(h(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			enc := tc.enc
			if enc == "" {
				enc = tc.in
			}
			if X(got.Append(nil)) != X(h(enc)) {
				t.Errorf("Append = %s, want %s", X(got.Append(nil)), X(h(enc)))
			}
		})
	}
}

func TestParseObjectsErrors(t *testing.T) {
	cases := []struct {
		name string
		in   string
		tag  apdu.Tag
	}{
		{"not TLV", "87", 0},
		{"truncated", "870501AA", 0},
		{"unknown tag", "5F2001AA", 0x5F20},
		{"two cryptograms", "870201AA 850101", DO85},
		{"same cryptogram twice", "860201AA 860201AA", DO86},
		{"two Le", "970100 960100", DO96},
		{"two status", "99029000 99029000", DO99},
		{"DO'87' without indicator", "8700", DO87},
		{"status of 1 byte", "990190", DO99},
		{"Le of 4 bytes", "970400000000", DO97},
		{"Le 3 bytes not 00", "9603010000", DO96},
		{"object after DO'8E'", "8E0401020304 970100", DO97},
		{"two DO'8E'", "8E0401020304 8E0401020304", DO8E},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseObjects(h(tc.in))
			var de *DOError
			if !errors.As(err, &de) || !errors.Is(err, ErrBadDO) {
				t.Fatalf("got %v, want *DOError", err)
			}
			if de.Tag != tc.tag {
				t.Errorf("tag %s, want %s", de.Tag, tc.tag)
			}
			if StatusFor(err) != apdu.SWSMObjectsIncorrect {
				t.Errorf("status %04X", uint16(StatusFor(err)))
			}
		})
	}
}

func TestLe(t *testing.T) {
	cases := []struct {
		ne, width int
		enc       string
	}{
		{0, 0, ""}, {1, 0, "01"}, {255, 0, "FF"}, {256, 0, "00"}, {257, 0, "0101"}, {65535, 0, "FFFF"}, {65536, 0, "0000"},
		{256, 2, "0100"}, {4, 3, "000004"}, {65536, 3, "000000"}, {256, 3, "000100"},
	}
	for _, tc := range cases {
		b, err := EncodeLe(tc.ne, tc.width)
		if err != nil || X(b) != tc.enc {
			t.Errorf("EncodeLe(%d, %d) = %s, %v; want %s", tc.ne, tc.width, X(b), err, tc.enc)
			continue
		}
		if n, err := DecodeLe(b); err != nil || n != tc.ne {
			t.Errorf("DecodeLe(%s) = %d, %v; want %d", tc.enc, n, err, tc.ne)
		}
	}
	for _, bad := range [][2]int{{-1, 0}, {65537, 0}, {257, 1}, {5, 4}} {
		if _, err := EncodeLe(bad[0], bad[1]); err == nil {
			t.Errorf("EncodeLe%v accepted", bad)
		}
	}
	for _, bad := range []string{"01000000", "010000"} {
		if _, err := DecodeLe(h(bad)); err == nil {
			t.Errorf("DecodeLe(%s) accepted", bad)
		}
	}
}
