package layout

import "fmt"

// CommonInfoLen is the size of 共通AP EF 0001 record 1: 01 1C + 28 ASCII digits.
const CommonInfoLen = 30

// CommonInfo is record 1 of 共通AP EF 0001, a simple TLV `01 1C` holding 28 ASCII digits.
type CommonInfo struct {
	Serial       string // 15 digits, the card serial
	Municipality string // 5 digits, the issuing municipality
	Expiry       string // 8 digits, YYYYMMDD
}

// BuildCommonInfo encodes record 1 of 共通AP EF 0001 (CommonInfoLen bytes).
func BuildCommonInfo(c CommonInfo) ([]byte, error) {
	for _, f := range []struct {
		v    string
		n    int
		name string
	}{{c.Serial, 15, "serial"}, {c.Municipality, 5, "municipality"}, {c.Expiry, 8, "expiry"}} {
		if len(f.v) != f.n || !isDigits([]byte(f.v)) {
			return nil, fmt.Errorf("%s: %s is not %d ASCII digits: %w", FileCommonInfo, f.name, f.n, ErrInvalid)
		}
	}
	out := append([]byte{0x01, 0x1C}, c.Serial...)
	out = append(out, c.Municipality...)
	return append(out, c.Expiry...), nil
}

// ParseCommonInfo decodes record 1 of 共通AP EF 0001: exactly `01 1C` and 28 ASCII
// digits (a record has no filler).
func ParseCommonInfo(rec []byte) (*CommonInfo, error) {
	const file = FileCommonInfo
	switch {
	case len(rec) != CommonInfoLen:
		return nil, malformed(file, 0, 0, nil, "record of %d bytes, want %d", len(rec), CommonInfoLen)
	case rec[0] != 0x01 || rec[1] != 0x1C:
		return nil, malformed(file, 0, 0, nil, "header % X, want 01 1C", rec[:2])
	case !isDigits(rec[2:]):
		return nil, malformed(file, 2, 0, nil, "value is not 28 ASCII digits")
	}
	return &CommonInfo{Serial: string(rec[2:17]), Municipality: string(rec[17:22]), Expiry: string(rec[22:30])}, nil
}
