package apdu_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
)

// A command is built as a struct and encoded in the shortest form that
// carries it; its case follows from Data and Ne.
func ExampleCommand() {
	selectSurface := apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C,
		Data: []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02}}
	fmt.Printf("% X (%s)\n", selectSurface.MustBytes(), selectSurface.Case())

	readWhole := apdu.Command{INS: 0xB0, P1: 0x82, Ne: apdu.MaxExtendedNe}
	fmt.Printf("% X (%s)\n", readWhole.MustBytes(), readWhole.Case())
	// Output:
	// 00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02 (case 3S)
	// 00 B0 82 00 00 00 00 (case 2E)
}

// ParseCommand decodes any case, short or extended; malformed input is an
// error wrapping ErrMalformed, never a panic.
func ExampleParseCommand() {
	c, err := apdu.ParseCommand([]byte{0x00, 0xB0, 0x00, 0x10, 0x80})
	fmt.Printf("INS %02X offset %d Ne %d %v\n", c.INS, int(c.P1)<<8|int(c.P2), c.Ne, err)

	_, err = apdu.ParseCommand([]byte{0x00, 0x20, 0x00, 0x80, 0x05, 0x31, 0x32})
	fmt.Println(errors.Is(err, apdu.ErrMalformed), err)
	// Output:
	// INS B0 offset 16 Ne 128 <nil>
	// true malformed command APDU at byte 4: Lc 5 does not match 3 body bytes
}

// A status word names itself, a wrong code's 63Cx carries the tries left,
// and a status word is an error a caller can branch on with errors.As.
func ExampleStatusWord() {
	for _, sw := range []apdu.StatusWord{apdu.SWSuccess, apdu.RetriesLeft(3), apdu.SWAuthMethodBlocked} {
		n, wrongCode := sw.Retries()
		fmt.Println(sw.String(), wrongCode, n)
	}
	err := fmt.Errorf("verify surface/0012: %w", apdu.RetriesLeft(9))
	var sw apdu.StatusWord
	fmt.Println(errors.As(err, &sw), sw == apdu.RetriesLeft(9), err)
	// Output:
	// 9000 (success) false 0
	// 63C3 (verification failed, 3 tries left) true 3
	// 6983 (authentication method blocked) false 0
	// true true verify surface/0012: card answered 63C9 (verification failed, 9 tries left)
}

// cardFunc is a Transmitter made of a function, as a test card.
type cardFunc func(cmd []byte) []byte

func (f cardFunc) Transmit(_ context.Context, cmd []byte) ([]byte, error) { return f(cmd), nil }

// Exchange follows the transport's status words: here the card answers
// 61 04 ("4 more bytes") and Exchange fetches them with GET RESPONSE.
func ExampleExchange() {
	card := cardFunc(func(cmd []byte) []byte {
		fmt.Printf("card got % X\n", cmd)
		if cmd[1] == 0xC0 { // GET RESPONSE
			return []byte{0xCA, 0xFE, 0xBA, 0xBE, 0x90, 0x00}
		}
		return []byte{0x61, 0x04}
	})
	r, err := apdu.Exchange(context.Background(), card, apdu.Command{INS: 0x84, Ne: 4}, apdu.ExchangeLimits{})
	fmt.Println(r, err)
	// Output:
	// card got 00 84 00 00 04
	// card got 00 C0 00 00 04
	// cafebabe 9000 <nil>
}

// BER-TLV: build a constructed object, then parse it and find a child.
func ExampleBuilder() {
	b := apdu.NewBuilder(nil)
	b.AddConstructed(0xFF20, apdu.LengthMinimal, func(b *apdu.Builder) {
		b.Add(0xDF23, []byte{'1'})
		b.Add(0xDF29, []byte("20350217"))
	})
	raw, err := b.Bytes()
	if err != nil {
		panic(err)
	}
	fmt.Printf("% X\n", raw)

	outer, _, err := apdu.ParseTLV(raw)
	if err != nil {
		panic(err)
	}
	children, err := outer.Children()
	if err != nil {
		panic(err)
	}
	expiry, found := apdu.Find(children, 0xDF29)
	fmt.Println(outer.Tag, len(children), found, string(expiry.Value))
	// Output:
	// FF 20 0F DF 23 01 31 DF 29 08 32 30 33 35 30 32 31 37
	// FF20 2 true 20350217
}
