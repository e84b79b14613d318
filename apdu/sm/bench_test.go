package sm

import (
	"bytes"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

// benchExchange is one APDU through both sides: wrap, unwrap, wrap, unwrap.
func benchExchange(b *testing.B, term Terminal, card Card, cmd apdu.Command, resp apdu.Response) {
	b.ReportAllocs()
	for b.Loop() {
		w, err := term.WrapCommand(cmd)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := card.UnwrapCommand(w); err != nil {
			b.Fatal(err)
		}
		if _, err := term.UnwrapResponse(card.WrapResponse(resp)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrapUnwrap(b *testing.B) {
	data256 := bytes.Repeat([]byte{0xA5}, 256)
	data4k := bytes.Repeat([]byte{0x5A}, 4096)
	cases := []struct {
		name string
		cmd  apdu.Command
		resp apdu.Response
	}{
		{"VERIFY", verifyPIN, apdu.Response{SW: apdu.SWSuccess}},
		{"READ 256", apdu.Command{INS: 0xB0, Ne: 256}, apdu.Response{Data: data256, SW: apdu.SWSuccess}},
		{"READ 4096", apdu.Command{INS: 0xB0, Ne: 65536}, apdu.Response{Data: data4k, SW: apdu.SWSuccess}},
	}
	for _, tc := range cases {
		b.Run("text/"+tc.name, func(b *testing.B) {
			term, card := newTextPair(b)
			benchExchange(b, term, card, tc.cmd, tc.resp)
		})
		b.Run("icao/"+tc.name, func(b *testing.B) {
			term, card := newICAOPair(b)
			benchExchange(b, term, card, tc.cmd, tc.resp)
		})
	}
}

func BenchmarkSessionKeyDelivery(b *testing.B) {
	priv := testRSAKey()
	b.ReportAllocs()
	for b.Loop() {
		_, cmd, err := NewTextSession(&priv.PublicKey)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := AcceptSessionKey(priv, cmd.Data); err != nil {
			b.Fatal(err)
		}
	}
}
