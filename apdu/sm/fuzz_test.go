package sm

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/taimen-dev/taimen/apdu"
)

// smErrors are the sentinels a card- or terminal-side failure must match.
var smErrors = []error{ErrMissingDO, ErrBadDO, ErrWrongMAC, ErrCounter, ErrBadPadding, ErrSessionClosed}

func checkTyped(t *testing.T, err error) {
	t.Helper()
	for _, s := range smErrors {
		if errors.Is(err, s) {
			if sw := StatusFor(err); !IsSMStatus(sw) {
				t.Fatalf("%v maps to %04X, not an SM status", err, uint16(sw))
			}
			return
		}
	}
	t.Fatalf("untyped error %T: %v", err, err)
}

func seedsFrom(t testing.TB, wrap func(apdu.Command) (apdu.Command, error), cmds ...apdu.Command) [][]byte {
	var out [][]byte
	for _, c := range cmds {
		w, err := wrap(c)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, w.MustBytes())
	}
	return out
}

var fuzzCommands = []apdu.Command{verifyPIN, verifyB, selectEF, readWhole, triesQuery, {INS: 0xB0, Ne: 4}}

// checkCardUnwrap drives a card with one command, then another, checking invariants.
func checkCardUnwrap(t *testing.T, card Card, closed func() bool, raw []byte) {
	cmd, err := apdu.ParseCommand(raw)
	if err != nil {
		return
	}
	plain, err := card.UnwrapCommand(cmd)
	if err != nil {
		checkTyped(t, err)
		if closed() {
			if _, err := card.UnwrapCommand(cmd); !errors.Is(err, ErrSessionClosed) {
				t.Fatalf("dead session accepted a command: %v", err)
			}
		}
		return
	}
	if plain.CLA&0x0C != 0 {
		t.Fatalf("plain CLA %02X keeps SM bits", plain.CLA)
	}
	if err := plain.Validate(); err != nil {
		t.Fatalf("plain command does not encode: %v", err)
	}
	card.WrapResponse(apdu.Response{Data: plain.Data, SW: apdu.SWSuccess})
}

func FuzzTextUnwrapCommand(f *testing.F) {
	term, _ := newTextPair(f)
	for _, s := range seedsFrom(f, term.WrapCommand, fuzzCommands...) {
		f.Add(s)
	}
	f.Add(h("0C2000801386110100112233445566778899AABBCCDDEEFF"))
	f.Add(h("08B00000000005960300000000"))
	f.Add(h("0820008000"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, card := newTextPair(t)
		checkCardUnwrap(t, card, card.Closed, raw)
	})
}

func FuzzICAOUnwrapCommand(f *testing.F) {
	term, _ := newICAOPair(f)
	for _, s := range seedsFrom(f, term.WrapCommand, fuzzCommands...) {
		f.Add(s)
	}
	f.Add(h("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"))
	f.Add(h("0CB000000D9701048E08ED6705417E96BA5500"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, card := newICAOPair(t)
		checkCardUnwrap(t, card, card.Closed, raw)
	})
}

func checkTerminalUnwrap(t *testing.T, term Terminal, closed func() bool, raw []byte) {
	if _, err := term.WrapCommand(apdu.Command{INS: 0xB0, Ne: 4}); err != nil {
		t.Fatal(err)
	}
	r, err := apdu.ParseResponse(raw)
	if err != nil {
		return
	}
	got, err := term.UnwrapResponse(r)
	if err != nil {
		checkTyped(t, err)
		if !closed() || len(got.Data) != 0 {
			t.Fatalf("failed unwrap: closed=%v, %d data bytes", closed(), len(got.Data))
		}
	}
}

func FuzzTextUnwrapResponse(f *testing.F) {
	_, card := newTextPair(f)
	term, _ := newTextPair(f)
	w, _ := term.WrapCommand(apdu.Command{INS: 0xB0, Ne: 4})
	card.UnwrapCommand(w)
	f.Add(card.WrapResponse(apdu.Response{Data: h("60145F01"), SW: 0x9000}).Bytes())
	f.Add(h("9000"))
	f.Add(h("6988"))
	f.Add(h("8611010011223344556677889900AABBCCDDEEFF9000"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		term, _ := newTextPair(t)
		checkTerminalUnwrap(t, term, term.Closed, raw)
	})
}

func FuzzICAOUnwrapResponse(f *testing.F) {
	term, card := newICAOPair(f)
	w, _ := term.WrapCommand(apdu.Command{INS: 0xB0, Ne: 4})
	card.UnwrapCommand(w)
	f.Add(card.WrapResponse(apdu.Response{Data: h("60145F01"), SW: 0x9000}).Bytes())
	f.Add(h("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
	f.Add(h("990290008E08FA855A5D4C50A8ED9000"))
	f.Add(h("6987"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		term, _ := newICAOPair(t)
		checkTerminalUnwrap(t, term, term.Closed, raw)
	})
}

func FuzzParseObjects(f *testing.F) {
	for _, s := range []string{
		"8709016375432908C044F68E08BF8B92D635FF24F8", "970104 8E08ED6705417E96BA55",
		"8709019FF0EC34F9922651 99029000 8E08AD55CC17140B2DED", "9603000000",
		"86811101 00112233445566778899AABBCCDDEEFF", "8508 0102030405060708", "970100 870201AA 8E0411223344",
	} {
		f.Add(h(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseObjects(b)
		if err != nil {
			if !errors.Is(err, ErrBadDO) {
				t.Fatalf("untyped: %v", err)
			}
			return
		}
		if o.Count() > 4 || len(o.Covered) > len(b) {
			t.Fatalf("count %d, covered %d of %d bytes", o.Count(), len(o.Covered), len(b))
		}
		again, err := ParseObjects(o.Append(nil))
		if err != nil {
			t.Fatalf("re-encoding does not parse: %v", err)
		}
		if d := cmp.Diff(o, again, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(Objects{}, "Covered")); d != "" {
			t.Fatalf("round trip (-first +again):\n%s", d)
		}
		if !bytes.Equal(again.Covered, again.AppendCovered(nil)) {
			t.Fatalf("Covered %X != AppendCovered %X", again.Covered, again.AppendCovered(nil))
		}
	})
}

func FuzzUnpad(f *testing.F) {
	f.Add(h("0102030405060780"), false)
	f.Add(h("31323334800000000000000000000000"), true)
	f.Add(h("8000000000000000"), false)
	f.Add(h("0000000000000000"), false)
	f.Fuzz(func(t *testing.T, b []byte, aesBlock bool) {
		bs := 8
		if aesBlock {
			bs = 16
		}
		p, err := Unpad(b, bs)
		if err != nil {
			if !errors.Is(err, ErrBadPadding) {
				t.Fatalf("untyped: %v", err)
			}
			return
		}
		if !bytes.Equal(Pad(p, bs), b) {
			t.Fatalf("Pad(Unpad(%X)) = %X", b, Pad(p, bs))
		}
	})
}
