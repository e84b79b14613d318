package apdu

import (
	"fmt"
)

// Tag is a BER-TLV tag held as its encoded bytes read big-endian, e.g. 0x86,
// 0x5F4E, 0x7F21, 0xDF21 or 0xFF20. Tags of up to three bytes are supported.
type Tag uint32

// Len returns the number of bytes of the tag's encoding.
func (t Tag) Len() int {
	switch {
	case t > 0xFFFF:
		return 3
	case t > 0xFF:
		return 2
	}
	return 1
}

// first returns the tag's first (class and form) byte.
func (t Tag) first() byte { return byte(t >> (8 * (t.Len() - 1))) }

// Constructed reports whether the tag's value is itself a sequence of TLVs.
func (t Tag) Constructed() bool { return t.first()&0x20 != 0 }

// Private reports whether the tag is of the private class (FFxx, DFxx on the card).
func (t Tag) Private() bool { return t.first()&0xC0 == 0xC0 }

// Append appends the tag's encoding to dst.
func (t Tag) Append(dst []byte) []byte {
	for i := t.Len() - 1; i >= 0; i-- {
		dst = append(dst, byte(t>>(8*i)))
	}
	return dst
}

// String formats the tag as hex, e.g. "DF21".
func (t Tag) String() string { return fmt.Sprintf("%0*X", 2*t.Len(), uint32(t)) }

// Valid reports whether t is a well-formed tag encoding.
func (t Tag) Valid() bool {
	b := t.Append(nil)
	if t == 0 && len(b) == 1 {
		return true // 00 is a legal (if odd) single-byte tag
	}
	if b[0]&0x1F != 0x1F {
		return len(b) == 1
	}
	if len(b) == 1 {
		return false
	}
	for i := 1; i < len(b); i++ {
		last := i == len(b)-1
		if (b[i]&0x80 == 0) != last {
			return false
		}
	}
	return true
}

// MaxTLVLength bounds the value length a TLV may announce (four length bytes would
// allow 4 GiB; no card object comes close).
const MaxTLVLength = 1 << 24

// TLV is one decoded BER-TLV object. Value and Raw alias the input.
type TLV struct {
	Tag   Tag
	Value []byte
	Raw   []byte // the whole encoding: tag, length and value
}

// HeaderLen returns the number of tag and length bytes.
func (t TLV) HeaderLen() int { return len(t.Raw) - len(t.Value) }

