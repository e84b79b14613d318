package vpcd_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ebfe/scard"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/pcscd"
)

var (
	mynaATR = []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}
	// SELECT of the card-surface application (DF by name, no response data).
	selectAP = []byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02}
)

// attach starts a private pcscd, serves cards on it and points this process's PC/SC client at
// it. Everything is stopped (by PID for the daemon) when the test ends.
func attach(t testing.TB, cards map[int]vpcd.Card) (*pcscd.Daemon, *scard.Context) {
	t.Helper()
	d := pcscd.StartForTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- vpcd.ServeSlots(ctx, cards, vpcd.Options{DialSlot: d.DialVPCD, Reconnect: 20 * time.Millisecond})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	})
	release, err := d.UseInProcess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	sc, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Release() })
	return d, sc
}

// waitCard waits until reader shows a card and returns the time it took.
func waitCard(t testing.TB, sc *scard.Context, reader string) time.Duration {
	t.Helper()
	start := time.Now()
	rs := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	for time.Since(start) < 10*time.Second {
		if err := sc.GetStatusChange(rs, time.Second); err != nil && err != scard.ErrTimeout {
			t.Fatalf("GetStatusChange(%s): %v", reader, err)
		}
		if rs[0].EventState&scard.StatePresent != 0 {
			return time.Since(start)
		}
		rs[0].CurrentState = rs[0].EventState
	}
	t.Fatalf("no card in %s after 10 s (state %#x)", reader, rs[0].EventState)
	return 0
}

func TestNullCardThroughPCSC(t *testing.T) {
	_, sc := attach(t, map[int]vpcd.Card{0: vpcd.NullCard{}})
	readers, err := sc.ListReaders()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range readers {
		found = found || r == pcscd.ReaderName(0)
	}
	if !found {
		t.Fatalf("readers %q, want %q", readers, pcscd.ReaderName(0))
	}
	t.Logf("card present in %q after %v", pcscd.ReaderName(0), waitCard(t, sc, pcscd.ReaderName(0)))

	card, err := sc.Connect(pcscd.ReaderName(0), scard.ShareExclusive, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	defer card.Disconnect(scard.ResetCard)
	st, err := card.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.Atr, mynaATR) {
		t.Errorf("ATR % X, want % X", st.Atr, mynaATR)
	}
	resp, err := card.Transmit(selectAP)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp, []byte{0x90, 0x00}) {
		t.Fatalf("response % X, want 90 00", resp)
	}
}

// slotCard is a NullCard with its own ATR, counting power events.
type slotCard struct {
	vpcd.NullCard
	atr []byte
	mu  sync.Mutex
	ons int
}

func (c *slotCard) ATR() []byte { return c.atr }
func (c *slotCard) PowerOn()    { c.mu.Lock(); c.ons++; c.mu.Unlock() }

func TestTwoSlotsThroughPCSC(t *testing.T) {
	cards := map[int]vpcd.Card{
		0: &slotCard{atr: []byte{0x3B, 0x02, 0x14, 0x50}},
		1: &slotCard{atr: []byte{0x3B, 0x02, 0x14, 0x51}},
	}
	_, sc := attach(t, cards)
	for slot, c := range cards {
		waitCard(t, sc, pcscd.ReaderName(slot))
		card, err := sc.Connect(pcscd.ReaderName(slot), scard.ShareShared, scard.ProtocolAny)
		if err != nil {
			t.Fatalf("slot %d: %v", slot, err)
		}
		st, err := card.Status()
		card.Disconnect(scard.LeaveCard)
		if err != nil {
			t.Fatalf("slot %d: %v", slot, err)
		}
		if want := c.(*slotCard).atr; !bytes.Equal(st.Atr, want) {
			t.Errorf("slot %d: ATR % X, want % X", slot, st.Atr, want)
		}
	}
}

