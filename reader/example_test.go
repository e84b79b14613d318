package reader_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// exampleProfile is the synthetic holder the examples read.
const exampleProfile = "../vectors/profiles/p01-showa/profile.json"

// emulatedCard loads the example profile and personalizes an emulated card from it.
func emulatedCard() (*emulator.Card, *myna.Profile) {
	p, err := myna.LoadProfile(exampleProfile)
	if err != nil {
		panic(err)
	}
	card, err := emulator.New(p, emulator.Options{})
	if err != nil {
		panic(err)
	}
	return card, p
}

// The face-to-face read: check code B opens the card face, whose signature,
// certificate chain and chip liveness are checked separately. An emulated
// card validates only under its profile set's test CA, never as genuine.
func ExampleReadFace() {
	card, p := emulatedCard()
	anchors, err := emulator.TestAnchors(p)
	if err != nil {
		panic(err)
	}
	s := reader.NewSession(reader.NewEmulated(card), reader.DefaultGuard)
	face, err := reader.ReadFace(context.Background(), s, p.CheckCodeB(), reader.ReadOptions{Anchors: anchors})
	if err != nil {
		panic(err)
	}
	a := face.Authenticity
	fmt.Println("signature:", a.Signature.OK, "anchor:", a.Anchor.OK, "live:", a.Liveness.OK)
	fmt.Println("production key:", a.Production)
	fmt.Println("tries before:", face.TriesBefore)
	fmt.Println("signed:", face.Signed.Coverage)
	// Output:
	// signature: true anchor: true live: true
	// production key: false
	// tries before: 10
	// signed: [DF22 birth date DF23 sex DF24 card public key DF25 name image DF26 address image DF27 face photo]
}

// The guard's promise: a value the card rejected is never sent again. The
// second attempt is refused before any APDU, and the counter stays where
// the first one left it.
func ExampleSession_Verify() {
	card, p := emulatedCard()
	wrong := []byte(p.CheckCodeB().Reveal())
	wrong[len(wrong)-1] = '0' + (wrong[len(wrong)-1]-'0'+1)%10
	code, err := myna.ParseCheckCodeB(string(wrong))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	s := reader.NewSession(reader.NewEmulated(card), reader.DefaultGuard)
	if err := s.SelectApp(ctx, myna.CardSurfaceAP); err != nil {
		panic(err)
	}
	for range 2 {
		err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, code)
		var wrongCode *reader.WrongCodeError
		fmt.Println(errors.As(err, &wrongCode), errors.Is(err, reader.ErrRefused), err)
	}
	fmt.Println(card.Tries()["surface/0012"])
	// Output:
	// true false wrong surface/0012 (check code B): 9 tries left
	// false true not verifying surface/0012 (check code B) (9 tries left): the card already rejected this value
	// 9
}

// A Trace records every exchange with check codes, PINs and personal data
// masked: the VERIFY keeps its header and length, never its value.
func ExampleNewTrace() {
	card, p := emulatedCard()
	tr := reader.NewTrace(reader.NewEmulated(card), reader.TraceOptions{})
	defer tr.Close()
	ctx := context.Background()
	s := reader.NewSession(tr, reader.DefaultGuard)
	if err := s.SelectApp(ctx, myna.CardSurfaceAP); err != nil {
		panic(err)
	}
	if err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, p.CheckCodeB()); err != nil {
		panic(err)
	}
	for _, e := range tr.Entries() {
		fmt.Println(e.Op, e.Object, e.Command, e.SW)
		if e.RedactedCommand != "" {
			fmt.Println("  masked:", e.RedactedCommand)
		}
	}
	// Output:
	// SELECT surface 00A4040C0AD3921000310001010402 9000
	// VERIFY surface/0012 00200092 63CA
	// VERIFY surface/0012 002000920E[redacted 14 bytes] 9000
	//   masked: secret
}

// Status reads the tries left of every PIN and check code with empty VERIFY
// commands: it never spends a try.
func ExampleStatus() {
	card, _ := emulatedCard()
	keys, err := reader.Status(context.Background(), reader.NewSession(reader.NewEmulated(card), reader.DefaultGuard))
	if err != nil {
		panic(err)
	}
	for _, k := range keys {
		fmt.Printf("%s/%s %s: %d\n", k.App, k.Key, k.Secret, k.Tries)
	}
	// Output:
	// jpki/0018 auth PIN: 3
	// jpki/001B sign password: 5
	// text/0011 text PIN: 3
	// text/0012 blocked key reference: 0
	// text/0014 check code A: 10
	// text/0015 check code B: 10
	// surface/0011 birth-date key: 10
	// surface/0012 check code B: 10
	// surface/0013 check code A: 10
	// juki/001C juki PIN: 3
	// common/001C juki PIN: 3
}
