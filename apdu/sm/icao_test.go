package sm

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/taimen-dev/taimen/apdu"
)

// icaoKeys are the Appendix D session keys and SSC.
var (
	icaoKS  = Keys{Enc: h("979EC13B1CBFE9DCD01AB0FED307EAE5"), MAC: h("F1CB1F1FB5ADF208806B89DC579DC1F8")}
	icaoSSC = h("887022120C06C226")
)

func newICAOPair(t testing.TB) (*ICAOTerminal, *ICAOCard) {
	t.Helper()
	term, err := NewICAOTerminal(icaoKS, icaoSSC)
	if err != nil {
		t.Fatal(err)
	}
	card, err := NewICAOCard(icaoKS, icaoSSC)
	if err != nil {
		t.Fatal(err)
	}
	return term, card
}

func TestICAORoundTrips(t *testing.T) {
	big := bytes.Repeat([]byte("ICAO9303"), 1024)
	cases := []struct {
		name     string
		cmd      apdu.Command
		resp     apdu.Response
		extended bool // the protected command is extended
		le       string
	}{
		{"SELECT, no Le", apdu.Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: h("011E")}, apdu.Response{SW: 0x9000}, false, ""},
		{"case 1: no data, no Le", apdu.Command{INS: 0x44}, apdu.Response{SW: 0x9000}, false, ""},
		{"READ BINARY Le 256 → 97 01 00", apdu.Command{INS: 0xB0, Ne: 256}, apdu.Response{Data: big[:200], SW: 0x9000}, false, "00"},
		{"READ BINARY Le 65536 → 97 02 00 00", apdu.Command{INS: 0xB0, Ne: 65536}, apdu.Response{Data: big, SW: 0x9000}, true, "0000"},
		{"extended Le 300", apdu.Command{INS: 0xB0, Ne: 300, Extended: true}, apdu.Response{Data: big[:300], SW: 0x9000}, true, "012C"},
		{"extended Lc: 1000 data bytes", apdu.Command{INS: 0xD6, Data: big[:1000]}, apdu.Response{SW: 0x9000}, true, ""},
		{"odd INS: DO'85' both ways", apdu.Command{INS: 0xB1, P1: 0x01, P2: 0x1E, Data: h("54020000"), Ne: 256}, apdu.Response{Data: h("5302AABB"), SW: 0x9000}, false, "00"},
		{"error status, no data", apdu.Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: h("0199")}, apdu.Response{SW: apdu.SWFileNotFound}, false, ""},
		{"warning with data", apdu.Command{INS: 0xB0, Ne: 16}, apdu.Response{Data: big[:3], SW: apdu.SWEndOfFile}, false, "10"},
		{"data of a whole block", apdu.Command{INS: 0xD6, Data: big[:8]}, apdu.Response{SW: 0x9000}, false, ""},
	}
	term, card := newICAOPair(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := term.WrapCommand(tc.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if w.CLA != 0x0C || w.IsExtended() != tc.extended || (w.Ne != 256 && w.Ne != 65536) {
				t.Errorf("protected CLA %02X extended %v Ne %d", w.CLA, w.IsExtended(), w.Ne)
			}
			o, err := ParseObjects(w.Data)
			if err != nil {
				t.Fatal(err)
			}
			if X(o.Le) != tc.le {
				t.Errorf("DO'97' %s, want %s", X(o.Le), tc.le)
			}
			if wantTag := map[bool]apdu.Tag{true: DO85, false: DO87}[tc.cmd.INS&1 == 1]; len(tc.cmd.Data) > 0 && o.CryptoTag != wantTag {
				t.Errorf("cryptogram in %s, want %s", o.CryptoTag, wantTag)
			}
			plain, err := card.UnwrapCommand(mustCommand(t, encode(t, w)))
			if err != nil {
				t.Fatal(err)
			}
			want := tc.cmd
			want.Extended = tc.cmd.IsExtended()
			if d := cmp.Diff(want, plain, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("card saw (-want +got):\n%s", d)
			}
			wr := card.WrapResponse(tc.resp)
			got, err := term.UnwrapResponse(mustResponse(t, X(wr.Bytes())))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.resp, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("terminal got (-want +got):\n%s", d)
			}
			if !bytes.Equal(term.SSC(), card.SSC()) {
				t.Errorf("SSC terminal %X card %X", term.SSC(), card.SSC())
			}
		})
	}
}

