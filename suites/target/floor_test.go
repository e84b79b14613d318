package target

import (
	"context"
	"errors"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/vectors"
)

// The floor guard stands in front of a physical card; here an emulated card
// plays one, so the test can look at the counters behind the guard.
func TestFloorGuardStopsAndRestores(t *testing.T) {
	p, err := vectors.LoadProfile(DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	card, err := emulator.New(p, emulator.Options{Tries: map[string]int{"text/0011": 3}})
	if err != nil {
		t.Fatal(err)
	}
	card.PowerOn()
	g := newFloorGuard(reader.NewEmulated(card), 2)
	ctx := context.Background()
	send := func(cmd apdu.Command) (apdu.StatusWord, error) {
		raw, err := g.Transmit(ctx, cmd.MustBytes())
		if err != nil {
			return 0, err
		}
		r, _ := apdu.ParseResponse(raw)
		return r.SW, nil
	}
	if sw, err := send(apdu.Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: myna.TextAP.AID()}); err != nil || sw != apdu.SWSuccess {
		t.Fatal(sw, err)
	}
	wrongPIN := []byte("0000")
	if string(wrongPIN) == p.TextPIN().Reveal() {
		wrongPIN = []byte("1111")
	}
	verify := myna.Verify(myna.TextPINRef, wrongPIN)
	if sw, err := send(verify); err != nil || sw != apdu.RetriesLeft(2) {
		t.Fatalf("first wrong PIN: %v %v", sw, err)
	}
	// 2 tries left: one more wrong try would leave 1, below the floor of 2.
	if _, err := send(verify); !errors.Is(err, ErrFloor) {
		t.Fatalf("err = %v, want ErrFloor", err)
	}
	if card.Tries()["text/0011"] != 2 {
		t.Fatalf("the refused VERIFY reached the card: %d tries", card.Tries()["text/0011"])
	}
	if err := g.Restore(ctx, Codes{TextPIN: p.TextPIN()}); err != nil {
		t.Fatal(err)
	}
	if card.Tries()["text/0011"] != 3 {
		t.Fatalf("not restored: %d tries", card.Tries()["text/0011"])
	}
}

// With destruction allowed the guard keeps no floor: the last try goes
// through, and Restore still resets what the run spent.
func TestFloorGuardWithoutFloor(t *testing.T) {
	p, err := vectors.LoadProfile(DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	card, err := emulator.New(p, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	card.PowerOn()
	tg := &Target{Kind: PCSC, cfg: Config{Floor: 2, AllowDestructive: true}}
	if tg.floor() != 0 {
		t.Fatalf("floor %d with destruction allowed", tg.floor())
	}
	if (&Target{Kind: PCSC, cfg: Config{Floor: 2}}).floor() != 2 {
		t.Fatal("the configured floor is not kept without --allow-destructive")
	}
	g := newFloorGuard(reader.NewEmulated(card), tg.floor())
	ctx := context.Background()
	send := func(cmd apdu.Command) apdu.StatusWord {
		raw, err := g.Transmit(ctx, cmd.MustBytes())
		if err != nil {
			t.Fatal(err)
		}
		r, _ := apdu.ParseResponse(raw)
		return r.SW
	}
	send(apdu.Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: myna.TextAP.AID()})
	wrong := []byte("0000")
	if string(wrong) == p.TextPIN().Reveal() {
		wrong = []byte("1111")
	}
	for left := 2; left >= 1; left-- {
		if sw := send(myna.Verify(myna.TextPINRef, wrong)); sw != apdu.RetriesLeft(left) {
			t.Fatalf("wrong PIN: %v, want %v", sw, apdu.RetriesLeft(left))
		}
	}
	if err := g.Restore(ctx, Codes{TextPIN: p.TextPIN()}); err != nil {
		t.Fatal(err)
	}
	if n := card.Tries()["text/0011"]; n != 3 {
		t.Fatalf("not restored: %d tries", n)
	}
}
