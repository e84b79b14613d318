package myna

import "errors"

// Default ATRs (CARD.md "taimen's defaults").
var (
	defaultATRContact     = []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}
	defaultATRContactless = []byte{0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x05, 0xE0, 0xB3, 0x81, 0xA1, 0x00, 0x7F}
)

// DefaultATRContact returns the default contact ATR, 3B E0 00 FF 81 31 FE 45 14 (T=1, no
// historical bytes; OpenSC's jpki driver matches it).
func DefaultATRContact() []byte { return append([]byte(nil), defaultATRContact...) }

// DefaultATRContactless returns the default contactless ATR as PC/SC synthesises it from the
// ATQB, 3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F.
func DefaultATRContactless() []byte { return append([]byte(nil), defaultATRContactless...) }

// CheckATR checks an ATR's structure (ISO/IEC 7816-3): TS 3B or 3F, interface bytes as T0 and
// TDi announce them, the historical bytes, and TCK (present and XOR-correct whenever a protocol
// other than T=0 is indicated), with nothing after it.
func CheckATR(atr []byte) error {
	if len(atr) < 2 || len(atr) > 33 {
		return errors.New("an ATR is 2-33 bytes")
	}
	if atr[0] != 0x3B && atr[0] != 0x3F {
		return errors.New("TS must be 3B or 3F")
	}
	hist := int(atr[1] & 0x0F)
	y := atr[1] >> 4
	i := 2
	tck := false
	for {
		for bit := byte(1); bit <= 4; bit <<= 1 { // TAi, TBi, TCi
			if y&bit != 0 {
				i++
			}
		}
		if y&8 == 0 {
			break
		}
		if i >= len(atr) {
			return errors.New("ATR ends inside its interface bytes")
		}
		td := atr[i]
		i++
		if td&0x0F != 0 {
			tck = true
		}
		y = td >> 4
	}
	i += hist
	if tck {
		i++
	}
	if i != len(atr) {
		return errors.New("ATR length does not match the structure its T0 and TDi bytes announce")
	}
	if tck {
		var x byte
		for _, b := range atr[1:] {
			x ^= b
		}
		if x != 0 {
			return errors.New("ATR check byte TCK is wrong")
		}
	}
	return nil
}
