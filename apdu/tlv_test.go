package apdu

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTLV(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		tag       Tag
		value     string
		rest      string
		header    int
		construct bool
	}{
		{"one-byte tag", "86 03 01 AA BB CC", 0x86, "01 AA BB", "CC", 2, false},
		{"two-byte private primitive", "DF 25 01 31", 0xDF25, "31", "", 3, false},
		{"two-byte private constructed", "FF 10 02 DF 11 FF FF", 0xFF10, "DF 11", "FF FF", 3, true},
		{"non-minimal 81", "DF 22 81 02 AB CD", 0xDF22, "AB CD", "", 4, false},
		{"non-minimal 82", "FF 40 82 00 01 00", 0xFF40, "00", "", 5, true},
		{"application tag 5F4E", "5F 4E 01 00", 0x5F4E, "00", "", 3, false},
		{"7F21 constructed", "7F 21 00", 0x7F21, "", "", 3, true},
		{"three-byte tag", "9F 81 01 01 77", 0x9F8101, "77", "", 4, false},
		{"zero length", "DF 29 00 FF", 0xDF29, "", "FF", 3, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, rest, err := ParseTLV(h(tc.in))
			if err != nil {
				t.Fatalf("ParseTLV: %v", err)
			}
			if got.Tag != tc.tag {
				t.Errorf("tag %s, want %s", got.Tag, tc.tag)
			}
			if !bytes.Equal(got.Value, h(tc.value)) {
				t.Errorf("value % X, want %s", got.Value, tc.value)
			}
			if !bytes.Equal(rest, h(tc.rest)) {
				t.Errorf("rest % X, want %s", rest, tc.rest)
			}
			if got.HeaderLen() != tc.header {
				t.Errorf("HeaderLen %d, want %d", got.HeaderLen(), tc.header)
			}
			if got.Tag.Constructed() != tc.construct {
				t.Errorf("Constructed() = %v", got.Tag.Constructed())
			}
		})
	}
}

func TestParseTLVMalformed(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"tag truncated", "DF"},
		{"tag too long", "DF 81 81 81 01 00"},
		{"no length", "86"},
		{"indefinite", "86 80 00 00"},
		{"five length bytes", "86 85 00 00 00 00 01 00"},
		{"length bytes truncated", "86 82 01"},
		{"value truncated", "86 05 01 02"},
		{"huge length", "86 84 7F FF FF FF 00"},
		{"filler as tag", "FF FF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseTLV(h(tc.in))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

// The basic-four file of CARD.md §5.2 (text AP EF 0002): offsets, then four facts.
func TestBasicFourLayout(t *testing.T) {
	name := []byte("番号\u3000太郎")
	addr := []byte(strings.Repeat("あ", 18))
	b := NewBuilder(nil)
	b.AddConstructed(0xFF20, LengthMinimal, func(b *Builder) {
		b.Add(0xDF21, h("000E 0020 0059 0064"))
		b.Add(0xDF22, name[:15])
		b.Add(0xDF23, addr[:54])
		b.Add(0xDF24, []byte("19800217"))
		b.Add(0xDF25, []byte("1"))
	})
	enc, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc[:3], h("FF 20 65")) {
		t.Fatalf("header % X, want FF 20 65", enc[:3])
	}
	outer, rest, err := ParseTLV(append(enc, 0xFF, 0xFF))
	if err != nil || !IsFiller(rest) {
		t.Fatalf("ParseTLV: %v, rest % X", err, rest)
	}
	kids, err := outer.Children()
	if err != nil {
		t.Fatal(err)
	}
	var tags []Tag
	for _, k := range kids {
		tags = append(tags, k.Tag)
	}
	if diff := cmp.Diff([]Tag{0xDF21, 0xDF22, 0xDF23, 0xDF24, 0xDF25}, tags); diff != "" {
		t.Fatalf("tags (-want +got):\n%s", diff)
	}
	// The offsets in DF21 point at each following tag, from the first byte of the file.
	for i, want := range []int{0x0E, 0x20, 0x59, 0x64} {
		if got := kidsEnd(enc, kids[i+1]) - len(kids[i+1].Raw); got != want {
			t.Errorf("object %d at %d, want %d", i+1, got, want)
		}
	}
	dob, ok := Find(kids, 0xDF24)
	if !ok || string(dob.Value) != "19800217" {
		t.Errorf("Find DF24 = %q, %v", dob.Value, ok)
	}
}

// kidsEnd returns the offset just past k within enc (k.Raw aliases enc).
func kidsEnd(enc []byte, k TLV) int {
	for i := range enc {
		if len(enc)-i >= len(k.Raw) && &enc[i] == &k.Raw[0] {
			return i + len(k.Raw)
		}
	}
	return -1
}

func TestBuilderForms(t *testing.T) {
	b := NewBuilder(nil)
	b.AddForm(0xDF28, LengthLong2, make([]byte, 3))
	b.AddForm(0x86, LengthLong1, []byte{1})
	b.Add(0x87, make([]byte, 200))
	got, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := h("DF 28 82 00 03 00 00 00 86 81 01 01 87 81 C8")
	if !bytes.Equal(got[:len(want)], want) || len(got) != len(want)+200 {
		t.Fatalf("got % X", got[:min(len(got), 20)])
	}
	bad := NewBuilder(nil)
	bad.AddForm(0x86, LengthLong1, make([]byte, 300))
	if _, err := bad.Bytes(); err == nil {
		t.Error("300 bytes in form 81: no error")
	}
	bad = NewBuilder(nil)
	bad.Add(0x9F, nil)
	if _, err := bad.Bytes(); err == nil {
		t.Error("invalid tag 9F: no error")
	}
	for _, tag := range []Tag{0x86, 0xDF21, 0x5F4E, 0x7F21, 0xFF20, 0x9F8101, 0} {
		if !tag.Valid() {
			t.Errorf("%s not valid", tag)
		}
	}
	for _, tag := range []Tag{0x9F, 0xDF81, 0x8601, 0x9F0101} {
		if tag.Valid() {
			t.Errorf("%s valid", tag)
		}
	}
}

func TestParseTLVsOffset(t *testing.T) {
	_, err := ParseTLVs(h("86 01 00 87 05 00"))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 5 {
		t.Fatalf("err = %v, want a SyntaxError at offset 5", err)
	}
}
