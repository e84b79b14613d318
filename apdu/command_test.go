package apdu

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

var commandCases = []struct {
	name string
	enc  string
	cmd  Command
	cs   Case
}{
	{"case1 tries left", "00 20 00 80", Command{INS: 0x20, P2: 0x80}, Case1},
	{"case2S Le=05", "00 B0 00 00 05", Command{INS: 0xB0, Ne: 5}, Case2Short},
	{"case2S Le=00 is 256", "00 B0 00 00 00", Command{INS: 0xB0, Ne: 256}, Case2Short},
	{"case3S select kenkaku", "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02",
		Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: h("D3921000310001010402")}, Case3Short},
	{"case4S sign", "80 2A 00 00 03 01 02 03 00", Command{CLA: 0x80, INS: 0x2A, Data: h("010203"), Ne: 256}, Case4Short},
	{"case2E Le=0000 is 65536", "00 B0 82 00 00 00 00", Command{INS: 0xB0, P1: 0x82, Ne: 65536, Extended: true}, Case2Extended},
	{"case2E Le=0100", "00 B0 00 00 00 01 00", Command{INS: 0xB0, Ne: 256, Extended: true}, Case2Extended},
	{"case3E", "80 A2 00 C1 00 00 02 AA BB", Command{CLA: 0x80, INS: 0xA2, P2: 0xC1, Data: h("AABB"), Extended: true}, Case3Extended},
	{"case4E Le=0000", "08 B0 00 00 00 00 05 96 03 00 00 00 00 00",
		Command{CLA: 0x08, INS: 0xB0, Data: h("9603000000"), Ne: 65536, Extended: true}, Case4Extended},
	{"case4E Le=0102", "00 2A 00 00 00 00 01 AA 01 02", Command{INS: 0x2A, Data: h("AA"), Ne: 0x102, Extended: true}, Case4Extended},
}

func TestCommandRoundTrip(t *testing.T) {
	for _, tc := range commandCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCommand(h(tc.enc))
			if err != nil {
				t.Fatalf("ParseCommand: %v", err)
			}
			if diff := cmp.Diff(tc.cmd, got, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("decoded command differs (-want +got):\n%s", diff)
			}
			if got.Case() != tc.cs {
				t.Errorf("Case() = %v, want %v", got.Case(), tc.cs)
			}
			enc, err := tc.cmd.Bytes()
			if err != nil {
				t.Fatalf("Bytes: %v", err)
			}
			if !bytes.Equal(enc, h(tc.enc)) {
				t.Errorf("encoded % X, want %s", enc, tc.enc)
			}
			if n := tc.cmd.EncodedLen(); n != len(enc) {
				t.Errorf("EncodedLen() = %d, encoding has %d bytes", n, len(enc))
			}
		})
	}
}

func TestCommandAutoExtended(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"256 data bytes force extended Lc", Command{INS: 0xAE, Data: make([]byte, 256)},
			"00 AE 00 00 00 01 00" + strings.Repeat(" 00", 256)},
		{"Ne over 256 forces extended Le", Command{INS: 0xB0, Ne: 257}, "00 B0 00 00 00 01 01"},
		{"Ne 65536 with data", Command{INS: 0x2A, Data: []byte{1}, Ne: 65536, Extended: true}, "00 2A 00 00 00 00 01 01 00 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cmd.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, h(tc.want)) {
				t.Fatalf("got % X\nwant %s", got, tc.want)
			}
		})
	}
}

func TestCommandInvalid(t *testing.T) {
	for _, c := range []Command{{Data: make([]byte, 65536)}, {Ne: -1}, {Ne: 65537}} {
		if _, err := c.Bytes(); err == nil {
			t.Errorf("Bytes() of %d data bytes, Ne %d: no error", len(c.Data), c.Ne)
		}
	}
}

func TestParseCommandMalformed(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"three bytes", "00 A4 04"},
		{"short Lc too large", "00 A4 04 0C 05 01 02"},
		{"short Lc too small", "00 A4 04 0C 01 01 02 03"},
		{"extended truncated", "00 B0 00 00 00 01"},
		{"extended Lc zero with data", "00 B0 00 00 00 00 00 01 02"},
		{"extended Lc mismatch", "00 B0 00 00 00 00 03 01 02"},
		{"extended Lc with one-byte Le", "00 B0 00 00 00 00 01 AA 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCommand(h(tc.in))
			var se *SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseCommand(%s) error = %v, want a *SyntaxError wrapping ErrMalformed", tc.in, err)
			}
		})
	}
}

func TestResponse(t *testing.T) {
	r, err := ParseResponse(h("01 02 63 C2"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Response{Data: h("0102"), SW: 0x63C2}, r); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if !bytes.Equal(r.Bytes(), h("010263C2")) {
		t.Errorf("Bytes() = % X", r.Bytes())
	}
	if _, err := ParseResponse(h("90")); !errors.Is(err, ErrMalformed) {
		t.Errorf("one-byte response: err = %v", err)
	}
	if r.Err() != StatusWord(0x63C2) {
		t.Errorf("Err() = %v", r.Err())
	}
	var sw StatusWord
	if !errors.As(r.Err(), &sw) || sw != 0x63C2 {
		t.Errorf("errors.As StatusWord = %v", sw)
	}
	if (Response{SW: SWSuccess}).Err() != nil {
		t.Error("9000 Err() != nil")
	}
	// Appending to Data must not clobber the status word bytes of the input.
	in := h("AA 90 00")
	r, _ = ParseResponse(in)
	_ = append(r.Data, 0x11)
	if in[1] != 0x90 {
		t.Error("Data capacity aliases the status word")
	}
}
