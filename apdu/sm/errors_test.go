package sm

import (
	"errors"
	"fmt"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

var sentinels = []error{ErrMissingDO, ErrBadDO, ErrWrongMAC, ErrCounter, ErrBadPadding, ErrSessionClosed, ErrKeyDelivery, ErrAuth}

func TestSentinelsDistinct(t *testing.T) {
	for i, a := range sentinels {
		for j, b := range sentinels {
			if (i == j) != errors.Is(a, b) {
				t.Errorf("errors.Is(%v, %v) = %v", a, b, errors.Is(a, b))
			}
		}
	}
}

func TestStatusFor(t *testing.T) {
	cases := []struct {
		name string
		err  error
		sw   apdu.StatusWord
		is   []error
	}{
		{"nil", nil, 0x9000, nil},
		{"missing DO", &MissingDOError{Tag: DO8E, In: "command"}, 0x6987, []error{ErrMissingDO}},
		{"bad DO", &DOError{Tag: DO87, Reason: "x"}, 0x6988, []error{ErrBadDO}},
		{"bad DO with syntax cause", &DOError{Reason: "x", Err: &apdu.SyntaxError{What: "TLV"}}, 0x6988, []error{ErrBadDO, apdu.ErrMalformed}},
		{"wrong MAC", fmt.Errorf("ctx: %w", ErrWrongMAC), 0x6988, []error{ErrWrongMAC}},
		{"bad padding", fmt.Errorf("%w: x", ErrBadPadding), 0x6988, []error{ErrBadPadding}},
		{"counter (text)", &CounterError{Want: 3, Err: ErrBadPadding}, 0x6988, []error{ErrCounter, ErrBadPadding}},
		{"counter (ICAO)", &CounterError{Want: 3, Got: 5, Found: true, Err: ErrWrongMAC}, 0x6988, []error{ErrCounter, ErrWrongMAC}},
		{"session closed", ErrSessionClosed, 0x69FC, []error{ErrSessionClosed}},
		{"card rejected", &CardRejectedError{SW: 0x6988}, 0x69FC, []error{ErrSessionClosed}},
		{"key delivery 6A80", &KeyDeliveryError{SW: 0x6A80, Reason: "x"}, 0x6A80, []error{ErrKeyDelivery}},
		{"key delivery 6F00", &KeyDeliveryError{SW: 0x6F00, Reason: "x"}, 0x6F00, []error{ErrKeyDelivery}},
		{"key delivery sentinel", ErrKeyDelivery, 0x6A80, []error{ErrKeyDelivery}},
		{"BAC", &AuthError{Reason: "M.IFD", Err: ErrWrongMAC}, 0x6300, []error{ErrAuth, ErrWrongMAC}},
		{"malformed", &apdu.SyntaxError{What: "TLV"}, 0x6988, []error{apdu.ErrMalformed}},
		{"other", errors.New("disk on fire"), 0x6F00, nil},
	}
	for _, tc := range cases {
		if got := StatusFor(tc.err); got != tc.sw {
			t.Errorf("%s: StatusFor = %04X, want %04X", tc.name, uint16(got), uint16(tc.sw))
		}
		for _, target := range tc.is {
			if !errors.Is(tc.err, target) {
				t.Errorf("%s: not %v", tc.name, target)
			}
		}
		if tc.err != nil && tc.err.Error() == "" {
			t.Errorf("%s: empty message", tc.name)
		}
	}
	for _, sw := range []apdu.StatusWord{0x6882, 0x6987, 0x6988, 0x69FC} {
		if !IsSMStatus(sw) {
			t.Errorf("IsSMStatus(%04X) false", uint16(sw))
		}
	}
	for _, sw := range []apdu.StatusWord{0x9000, 0x6982, 0x6984, 0x6A82, 0x63C3} {
		if IsSMStatus(sw) {
			t.Errorf("IsSMStatus(%04X) true", uint16(sw))
		}
	}
	// Messages name counters and tags, never data.
	for _, e := range []error{
		&CounterError{Want: 2, Got: 1, Found: true, Err: ErrBadPadding},
		&CounterError{Want: 2, Got: 3, Found: true, Err: ErrBadPadding},
		&CounterError{Want: 2, Err: ErrBadPadding},
		&MissingDOError{Tag: DO99, In: "response"},
		&AuthError{Reason: "x"},
	} {
		t.Log(e)
	}
}
