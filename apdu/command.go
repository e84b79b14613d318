package apdu

import (
	"encoding/hex"
	"fmt"
)

// Limits of ISO/IEC 7816-4 lengths.
const (
	MaxShortLc    = 255
	MaxShortNe    = 256
	MaxExtendedLc = 65535
	MaxExtendedNe = 65536
)

// Case is the ISO/IEC 7816-3 case of a command APDU.
type Case uint8

// The four cases, short and extended.
const (
	Case1 Case = iota + 1
	Case2Short
	Case3Short
	Case4Short
	Case2Extended
	Case3Extended
	Case4Extended
)

func (c Case) String() string {
	switch c {
	case Case1:
		return "case 1"
	case Case2Short:
		return "case 2S"
	case Case3Short:
		return "case 3S"
	case Case4Short:
		return "case 4S"
	case Case2Extended:
		return "case 2E"
	case Case3Extended:
		return "case 3E"
	case Case4Extended:
		return "case 4E"
	}
	return fmt.Sprintf("case(%d)", uint8(c))
}

// Command is a command APDU.
//
// Ne is the maximum number of response bytes expected: 0 means no Le field;
// 256 is encoded as Le=00 in short form and 65536 as Le=0000 in extended form.
// Extended forces extended-length encoding; it is set when decoding an
// extended APDU, and encoding switches to extended form by itself when the
// data or Ne do not fit the short form.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
	Extended         bool
}

// IsExtended reports whether c is encoded in extended-length form.
func (c Command) IsExtended() bool {
	return c.Extended || len(c.Data) > MaxShortLc || c.Ne > MaxShortNe
}

// Case returns the case of c as it would be encoded.
func (c Command) Case() Case {
	ext := c.IsExtended()
	switch {
	case len(c.Data) == 0 && c.Ne == 0:
		return Case1
	case len(c.Data) == 0 && !ext:
		return Case2Short
	case len(c.Data) == 0:
		return Case2Extended
	case c.Ne == 0 && !ext:
		return Case3Short
	case c.Ne == 0:
		return Case3Extended
	case !ext:
		return Case4Short
	}
	return Case4Extended
}

// Validate reports whether c can be encoded.
func (c Command) Validate() error {
	if len(c.Data) > MaxExtendedLc {
		return fmt.Errorf("command APDU: %d data bytes exceed %d", len(c.Data), MaxExtendedLc)
	}
	if c.Ne < 0 || c.Ne > MaxExtendedNe {
		return fmt.Errorf("command APDU: Ne %d outside 0..%d", c.Ne, MaxExtendedNe)
	}
	return nil
}

// EncodedLen returns the length of c's encoding.
func (c Command) EncodedLen() int {
	n := 4 + len(c.Data)
	ext := c.IsExtended()
	if len(c.Data) > 0 {
		if ext {
			n += 3
		} else {
			n++
		}
	}
	if c.Ne > 0 {
		switch {
		case !ext:
			n++
		case len(c.Data) > 0:
			n += 2
		default:
			n += 3
		}
	}
	return n
}

// Append appends the encoding of c to dst.
func (c Command) Append(dst []byte) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return dst, err
	}
	dst = append(dst, c.CLA, c.INS, c.P1, c.P2)
	ext := c.IsExtended()
	if n := len(c.Data); n > 0 {
		if ext {
			dst = append(dst, 0, byte(n>>8), byte(n))
		} else {
			dst = append(dst, byte(n))
		}
		dst = append(dst, c.Data...)
	}
	if c.Ne > 0 {
		le := c.Ne
		if ext {
			if le == MaxExtendedNe {
				le = 0
			}
			if len(c.Data) == 0 {
				dst = append(dst, 0)
			}
			dst = append(dst, byte(le>>8), byte(le))
		} else {
			dst = append(dst, byte(le)) // 256 encodes as 00
		}
	}
	return dst, nil
}

// Bytes returns the encoding of c.
func (c Command) Bytes() ([]byte, error) {
	return c.Append(make([]byte, 0, c.EncodedLen()))
}

// MustBytes is Bytes for commands built from constants; it panics on an invalid command.
func (c Command) MustBytes() []byte {
	b, err := c.Bytes()
	if err != nil {
		panic(err)
	}
	return b
}

// String formats c as hex without spaces; it must not be used on commands carrying secrets in logs.
func (c Command) String() string {
	b, err := c.Bytes()
	if err != nil {
		return fmt.Sprintf("invalid command APDU (%v)", err)
	}
	return hex.EncodeToString(b)
}

// ParseCommand decodes a command APDU of any case, short or extended. Data aliases b.
func ParseCommand(b []byte) (Command, error) {
	const what = "command APDU"
	var c Command
	if len(b) < 4 {
		return c, syntaxErr(what, len(b), "%d bytes, a header needs 4", len(b))
	}
	c.CLA, c.INS, c.P1, c.P2 = b[0], b[1], b[2], b[3]
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2S
		c.Ne = int(body[0])
		if c.Ne == 0 {
			c.Ne = MaxShortNe
		}
		return c, nil
	case body[0] != 0: // short Lc
		lc := int(body[0])
		switch len(body) {
		case 1 + lc:
			c.Data = body[1:]
			return c, nil
		case 2 + lc:
			c.Data = body[1 : 1+lc]
			c.Ne = int(body[1+lc])
			if c.Ne == 0 {
				c.Ne = MaxShortNe
			}
			return c, nil
		}
		return c, syntaxErr(what, 4, "Lc %d does not match %d body bytes", lc, len(body))
	}
	// body[0] == 0 and len(body) >= 2: extended length.
	c.Extended = true
	if len(body) < 3 {
		return c, syntaxErr(what, 4, "extended length field truncated (%d bytes)", len(body))
	}
	n := int(body[1])<<8 | int(body[2])
	if len(body) == 3 { // case 2E
		c.Ne = n
		if n == 0 {
			c.Ne = MaxExtendedNe
		}
		return c, nil
	}
	if n == 0 {
		return c, syntaxErr(what, 5, "extended Lc of 0 with %d more bytes", len(body)-3)
	}
	switch len(body) {
	case 3 + n:
		c.Data = body[3:]
		return c, nil
	case 5 + n:
		c.Data = body[3 : 3+n]
		c.Ne = int(body[3+n])<<8 | int(body[4+n])
		if c.Ne == 0 {
			c.Ne = MaxExtendedNe
		}
		return c, nil
	}
	return c, syntaxErr(what, 4, "extended Lc %d does not match %d body bytes", n, len(body))
}
