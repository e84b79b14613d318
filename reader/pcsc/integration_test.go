package pcsc_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
)

// serve attaches card to vpcd's slot of d. cancel ends the serving (vpcd's connection closes at
// once); wait waits for the serving goroutine, which a card blocked in Transmit holds up. Both
// also run at cleanup.
func serve(t *testing.T, d *pcscd.Daemon, slot int, card vpcd.Card) (cancel, wait func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		vpcd.Serve(ctx, card, vpcd.Options{DialSlot: d.DialVPCD, Slot: slot, Reconnect: 50 * time.Millisecond})
	}()
	wait = func() { <-done }
	t.Cleanup(func() { cancel(); wait() })
	return cancel, wait
}

// events returns pcscd's event counter of reader.
func events(ctx context.Context, t *testing.T, reader string) int {
	t.Helper()
	list, err := pcsc.Readers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.Name == reader {
			return r.Events
		}
	}
	t.Fatalf("no reader %q", reader)
	return 0
}

// removeCard stops serving the card in reader (cancel, then wait) and waits until pcscd's event
// handler has seen it leave: the reader's event counter has moved from before (read while the
// card was in) and no card is present. A card process that connects again before that poll
// (about 0.4 s) is not seen as an insertion: pcscd goes on reporting an empty reader.
func removeCard(ctx context.Context, t *testing.T, reader string, before int, cancel, wait func()) {
	t.Helper()
	cancel()
	wait()
	limit := time.Now().Add(5 * time.Second)
	for time.Now().Before(limit) {
		list, err := pcsc.Readers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.Name == reader && !r.CardPresent && r.Events != before {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("pcscd did not see the card leave %q", reader)
}

// muteCard answers reset but never a command, until release is closed.
type muteCard struct {
	vpcd.NullCard
	release chan struct{}
}

func (m muteCard) Transmit([]byte) []byte {
	<-m.release
	return []byte{0x90, 0x00}
}

// TestVPCDIntegration drives the PC/SC transport through a private pcscd and vpcd: listing,
// waiting for and connecting to a card, exchanges, reset, removal, and a mute card.
func TestVPCDIntegration(t *testing.T) {
	d := pcscd.StartForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	release, err := d.UseInProcess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	reader0, reader1 := pcscd.ReaderName(0), pcscd.ReaderName(1)

	got, err := pcsc.Readers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]pcsc.ReaderStatus{{Name: reader0}, {Name: reader1}}, got, cmpopts.IgnoreFields(pcsc.ReaderStatus{}, "Events")); diff != "" {
		t.Fatalf("Readers without cards (-want +got):\n%s", diff)
	}
	if _, err := pcsc.Open(ctx, pcsc.Options{NoWait: true}); !errors.Is(err, reader.ErrNoCard) {
		t.Fatalf("Open without a card, no wait: %v, want ErrNoCard", err)
	}

	t.Run("NullCard: wait, connect, transmit, reset, removal", func(t *testing.T) {
		stop, wait := serve(t, d, 0, vpcd.NullCard{})
		octx, ocancel := context.WithTimeout(ctx, 10*time.Second)
		defer ocancel()
		tr, err := pcsc.Open(octx, pcsc.Options{Reader: pcsc.ByName(reader0), CommandTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		inserted := events(ctx, t, reader0)
		want := reader.Target{Kind: reader.KindVPCD, Reader: reader0, ATR: "3BE000FF8131FE4514"}
		if diff := cmp.Diff(want, tr.Info()); diff != "" {
			t.Errorf("Info (-want +got):\n%s", diff)
		}
		list, err := pcsc.Readers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || !list[0].CardPresent || !list[0].Exclusive || list[1].CardPresent {
			t.Errorf("Readers while connected = %+v, want a card held exclusively in %q only", list, reader0)
		}
		if _, err := pcsc.Open(ctx, pcsc.Options{Reader: pcsc.ByName(reader0), NoWait: true}); !errors.Is(err, reader.ErrReaderBusy) {
			t.Errorf("second Open of a held card: %v, want ErrReaderBusy", err)
		}
		r, err := apdu.Exchange(ctx, tr, apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: myna.CardSurfaceAP.AID()}, apdu.ExchangeLimits{})
		if err != nil || r.SW != apdu.SWSuccess {
			t.Fatalf("SELECT: %v, %v", r, err)
		}
		if err := tr.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Transmit(ctx, []byte{0x00, 0xB0, 0x00, 0x00, 0x00}); err != nil {
			t.Fatalf("after Reset: %v", err)
		}

		stop() // the card leaves the reader
		wait()
		_, err = tr.Transmit(ctx, []byte{0x00, 0xB0, 0x00, 0x00, 0x00})
		if !errors.Is(err, reader.ErrCardRemoved) && !errors.Is(err, reader.ErrNoCard) {
			t.Fatalf("after removal: %v, want ErrCardRemoved or ErrNoCard", err)
		}
		if err := tr.Reset(ctx); !errors.Is(err, reader.ErrNoCard) && !errors.Is(err, reader.ErrCardRemoved) {
			t.Errorf("Reset without a card: %v, want ErrNoCard", err)
		}
		if err := tr.Close(); err != nil {
			t.Errorf("Close after removal: %v", err)
		}
		removeCard(ctx, t, reader0, inserted, stop, wait)
	})

	t.Run("mute card: ErrTimeout at the deadline, then busy until vpcd lets go", func(t *testing.T) {
		card := muteCard{release: make(chan struct{})}
		stop, wait := serve(t, d, 0, card)
		released := false
		defer func() { // before serve's cleanup, which waits for the serving goroutine
			if !released {
				close(card.release)
			}
		}()
		octx, ocancel := context.WithTimeout(ctx, 10*time.Second)
		defer ocancel()
		const deadline = 300 * time.Millisecond
		tr, err := pcsc.Open(octx, pcsc.Options{Reader: pcsc.ByName(reader0), CommandTimeout: deadline})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		inserted := events(ctx, t, reader0)
		start := time.Now()
		_, err = tr.Transmit(ctx, []byte{0x00, 0xB0, 0x00, 0x00, 0x00})
		if !errors.Is(err, reader.ErrTimeout) {
			t.Fatalf("mute card: %v, want ErrTimeout", err)
		}
		if elapsed := time.Since(start); elapsed > deadline+2*time.Second {
			t.Errorf("mute card took %v with a %v deadline", elapsed, deadline)
		}
		if _, err := tr.Transmit(ctx, []byte{0x00, 0xB0, 0x00, 0x00, 0x00}); !errors.Is(err, reader.ErrReaderBusy) {
			t.Errorf("while the abandoned SCardTransmit runs: %v, want ErrReaderBusy", err)
		}
		stop() // the card process goes away: vpcd's read fails and SCardTransmit returns
		limit := time.Now().Add(5 * time.Second)
		for {
			_, err := tr.Transmit(ctx, []byte{0x00, 0xB0, 0x00, 0x00, 0x00})
			if errors.Is(err, reader.ErrCardRemoved) {
				break
			}
			if !errors.Is(err, reader.ErrReaderBusy) || time.Now().After(limit) {
				t.Fatalf("after the card went away: %v, want ErrCardRemoved", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := tr.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		close(card.release)
		released = true
		removeCard(ctx, t, reader0, inserted, stop, wait)
	})

	t.Run("emulator: reset clears the security state; the trace is redacted", func(t *testing.T) {
		card, err := emulator.Load("../../vectors/profiles/p01-showa/profile.json", emulator.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := myna.LoadProfile("../../vectors/profiles/p01-showa/profile.json")
		if err != nil {
			t.Fatal(err)
		}
		serve(t, d, 1, card)
		octx, ocancel := context.WithTimeout(ctx, 10*time.Second)
		defer ocancel()
		pt, err := pcsc.Open(octx, pcsc.Options{Reader: pcsc.ParseSelector("00 01"), CommandTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		tr := reader.NewTrace(pt, reader.TraceOptions{})
		defer tr.Close()
		send := func(c apdu.Command) apdu.StatusWord {
			t.Helper()
			r, err := apdu.Exchange(ctx, tr, c, apdu.ExchangeLimits{})
			if err != nil {
				t.Fatal(err)
			}
			return r.SW
		}
		selAP := apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: myna.CardSurfaceAP.AID()}
		selB := apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x00, 0x12}}
		selFace := apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x00, 0x02}}
		read := apdu.Command{INS: 0xB0, Ne: 256}
		codeB := p.CheckCodeB().Bytes()
		for i, step := range []struct {
			c    apdu.Command
			want apdu.StatusWord
		}{
			{selAP, apdu.SWSuccess}, {selB, apdu.SWSuccess},
			{myna.VerifySelected(codeB), apdu.SWSuccess},
			{selFace, apdu.SWSuccess}, {read, apdu.SWSuccess},
		} {
			if sw := send(step.c); sw != step.want {
				t.Fatalf("step %d: %s, want %s", i, sw, step.want)
			}
		}
		if err := tr.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		send(selAP)
		send(selFace)
		if sw := send(read); sw == apdu.SWSuccess {
			t.Error("the card face is still readable after Reset: the reset did not reach the card")
		}
		js, err := json.Marshal(tr.Entries())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{string(codeB), reader.HexUpper(codeB), p.Person.BirthDateDigits(), reader.HexUpper([]byte(p.Person.BirthDateDigits()))} {
			if strings.Contains(string(js), s) {
				t.Fatalf("trace over PC/SC contains a secret or personal datum (%d characters)", len(s))
			}
		}
	})
}
