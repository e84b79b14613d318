package apdu

import (
	"bytes"
	"testing"
)

func FuzzParseCommand(f *testing.F) {
	for _, tc := range commandCases {
		f.Add(h(tc.enc))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			return
		}
		enc, err := c.Bytes()
		if err != nil {
			t.Fatalf("decoded command does not encode: %v", err)
		}
		if !bytes.Equal(enc, b) {
			t.Fatalf("round trip: % X -> %+v -> % X", b, c, enc)
		}
	})
}

func FuzzParseTLV(f *testing.F) {
	for _, s := range []string{"86 03 01 AA BB", "FF 20 82 00 03 DF 21 00", "7F 21 03 5F 4E 00", "DF 22 81 01 41 FF FF"} {
		f.Add(h(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tlv, rest, err := ParseTLV(b)
		if err != nil {
			return
		}
		if len(tlv.Raw)+len(rest) != len(b) {
			t.Fatalf("raw %d + rest %d != %d", len(tlv.Raw), len(rest), len(b))
		}
		// Re-encoding with a minimal length gives a TLV that parses to the same tag and value.
		again, _, err := ParseTLV(AppendTLV(nil, tlv.Tag, tlv.Value))
		if err != nil || again.Tag != tlv.Tag || !bytes.Equal(again.Value, tlv.Value) {
			t.Fatalf("minimal re-encoding of %s: %v", tlv.Tag, err)
		}
		if tlv.Tag.Constructed() {
			_, _ = tlv.Children()
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	f.Add(h("9000"))
	f.Add(h("01 02 61 10"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Bytes(), b) {
			t.Fatalf("round trip % X", b)
		}
		_ = r.SW.String()
	})
}