// TestICAOCardRefusals runs one good exchange, then sends a damaged command to the card.
func TestICAOCardRefusals(t *testing.T) {
	sel := apdu.Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: h("011E")}
	wrap := func(term *ICAOTerminal, mutate func(*apdu.Command)) apdu.Command {
		w, _ := term.WrapCommand(sel)
		w.Data = bytes.Clone(w.Data)
		mutate(&w)
		return w
	}
	cases := []struct {
		name   string
		damage func(term *ICAOTerminal) apdu.Command
		is     []error
		sw     apdu.StatusWord
		got    int64 // for a *CounterError: Got - Want
	}{
		{"wrong MAC", func(term *ICAOTerminal) apdu.Command {
			return wrap(term, func(w *apdu.Command) { w.Data[len(w.Data)-1] ^= 1 })
		}, []error{ErrWrongMAC}, apdu.SWSMObjectsIncorrect, 0},
		{"tampered cryptogram", func(term *ICAOTerminal) apdu.Command {
			return wrap(term, func(w *apdu.Command) { w.Data[4] ^= 0x80 })
		}, []error{ErrWrongMAC}, apdu.SWSMObjectsIncorrect, 0},
		{"tampered header", func(term *ICAOTerminal) apdu.Command {
			return wrap(term, func(w *apdu.Command) { w.P2 = 0x00 })
		}, []error{ErrWrongMAC}, apdu.SWSMObjectsIncorrect, 0},
		{"missing DO'8E'", func(term *ICAOTerminal) apdu.Command {
			return wrap(term, func(w *apdu.Command) { w.Data = w.Data[:len(w.Data)-10] })
		}, []error{ErrMissingDO}, apdu.SWSMObjectsMissing, 0},
		{"plain command", func(*ICAOTerminal) apdu.Command { return sel }, []error{ErrMissingDO}, apdu.SWSMObjectsMissing, 0},
		{"CLA 08", func(term *ICAOTerminal) apdu.Command {
			return wrap(term, func(w *apdu.Command) { w.CLA = 0x08 })
		}, []error{ErrBadDO}, apdu.SWSMObjectsIncorrect, 0},
		{"DO'99' in a command", func(term *ICAOTerminal) apdu.Command {
			return wrap(term, func(w *apdu.Command) { w.Data = append(h("99029000"), w.Data...) })
		}, []error{ErrBadDO}, apdu.SWSMObjectsIncorrect, 0},
		{"DO'8E' not last", func(term *ICAOTerminal) apdu.Command {
			return wrap(term, func(w *apdu.Command) { w.Data = append(w.Data, h("970100")...) })
		}, []error{ErrBadDO}, apdu.SWSMObjectsIncorrect, 0},
		{"skipped SSC", func(term *ICAOTerminal) apdu.Command {
			term.ShiftCounter(+2)
			return wrap(term, func(*apdu.Command) {})
		}, []error{ErrCounter, ErrWrongMAC}, apdu.SWSMObjectsIncorrect, +2},
		{"replayed command", func(*ICAOTerminal) apdu.Command {
			return mustCommand(t, "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800") // Appendix D's first, already used
		}, []error{ErrCounter, ErrWrongMAC}, apdu.SWSMObjectsIncorrect, -2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			term, card := newICAOPair(t)
			// One good exchange (Appendix D's SELECT), so that a replay is possible.
			w, _ := term.WrapCommand(sel)
			if _, err := card.UnwrapCommand(w); err != nil {
				t.Fatal(err)
			}
			if _, err := term.UnwrapResponse(card.WrapResponse(apdu.Response{SW: 0x9000})); err != nil {
				t.Fatal(err)
			}
			_, err := card.UnwrapCommand(tc.damage(term))
			for _, target := range tc.is {
				if !errors.Is(err, target) {
					t.Errorf("error %v is not %v", err, target)
				}
			}
			if StatusFor(err) != tc.sw {
				t.Errorf("status %04X, want %04X", uint16(StatusFor(err)), uint16(tc.sw))
			}
			var ce *CounterError
			if errors.As(err, &ce) != (tc.got != 0) {
				t.Errorf("counter error: %v", err)
			} else if ce != nil && (!ce.Found || int64(ce.Got-ce.Want) != tc.got) {
				t.Errorf("counter error %v, want Got-Want = %d", ce, tc.got)
			}
			if !card.Closed() {
				t.Fatal("card session still open")
			}
			if _, err := card.UnwrapCommand(sel); !errors.Is(err, ErrSessionClosed) || StatusFor(err) != apdu.SWSMSessionClosed {
				t.Errorf("after an error: %v, want 69FC", err)
			}
			if r := card.WrapResponse(apdu.Response{Data: []byte{1}, SW: 0x9000}); r.SW != apdu.SWSMSessionClosed || len(r.Data) != 0 {
				t.Errorf("dead card wraps %v", r)
			}
		})
	}
}

