package cvc

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// KeyIDLen is the size of a key ID.
const KeyIDLen = 16

// KeyID names a key in the card's certificate hierarchy: 7 ASCII characters (the
// authority, e.g. "5000023"), the bytes 08 05, 3 ASCII characters (the serial, e.g.
// "001") and 4 padding bytes (00 00 00 00 in every ID taimen builds).
//
// Comparison and lookup use all 16 bytes. Parsing keeps any byte values, because the
// padding is reported not to be zero on every card; NewKeyID builds only the
// canonical form.
type KeyID [KeyIDLen]byte

// keyIDSeparator sits between the authority and the serial.
var keyIDSeparator = [2]byte{0x08, 0x05}

// NewKeyID builds the canonical key ID from a 7-digit authority and a 3-digit serial,
// e.g. NewKeyID("5000023", "001").
func NewKeyID(authority, serial string) (KeyID, error) {
	var k KeyID
	if len(authority) != 7 || !isDigits(authority) {
		return k, fmt.Errorf("key ID authority %q: want 7 ASCII digits", authority)
	}
	if len(serial) != 3 || !isDigits(serial) {
		return k, fmt.Errorf("key ID serial %q: want 3 ASCII digits", serial)
	}
	copy(k[0:7], authority)
	copy(k[7:9], keyIDSeparator[:])
	copy(k[9:12], serial)
	return k, nil
}

// MustKeyID is NewKeyID for constant arguments; it panics on a malformed authority or serial.
func MustKeyID(authority, serial string) KeyID {
	k, err := NewKeyID(authority, serial)
	if err != nil {
		panic(err)
	}
	return k
}

// KeyIDFromBytes copies exactly 16 bytes into a KeyID, whatever their values.
func KeyIDFromBytes(b []byte) (KeyID, error) {
	var k KeyID
	if len(b) != KeyIDLen {
		return k, formatErr("key ID", 0, nil, "%d bytes, want %d", len(b), KeyIDLen)
	}
	copy(k[:], b)
	return k, nil
}

// Authority returns the first 7 bytes as a string (e.g. "5000023").
func (k KeyID) Authority() string { return string(k[0:7]) }

// Serial returns bytes 9–11 as a string (e.g. "001").
func (k KeyID) Serial() string { return string(k[9:12]) }

// Canonical reports whether k has exactly the form NewKeyID builds: 7 digits, 08 05,
// 3 digits, 4 zero bytes.
func (k KeyID) Canonical() bool {
	return k.structured() && k[12] == 0 && k[13] == 0 && k[14] == 0 && k[15] == 0
}

func (k KeyID) structured() bool {
	return isDigits(string(k[0:7])) && k[7] == keyIDSeparator[0] && k[8] == keyIDSeparator[1] && isDigits(string(k[9:12]))
}

// ProductionRange reports whether the authority begins with '5', the range of the
// production J-LIS hierarchy (JPKI test cards use '6', taimen's test CAs '9').
func (k KeyID) ProductionRange() bool { return k[0] == '5' }

// TestRange reports whether the authority begins with '9', the range of taimen's test CAs.
func (k KeyID) TestRange() bool { return k[0] == '9' }

// String formats k as "authority/serial" (e.g. "5000023/001"), adding the padding in
// hex when it is not zero, or as hex when k is not structured like a key ID.
func (k KeyID) String() string {
	if !k.structured() {
		return "KeyID(" + strings.ToUpper(hex.EncodeToString(k[:])) + ")"
	}
	s := k.Authority() + "/" + k.Serial()
	if !k.Canonical() {
		s += "+" + strings.ToUpper(hex.EncodeToString(k[12:]))
	}
	return s
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