// TestReconnectAfterRestart: the card process keeps serving across a pcscd restart.
func TestReconnectAfterRestart(t *testing.T) {
	var (
		mu  sync.Mutex
		cur = pcscd.StartForTest(t)
	)
	dial := func(ctx context.Context, slot int) (net.Conn, error) {
		mu.Lock()
		d := cur
		mu.Unlock()
		return d.DialVPCD(ctx, slot)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- vpcd.Serve(ctx, vpcd.NullCard{}, vpcd.Options{DialSlot: dial, Reconnect: 20 * time.Millisecond})
	}()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	for round := range 2 {
		mu.Lock()
		d := cur
		mu.Unlock()
		release, err := d.UseInProcess(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := scard.EstablishContext()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: card present after %v", round, waitCard(t, sc, pcscd.ReaderName(0)))
		card, err := sc.Connect(pcscd.ReaderName(0), scard.ShareExclusive, scard.ProtocolAny)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if resp, err := card.Transmit(selectAP); err != nil || !bytes.Equal(resp, []byte{0x90, 0x00}) {
			t.Fatalf("round %d: % X, %v", round, resp, err)
		}
		card.Disconnect(scard.LeaveCard)
		sc.Release()
		release()
		if round == 0 {
			if err := d.Stop(); err != nil {
				t.Fatal(err)
			}
			next := pcscd.StartForTest(t)
			mu.Lock()
			cur = next
			mu.Unlock()
		}
	}
}

// BenchmarkNullCardPCSC measures whole round trips of a SELECT through this process's PC/SC
// client, the real pcscd, the vpcd driver and a card process (NullCard, in this process):
// SCardTransmit → pcscd → vpcd → TCP → card → back.
func BenchmarkNullCardPCSC(b *testing.B) {
	_, sc := attach(b, map[int]vpcd.Card{0: vpcd.NullCard{}})
	waitCard(b, sc, pcscd.ReaderName(0))
	card, err := sc.Connect(pcscd.ReaderName(0), scard.ShareExclusive, scard.ProtocolAny)
	if err != nil {
		b.Fatal(err)
	}
	defer card.Disconnect(scard.ResetCard)
	benchTransmit(b, card)
}

// BenchmarkNullCardPCSCSubprocess is BenchmarkNullCardPCSC with the card in another process (this
// test binary again), which dials vpcd with pcscd.DialNetns: the set-up of `taimen emulate`.
func BenchmarkNullCardPCSCSubprocess(b *testing.B) {
	d := pcscd.StartForTest(b)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCardProcess$")
	cmd.Env = append(d.Env(), "TAIMEN_VPCD_HELPER=1")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill() // by PID
		_ = cmd.Wait()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	release, err := d.UseInProcess(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer release()
	sc, err := scard.EstablishContext()
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Release()
	waitCard(b, sc, pcscd.ReaderName(0))
	card, err := sc.Connect(pcscd.ReaderName(0), scard.ShareExclusive, scard.ProtocolAny)
	if err != nil {
		b.Fatal(err)
	}
	defer card.Disconnect(scard.ResetCard)
	benchTransmit(b, card)
}

// TestHelperCardProcess is the card process of BenchmarkNullCardPCSCSubprocess; it does nothing
// unless TAIMEN_VPCD_HELPER=1, and then serves a NullCard to the daemon TAIMEN_PCSCD_PID names
// until killed.
func TestHelperCardProcess(t *testing.T) {
	if os.Getenv("TAIMEN_VPCD_HELPER") != "1" {
		t.Skip("helper process for BenchmarkNullCardPCSCSubprocess")
	}
	ns := "/proc/" + os.Getenv("TAIMEN_PCSCD_PID") + "/ns/net"
	dial := func(ctx context.Context, slot int) (net.Conn, error) {
		return pcscd.DialNetns(ctx, ns, "tcp", "127.0.0.1:"+strconv.Itoa(vpcd.DefaultPort+slot))
	}
	vpcd.Serve(context.Background(), vpcd.NullCard{}, vpcd.Options{DialSlot: dial, Reconnect: 20 * time.Millisecond})
}

func benchTransmit(b *testing.B, card *scard.Card) {
	b.Helper()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		resp, err := card.Transmit(selectAP)
		if err != nil {
			b.Fatal(err)
		}
		if len(resp) != 2 || resp[0] != 0x90 {
			b.Fatalf("response % X", resp)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "apdu/s")
}