func TestICAOTerminalRefusals(t *testing.T) {
	good := func(t *testing.T) (*ICAOTerminal, apdu.Response) {
		term, card := newICAOPair(t)
		w, _ := term.WrapCommand(apdu.Command{INS: 0xB0, Ne: 4})
		if _, err := card.UnwrapCommand(w); err != nil {
			t.Fatal(err)
		}
		return term, card.WrapResponse(apdu.Response{Data: h("60145F01"), SW: 0x9000})
	}
	cases := []struct {
		name   string
		damage func(r apdu.Response) apdu.Response
		is     error
	}{
		{"wrong MAC", func(r apdu.Response) apdu.Response { r.Data[len(r.Data)-1] ^= 1; return r }, ErrWrongMAC},
		{"status word changed", func(r apdu.Response) apdu.Response { r.SW = apdu.SWEndOfFile; return r }, ErrBadDO},
		{"missing DO'8E'", func(r apdu.Response) apdu.Response { r.Data = r.Data[:len(r.Data)-10]; return r }, ErrMissingDO},
		{"missing DO'99'", func(r apdu.Response) apdu.Response { r.Data = append(r.Data[:11:11], r.Data[15:]...); return r }, ErrMissingDO},
		{"plain 9000", func(apdu.Response) apdu.Response { return apdu.Response{SW: 0x9000} }, ErrMissingDO},
		{"card says 6988", func(apdu.Response) apdu.Response { return apdu.Response{SW: apdu.SWSMObjectsIncorrect} }, ErrSessionClosed},
		{"card says 6987", func(apdu.Response) apdu.Response { return apdu.Response{SW: apdu.SWSMObjectsMissing} }, ErrSessionClosed},
		{"garbage", func(r apdu.Response) apdu.Response { r.Data = h("01"); return r }, ErrBadDO},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			term, r := good(t)
			r.Data = bytes.Clone(r.Data)
			got, err := term.UnwrapResponse(tc.damage(r))
			if !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
			if len(got.Data) != 0 || !term.Closed() {
				t.Errorf("returned %v, closed %v", got, term.Closed())
			}
			if _, err := term.WrapCommand(apdu.Command{INS: 0xB0, Ne: 1}); !errors.Is(err, ErrSessionClosed) {
				t.Errorf("wrap after close: %v", err)
			}
		})
	}
	term, _ := newICAOPair(t)
	for _, cmd := range []apdu.Command{{CLA: 0x0C, INS: 0xB0, Ne: 1}, {CLA: 0x04}, {INS: 0xB0, Ne: 70000}} {
		if _, err := term.WrapCommand(cmd); err == nil {
			t.Errorf("wrapped %+v", cmd)
		}
	}
	for _, bad := range []struct {
		ks  Keys
		ssc []byte
	}{{Keys{Enc: make([]byte, 8), MAC: icaoKS.MAC}, icaoSSC}, {Keys{Enc: icaoKS.Enc, MAC: make([]byte, 24)}, icaoSSC}, {icaoKS, icaoSSC[:7]}} {
		if _, err := NewICAOTerminal(bad.ks, bad.ssc); err == nil {
			t.Errorf("terminal on %d/%d-byte keys, %d-byte SSC", len(bad.ks.Enc), len(bad.ks.MAC), len(bad.ssc))
		}
		if _, err := NewICAOCard(bad.ks, bad.ssc); err == nil {
			t.Errorf("card on %d/%d-byte keys, %d-byte SSC", len(bad.ks.Enc), len(bad.ks.MAC), len(bad.ssc))
		}
	}
}

