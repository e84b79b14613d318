package emulator_test

import (
	"bytes"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
)

const profilePath = "../vectors/profiles/p01-showa/profile.json"

// transmit sends one command to the card and returns its status word.
func transmit(c *emulator.Card, cmd apdu.Command) apdu.StatusWord {
	r, err := apdu.ParseResponse(c.Transmit(cmd.MustBytes()))
	if err != nil {
		panic(err)
	}
	return r.SW
}

// wrongCodeB is the profile's check code B with its last digit changed.
func wrongCodeB(p *myna.Profile) []byte {
	b := bytes.Clone(p.CheckCodeB().Bytes())
	b[len(b)-1] = '0' + (b[len(b)-1]-'0'+1)%10
	return b
}

// A card is personalized from a profile and answers raw APDUs. The card
// face opens only with check code B (or A); an empty VERIFY reads the tries
// left without spending one.
func ExampleLoad() {
	card, err := emulator.Load(profilePath, emulator.Options{})
	if err != nil {
		panic(err)
	}
	card.PowerOn()
	surface := apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: myna.CardSurfaceAP.AID()}
	readFace := apdu.Command{INS: 0xB0, P1: 0x80 | byte(myna.SurfaceFace), Ne: 16}
	fmt.Println("SELECT card-surface AP:", transmit(card, surface).String())
	fmt.Println("READ BINARY EF 0002:   ", transmit(card, readFace).String())
	fmt.Println("tries of check code B: ", transmit(card, myna.TriesQuery(myna.SurfaceCheckCodeBRef)).String())
	fmt.Println(card.Tries()["surface/0012"])
	// Output:
	// SELECT card-surface AP: 9000 (success)
	// READ BINARY EF 0002:    6982 (security status not satisfied)
	// tries of check code B:  63CA (verification failed, 10 tries left)
	// 10
}

// Options.Tries presets a counter: a card with one try left blocks on the
// next wrong code, and then refuses even the right one.
func ExampleOptions_tries() {
	p, err := myna.LoadProfile(profilePath)
	if err != nil {
		panic(err)
	}
	card, err := emulator.New(p, emulator.Options{Tries: map[string]int{"surface/0012": 1}})
	if err != nil {
		panic(err)
	}
	card.PowerOn()
	transmit(card, apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: myna.CardSurfaceAP.AID()})
	B := myna.SurfaceCheckCodeBRef
	fmt.Println(transmit(card, myna.Verify(B, wrongCodeB(p))).String())
	fmt.Println(transmit(card, myna.Verify(B, p.CheckCodeB().Bytes())).String())
	fmt.Println(card.Tries()["surface/0012"])
	// Output:
	// 63C0 (verification failed, 0 tries left)
	// 6984 (reference data not usable (blocked))
	// 0
}

// A fault makes the card misbehave on purpose, so that a suite or a reader
// can be seen to notice: with sw-6300 a wrong code answers 6300 ("no retry
// limit") instead of 63Cx, though the counter still goes down.
func ExampleParseFault() {
	p, err := myna.LoadProfile(profilePath)
	if err != nil {
		panic(err)
	}
	fault, err := emulator.ParseFault("sw-6300")
	if err != nil {
		panic(err)
	}
	card, err := emulator.New(p, emulator.Options{Faults: []emulator.FaultSetting{fault}})
	if err != nil {
		panic(err)
	}
	card.PowerOn()
	transmit(card, apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: myna.CardSurfaceAP.AID()})
	fmt.Println(transmit(card, myna.Verify(myna.SurfaceCheckCodeBRef, wrongCodeB(p))).String())
	fmt.Println(card.Tries()["surface/0012"])

	_, err = emulator.ParseFault("slow=fast")
	fmt.Println(err)
	// Output:
	// 6300 (verification failed, no retry limit)
	// 9
	// fault slow: "fast" is not a duration
}
