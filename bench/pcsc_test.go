package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/pcscd"
)

// envCard makes this test binary a card process (see TestMain): "null" or "emulator", served
// on the vpcd slot envSlot names (default 0).
const (
	envCard = "TAIMEN_BENCH_CARD"
	envSlot = "TAIMEN_BENCH_SLOT"
)

// TestMain turns the test binary into a card process when envCard is set: it serves that card
// on a vpcd slot of the daemon TAIMEN_PCSCD_PID names, reaching it with pcscd.DialNetns, until
// it is killed. That is how `taimen emulate` attaches to a private pcscd from outside.
func TestMain(m *testing.M) {
	if kind := os.Getenv(envCard); kind != "" {
		os.Exit(cardProcess(kind))
	}
	os.Exit(m.Run())
}

func cardProcess(kind string) int {
	var card vpcd.Card = vpcd.NullCard{}
	if kind == "emulator" {
		root, err := RepoRoot()
		if err == nil {
			card, err = emulator.Load(ProfilePath(root), emulator.Options{})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "card process:", err)
			return 1
		}
	}
	ns := "/proc/" + os.Getenv("TAIMEN_PCSCD_PID") + "/ns/net"
	dial := func(ctx context.Context, slot int) (net.Conn, error) {
		return pcscd.DialNetns(ctx, ns, "tcp", "127.0.0.1:"+strconv.Itoa(pcscd.VPCDPort+slot))
	}
	slot, _ := strconv.Atoi(os.Getenv(envSlot))
	_ = vpcd.Serve(context.Background(), card, vpcd.Options{DialSlot: dial, Slot: slot, Reconnect: 20 * time.Millisecond})
	return 0
}

// pcscBench is the PC/SC side shared by the rows of BenchmarkPCSC: one private pcscd and one
// client context.
type pcscBench struct {
	d  *pcscd.Daemon
	sc *scard.Context
}

// starter attaches a card to a slot and returns how to detach it.
type starter func(slot int) (stop func())

func (pb *pcscBench) waitState(tb testing.TB, slot int, present bool) {
	tb.Helper()
	rs := []scard.ReaderState{{Reader: pcscd.ReaderName(slot), CurrentState: scard.StateUnaware}}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if err := pb.sc.GetStatusChange(rs, 500*time.Millisecond); err != nil && err != scard.ErrTimeout {
			tb.Fatalf("GetStatusChange: %v", err)
		}
		if (rs[0].EventState&scard.StatePresent != 0) == present {
			return
		}
		rs[0].CurrentState = rs[0].EventState &^ scard.StateChanged
	}
	tb.Fatalf("reader %s: card present should be %v after 15 s (state %#x)", pcscd.ReaderName(slot), present, rs[0].EventState)
}

// attach attaches a card to slot with start, waits for it and connects to it exclusively.
// Everything is undone when tb ends.
func (pb *pcscBench) attach(tb testing.TB, slot int, start starter) *scard.Card {
	tb.Helper()
	pb.waitState(tb, slot, false) // the previous card in this slot has left
	stop := start(slot)
	tb.Cleanup(func() {
		stop()
		pb.waitState(tb, slot, false)
	})
	pb.waitState(tb, slot, true)
	card, err := pb.sc.Connect(pcscd.ReaderName(slot), scard.ShareExclusive, scard.ProtocolAny)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { card.Disconnect(scard.ResetCard) })
	return card
}

// serveHere serves a card from a goroutine of this process.
func (pb *pcscBench) serveHere(card vpcd.Card) starter {
	return func(slot int) func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = vpcd.Serve(ctx, card, vpcd.Options{DialSlot: pb.d.DialVPCD, Slot: slot, Reconnect: 20 * time.Millisecond})
		}()
		return func() { cancel(); <-done }
	}
}

// process starts the card process newCmd gives for the slot and returns how to kill it (by PID).
func process(tb testing.TB, newCmd func(slot int) *exec.Cmd) starter {
	return func(slot int) func() {
		cmd := newCmd(slot)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			tb.Fatalf("%s: %v", cmd.Path, err)
		}
		var once sync.Once
		return func() {
			once.Do(func() {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				if tb.Failed() && out.Len() > 0 {
					tb.Logf("%s output:\n%s", filepath.Base(cmd.Path), out.String())
				}
			})
		}
	}
}

// expect90 sends prime (answer ignored: the emulator answers SELECT MF only within an
// application), then cmd, which must be answered 90 00.
func expect90(b *testing.B, card *scard.Card, prime, cmd []byte) {
	if prime != nil {
		if _, err := card.Transmit(prime); err != nil {
			b.Fatal(err)
		}
	}
	if rsp, err := card.Transmit(cmd); err != nil || !bytes.Equal(rsp, []byte{0x90, 0x00}) {
		b.Fatalf("% X: answer % X (%v), want 90 00", cmd, rsp, err)
	}
}

func transmit90(b *testing.B, card *scard.Card, cmd []byte) {
	rsp, err := card.Transmit(cmd)
	if err != nil {
		b.Fatal(err)
	}
	if len(rsp) != 2 || rsp[0] != 0x90 || rsp[1] != 0x00 {
		b.Fatalf("% X: answer % X", cmd, rsp)
	}
}

// transmitLoop measures SCardTransmit of cmd to one card in a loop.
func transmitLoop(b *testing.B, card *scard.Card, prime, cmd []byte) {
	expect90(b, card, prime, cmd)
	b.ReportAllocs()
	for b.Loop() {
		transmit90(b, card, cmd)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "apdu/s")
}