func TestBACRoundTripAndFailures(t *testing.T) {
	docKeys, err := BACKeys("XA1234567", "880101", "301231")
	if err != nil {
		t.Fatal(err)
	}
	rndIC := h("0102030405060708")

	t.Run("random nonces", func(t *testing.T) {
		term, cmd, err := NewBACTerminal(docKeys, rndIC, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, card, err := BACCardAuthenticate(docKeys, rndIC, nil, cmd)
		if err != nil || resp.SW != 0x9000 {
			t.Fatalf("card: %v %v", resp.SW, err)
		}
		sess, err := term.Finish(resp)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sess.SSC(), card.SSC()) || !bytes.Equal(sess.SSC()[:4], rndIC[4:]) {
			t.Errorf("SSC terminal %X card %X", sess.SSC(), card.SSC())
		}
		w, _ := sess.WrapCommand(apdu.Command{INS: 0xB0, Ne: 4})
		if _, err := card.UnwrapCommand(w); err != nil {
			t.Fatal(err)
		}
		if r, err := sess.UnwrapResponse(card.WrapResponse(apdu.Response{Data: h("60145F01"), SW: 0x9000})); err != nil || X(r.Data) != "60145F01" {
			t.Errorf("SM after BAC: %v %v", r, err)
		}
	})

	wrongKeys, _ := BACKeys("XA1234568", "880101", "301231")
	cases := []struct {
		name string
		run  func() error
		sw   apdu.StatusWord
		is   error
	}{
		{"card: wrong MRZ (M.IFD)", func() error {
			_, cmd, _ := NewBACTerminal(wrongKeys, rndIC, nil, nil)
			r, _, err := BACCardAuthenticate(docKeys, rndIC, nil, cmd)
			if r.SW != apdu.SWNoRetryLimit {
				t.Errorf("card answered %v", r.SW)
			}
			return err
		}, apdu.SWNoRetryLimit, ErrWrongMAC},
		{"card: stale challenge", func() error {
			_, cmd, _ := NewBACTerminal(docKeys, h("1111111111111111"), nil, nil)
			_, _, err := BACCardAuthenticate(docKeys, rndIC, nil, cmd)
			return err
		}, apdu.SWNoRetryLimit, ErrAuth},
		{"card: short data", func() error {
			_, _, err := BACCardAuthenticate(docKeys, rndIC, nil, apdu.Command{INS: 0x82, Data: make([]byte, 32), Ne: 40})
			return err
		}, apdu.SWNoRetryLimit, ErrAuth},
		{"card: wrong INS", func() error {
			_, _, err := BACCardAuthenticate(docKeys, rndIC, nil, apdu.Command{INS: 0x88, Data: make([]byte, 40)})
			return err
		}, apdu.SWNoRetryLimit, ErrAuth},
		{"terminal: wrong M.IC", func() error {
			term, cmd, _ := NewBACTerminal(docKeys, rndIC, nil, nil)
			r, _, _ := BACCardAuthenticate(docKeys, rndIC, nil, cmd)
			r.Data[39] ^= 1
			_, err := term.Finish(r)
			return err
		}, apdu.SWNoRetryLimit, ErrWrongMAC},
		{"terminal: card echoes another RND.IFD", func() error {
			term, _, _ := NewBACTerminal(docKeys, rndIC, nil, nil)
			_, other, _ := NewBACTerminal(docKeys, rndIC, nil, nil)
			r, _, _ := BACCardAuthenticate(docKeys, rndIC, nil, other)
			_, err := term.Finish(r)
			return err
		}, apdu.SWNoRetryLimit, ErrAuth},
		{"terminal: card refused", func() error {
			term, _, _ := NewBACTerminal(docKeys, rndIC, nil, nil)
			_, err := term.Finish(apdu.Response{SW: apdu.SWNoRetryLimit})
			var sw apdu.StatusWord
			if !errors.As(err, &sw) || sw != apdu.SWNoRetryLimit {
				t.Errorf("status word not reachable: %v", err)
			}
			return err
		}, apdu.SWNoRetryLimit, ErrAuth},
		{"terminal: short answer", func() error {
			term, _, _ := NewBACTerminal(docKeys, rndIC, nil, nil)
			_, err := term.Finish(apdu.Response{Data: make([]byte, 32), SW: 0x9000})
			return err
		}, apdu.SWNoRetryLimit, ErrAuth},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if !errors.Is(err, ErrAuth) || !errors.Is(err, tc.is) || StatusFor(err) != tc.sw {
				t.Errorf("got %v (%04X), want ErrAuth, %v, %04X", err, uint16(StatusFor(err)), tc.is, uint16(tc.sw))
			}
		})
	}
	for _, args := range [][3][]byte{{rndIC[:7], nil, nil}, {rndIC, make([]byte, 7), nil}, {rndIC, nil, make([]byte, 15)}} {
		if _, _, err := NewBACTerminal(docKeys, args[0], args[1], args[2]); err == nil {
			t.Errorf("terminal with %d/%d/%d-byte nonces", len(args[0]), len(args[1]), len(args[2]))
		}
	}
	if _, _, err := NewBACTerminal(Keys{}, rndIC, nil, nil); err == nil {
		t.Error("terminal without keys")
	}
	if r, _, err := BACCardAuthenticate(docKeys, rndIC, make([]byte, 3), apdu.Command{}); err == nil || r.SW == 0x9000 {
		t.Error("card with a 3-byte K.IC")
	}
}