// ParseTLV decodes one TLV at the start of b and returns it with the bytes after it.
// Non-minimal lengths (81 xx, 82 xx xx for small values) are accepted, as the card uses them.
func ParseTLV(b []byte) (TLV, []byte, error) {
	const what = "TLV"
	if len(b) == 0 {
		return TLV{}, nil, syntaxErr(what, 0, "empty input")
	}
	i := 0
	tag := Tag(b[0])
	i++
	if b[0]&0x1F == 0x1F {
		for {
			if i >= len(b) {
				return TLV{}, nil, syntaxErr(what, i, "tag truncated")
			}
			if i >= 3 {
				return TLV{}, nil, syntaxErr(what, i, "tag longer than 3 bytes")
			}
			tag = tag<<8 | Tag(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return TLV{}, nil, syntaxErr(what, i, "length missing after tag %s", tag)
	}
	l := int(b[i])
	i++
	if l&0x80 != 0 {
		n := l & 0x7F
		switch {
		case n == 0:
			return TLV{}, nil, syntaxErr(what, i-1, "indefinite length is not allowed")
		case n > 4:
			return TLV{}, nil, syntaxErr(what, i-1, "length of %d bytes", n)
		case i+n > len(b):
			return TLV{}, nil, syntaxErr(what, i, "length bytes truncated")
		}
		l = 0
		for _, c := range b[i : i+n] {
			l = l<<8 | int(c)
		}
		i += n
		if l > MaxTLVLength {
			return TLV{}, nil, syntaxErr(what, i-n, "length %d exceeds %d", l, MaxTLVLength)
		}
	}
	if l > len(b)-i {
		return TLV{}, nil, syntaxErr(what, i, "tag %s announces %d bytes, %d remain", tag, l, len(b)-i)
	}
	end := i + l
	return TLV{Tag: tag, Value: b[i:end:end], Raw: b[:end:end]}, b[end:], nil
}

// ParseTLVs decodes a sequence of TLVs that fills b exactly.
func ParseTLVs(b []byte) ([]TLV, error) {
	var out []TLV
	off := 0
	for len(b) > 0 {
		t, rest, err := ParseTLV(b)
		if err != nil {
			if se, ok := err.(*SyntaxError); ok {
				se.Offset += off
			}
			return nil, err
		}
		out = append(out, t)
		off += len(t.Raw)
		b = rest
	}
	return out, nil
}

// Children decodes the value of a constructed TLV.
func (t TLV) Children() ([]TLV, error) {
	if !t.Tag.Constructed() {
		return nil, fmt.Errorf("tag %s is primitive: %w", t.Tag, ErrMalformed)
	}
	kids, err := ParseTLVs(t.Value)
	if err != nil {
		return nil, fmt.Errorf("inside %s: %w", t.Tag, err)
	}
	return kids, nil
}

// Find returns the first TLV with the given tag in a sequence.
func Find(tlvs []TLV, tag Tag) (TLV, bool) {
	for _, t := range tlvs {
		if t.Tag == tag {
			return t, true
		}
	}
	return TLV{}, false
}

// IsFiller reports whether b consists only of filler bytes (FF or 00), as files are padded after their TLV.
func IsFiller(b []byte) bool {
	for _, c := range b {
		if c != 0xFF && c != 0x00 {
			return false
		}
	}
	return true
}

// LengthForm chooses how a TLV length is encoded.
type LengthForm uint8

// Length forms: the shortest, or a fixed long form as the card uses (81 xx, 82 xx xx).
const (
	LengthMinimal LengthForm = iota
	LengthLong1              // 81 xx
	LengthLong2              // 82 xx xx
	LengthLong3              // 83 xx xx xx
)

// AppendLength appends the encoding of length n in the given form.
func AppendLength(dst []byte, n int, form LengthForm) ([]byte, error) {
	if n < 0 || n > MaxTLVLength {
		return dst, fmt.Errorf("TLV length %d outside 0..%d", n, MaxTLVLength)
	}
	if form == LengthMinimal {
		switch {
		case n < 0x80:
			return append(dst, byte(n)), nil
		case n <= 0xFF:
			form = LengthLong1
		case n <= 0xFFFF:
			form = LengthLong2
		default:
			form = LengthLong3
		}
	}
	k := int(form)
	if k > 3 || n >= 1<<(8*k) {
		return dst, fmt.Errorf("TLV length %d does not fit form 8%d", n, k)
	}
	dst = append(dst, 0x80|byte(k))
	for i := k - 1; i >= 0; i-- {
		dst = append(dst, byte(n>>(8*i)))
	}
	return dst, nil
}

// AppendTLV appends a TLV with a minimal length to dst.
func AppendTLV(dst []byte, tag Tag, value []byte) []byte {
	dst = tag.Append(dst)
	dst, _ = AppendLength(dst, len(value), LengthMinimal) // cannot fail below MaxTLVLength
	return append(dst, value...)
}

// Builder builds BER-TLV in the style of cryptobyte: errors are kept and reported by Bytes.
type Builder struct {
	buf []byte
	err error
}

// NewBuilder returns a Builder appending to buf.
func NewBuilder(buf []byte) *Builder { return &Builder{buf: buf} }

// Add appends a primitive TLV with a minimal length.
func (b *Builder) Add(tag Tag, value []byte) { b.AddForm(tag, LengthMinimal, value) }

// AddForm appends a primitive TLV with the given length form.
func (b *Builder) AddForm(tag Tag, form LengthForm, value []byte) {
	if b.err != nil {
		return
	}
	if !tag.Valid() {
		b.err = fmt.Errorf("TLV tag %s is not a valid encoding", tag)
		return
	}
	b.buf = tag.Append(b.buf)
	b.buf, b.err = AppendLength(b.buf, len(value), form)
	b.buf = append(b.buf, value...)
}

// AddRaw appends bytes as they are (an already encoded TLV, or filler).
func (b *Builder) AddRaw(raw []byte) {
	if b.err == nil {
		b.buf = append(b.buf, raw...)
	}
}

// AddConstructed appends a TLV whose value is built by f, with the given length form.
func (b *Builder) AddConstructed(tag Tag, form LengthForm, f func(*Builder)) {
	if b.err != nil {
		return
	}
	child := &Builder{}
	f(child)
	if child.err != nil {
		b.err = fmt.Errorf("inside %s: %w", tag, child.err)
		return
	}
	b.AddForm(tag, form, child.buf)
}

// Len returns the number of bytes built so far.
func (b *Builder) Len() int { return len(b.buf) }

// Bytes returns what was built, or the first error.
func (b *Builder) Bytes() ([]byte, error) { return b.buf, b.err }