// pairBlock is how many APDUs go to one card before the loop switches to the other.
const pairBlock = 50

// pairedLoop measures two cards on the same daemon at the same time: the loop sends blocks of
// pairBlock commands to the null card and to the emulator in turn and times each card's blocks,
// so both see the same machine load, and reports each card's APDU/s and their ratio.
func pairedLoop(b *testing.B, null, emu *scard.Card, prime, cmd []byte) {
	cards := [2]*scard.Card{null, emu}
	for _, c := range cards {
		expect90(b, c, prime, cmd)
	}
	var spent [2]time.Duration
	var count [2]int
	cur, i := 0, 0
	b.ReportAllocs()
	mark := time.Now()
	for b.Loop() {
		transmit90(b, cards[cur], cmd)
		count[cur]++
		if i++; i%pairBlock == 0 {
			now := time.Now()
			spent[cur] += now.Sub(mark)
			mark, cur = now, 1-cur
		}
	}
	spent[cur] += time.Since(mark)
	rate := func(k int) float64 { return float64(count[k]) / spent[k].Seconds() }
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "apdu/s")
	b.ReportMetric(rate(0), "null-apdu/s")
	b.ReportMetric(rate(1), "emulator-apdu/s")
	b.ReportMetric(rate(1)/rate(0), "emulator/null")
}

// BenchmarkPCSC measures whole round trips through the real stack — SCardTransmit in this
// process → pcscd → vpcd driver → TCP → card process → back — all on one private pcscd.
//
// The emulator and the null card (vpcd.NullCard, answering 90 00 at once) are measured as a
// pair, in interleaved blocks (pairedLoop), so that the load of the machine falls on both alike;
// each pair runs in both slot layouts (null on slot 0 and the emulator on slot 1, then the other
// way round), which cancels the small difference between vpcd's two slots. Placements:
//
//	goroutine  both cards in goroutines of this process (pcscd.Daemon.DialVPCD)
//	process    both cards in separate processes (this binary again, pcscd.DialNetns), as
//	           `taimen emulate` runs
//
// vicc is Debian's `vicc -t iso7816` (scripts/vicc), run inside the daemon's namespaces with
// CommandInside so that it connects to 127.0.0.1:35963 (slot 0), measured alone.
//
// Commands: SELECT_MF (00 A4 00 0C) is answered 90 00 by all of them (the emulator within an
// application: each row sends one SELECT by AID first); SELECT_AID is the card-surface
// application's SELECT; SELECT_3F00 (00 A4 00 0C 02 3F 00) is vicc's own.
func BenchmarkPCSC(b *testing.B) {
	if err := pcscd.Available(); err != nil {
		b.Skip(err)
	}
	root, err := RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	p := profile(b)
	ctx := context.Background()
	d, err := pcscd.Start(ctx, pcscd.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Stop()
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
	pb := &pcscBench{d: d, sc: sc}

	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cardProc := func(b *testing.B, kind string) starter {
		return process(b, func(slot int) *exec.Cmd {
			cmd := exec.Command(self)
			cmd.Env = append(d.Env(), envCard+"="+kind, envSlot+"="+strconv.Itoa(slot))
			return cmd
		})
	}
	type row struct {
		name  string
		prime []byte
		cmd   []byte
	}
	rows := []row{{"SELECT_MF", SelectSurfaceAID, SelectMF}, {"SELECT_AID", nil, SelectSurfaceAID}}
	placements := []struct {
		name      string
		null, emu func(b *testing.B) starter
	}{
		{"goroutine",
			func(b *testing.B) starter { return pb.serveHere(vpcd.NullCard{}) },
			func(b *testing.B) starter {
				c, err := emulator.New(p, emulator.Options{})
				if err != nil {
					b.Fatal(err)
				}
				return pb.serveHere(c)
			}},
		{"process",
			func(b *testing.B) starter { return cardProc(b, "null") },
			func(b *testing.B) starter { return cardProc(b, "emulator") }},
	}
	for _, pl := range placements {
		b.Run(pl.name, func(b *testing.B) {
			for _, nullSlot := range []int{0, 1} {
				layout := fmt.Sprintf("null%d-emulator%d", nullSlot, 1-nullSlot)
				b.Run(layout, func(b *testing.B) {
					null := pb.attach(b, nullSlot, pl.null(b))
					emu := pb.attach(b, 1-nullSlot, pl.emu(b))
					for _, r := range rows {
						b.Run(r.name, func(b *testing.B) { pairedLoop(b, null, emu, r.prime, r.cmd) })
					}
				})
			}
		})
	}
	// vicc as Debian ships it, and with TCP_QUICKACK re-armed after each recv
	// (scripts/vicc-quickack): the difference is Linux's delayed ACK, not vicc.
	for _, script := range []string{"vicc", "vicc-quickack"} {
		b.Run(script, func(b *testing.B) {
			vicc := filepath.Join(root, "scripts", script)
			if _, err := os.Stat(vicc); err != nil {
				b.Skip(err)
			}
			card := pb.attach(b, 0, process(b, func(slot int) *exec.Cmd {
				return d.CommandInside(ctx, vicc, "-t", "iso7816", "-H", "127.0.0.1", "-P", strconv.Itoa(pcscd.VPCDPort+slot))
			}))
			for _, r := range []row{{"SELECT_MF", SelectSurfaceAID, SelectMF}, {"SELECT_3F00", nil, SelectMFByFID}} {
				b.Run(r.name, func(b *testing.B) { transmitLoop(b, card, r.prime, r.cmd) })
			}
		})
	}
}
