package layout

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

func FuzzParseCardFace(f *testing.F) {
	f.Add(h("FF 20 82 00 15 DF 21 12 00 1A 00 25 00 29 01 37 02 03 03 34 09 15 0A 1A 0A 25"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		b := bytes.Clone(in) // the input must not be modified; b is clobbered below
		cf, err := ParseCardFace(b)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(b, cf.Raw) || !apdu.IsFiller(b[len(cf.Raw):]) {
			t.Fatal("Raw is not the input's TLV")
		}
		// Every offset points at the tag it names.
		for i, off := range cf.Offsets {
			if int(off)+1 >= len(cf.Raw) || cf.Raw[off] != 0xDF || cf.Raw[off+1] != byte(0x22+i) {
				t.Fatalf("offset %d = %d does not point at DF%02X", i, off, 0x22+i)
			}
		}
		if (len(cf.Signature) != sigLen && len(cf.Signature) != ecSigLen) || cf.Signed.PublicCardKey() == nil || !IsPNG(cf.Signed.NamePNG) || !IsJP2(cf.Signed.PhotoJP2) || !IsPNG(cf.Unsigned.SecurityCodePNG) {
			t.Fatal("a parsed card face breaks the layout rules")
		}
		// Parsed data is a copy: clobbering the input changes nothing.
		before := bytes.Clone(cf.Raw)
		for i := range b {
			b[i] = 0
		}
		if !bytes.Equal(cf.Raw, before) {
			t.Fatal("CardFace aliases its input")
		}
	})
}

func FuzzParseBasicFour(f *testing.F) {
	f.Add(h("FF 20 65 DF 21 08 00 0E 00 20 00 59 00 64"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		bf, err := ParseBasicFour(b)
		if err != nil {
			return
		}
		// Re-encoding the decoded content gives a file with the same content and
		// digest source (length forms may differ from the input's).
		enc, err := BuildBasicFour(bf.BasicFour, 0)
		if err != nil {
			t.Fatalf("decoded content does not encode: %v", err)
		}
		again, err := ParseBasicFour(enc)
		if err != nil {
			t.Fatalf("re-encoded file does not parse: %v", err)
		}
		if again.BasicFour != bf.BasicFour {
			t.Fatal("round trip changed the content")
		}
		// The digest source re-encodes identically when the inner lengths are minimal.
		minimal := true
		kids, _ := apdu.ParseTLVs(bf.DigestSource())
		for _, k := range kids {
			if len(k.Raw) != len(apdu.AppendTLV(nil, k.Tag, k.Value)) {
				minimal = false
			}
		}
		if minimal && !bytes.Equal(again.DigestSource(), bf.DigestSource()) {
			t.Fatal("digest source changed on re-encoding")
		}
		for i, off := range bf.Offsets {
			if int(off)+1 >= len(bf.Raw) || binary.BigEndian.Uint16(bf.Raw[off:]) != uint16(TagBasicFourName)+uint16(i) {
				t.Fatalf("offset %d does not point at its tag", i)
			}
		}
	})
}

func FuzzParseIntegrity(f *testing.F) {
	f.Add(h("FF 30 82 01 4B DF 31 20"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseIntegrity(b)
		if err != nil {
			return
		}
		if (len(r.Signature) != sigLen && len(r.Signature) != ecSigLen) || !bytes.HasPrefix(b, r.Raw) {
			t.Fatal("a parsed record breaks the layout rules")
		}
		kids, err := apdu.ParseTLVs(r.signed)
		if err != nil || len(kids) != 2 || !bytes.Equal(kids[0].Value, r.MyNumberDigest[:]) || !bytes.Equal(kids[1].Value, r.BasicFourDigest[:]) {
			t.Fatal("signed bytes are not DF31‖DF32")
		}
	})
}