func TestMRZ(t *testing.T) {
	digits := []struct {
		in   string
		want byte
	}{
		{"L898902C<", '3'}, {"690806", '1'}, {"940623", '6'}, // Appendix D.2
		{"", '0'}, {"<<<<<<<<<", '0'}, {"1", '7'}, {"11", '0'}, {"111", '1'}, {"A", '0'}, {"Z", '5'},
	}
	for _, d := range digits {
		got, err := CheckDigit(d.in)
		if err != nil || got != d.want {
			t.Errorf("CheckDigit(%q) = %c, %v; want %c", d.in, got, err, d.want)
		}
	}
	if _, err := CheckDigit("l89"); err == nil {
		t.Error("lower case accepted")
	}
	for _, bad := range [][3]string{
		{"", "690806", "940623"}, {"L898902C<1", "690806", "940623"}, {"L898902C", "69086", "940623"},
		{"L898902C", "690806", "9406X3"}, {"l898902c", "690806", "940623"},
	} {
		if _, err := MRZInformation(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("MRZInformation%q accepted", bad)
		}
		if _, err := BACKeys(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("BACKeys%q accepted", bad)
		}
	}
}

func TestAdjustParity(t *testing.T) {
	in := h("00 01 02 03 7F 80 FE FF")
	want := "01 01 02 02 7F 80 FE FE"
	if got := X(AdjustParity(in)); got != X(h(want)) {
		t.Errorf("AdjustParity = %s, want %s", got, want)
	}
	for i := range 256 {
		b := AdjustParity([]byte{byte(i)})[0]
		ones := 0
		for v := b; v != 0; v >>= 1 {
			ones += int(v & 1)
		}
		if ones%2 != 1 || b&^1 != byte(i)&^1 {
			t.Fatalf("AdjustParity(%02X) = %02X", i, b)
		}
	}
	if _, err := RetailMAC(make([]byte, 8), nil); err == nil {
		t.Error("RetailMAC with an 8-byte key")
	}
}
