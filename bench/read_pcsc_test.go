package bench

import (
	"context"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
)

// ReadBinary256 is READ BINARY of 256 bytes from offset 0 of the current EF (00 B0 00 00 00).
var ReadBinary256 = []byte{0x00, 0xB0, 0x00, 0x00, 0x00}

// BenchmarkPCSCRead measures READ BINARY of 256 bytes through pcscd and vpcd: the emulator
// (in a goroutine) reads the JPKI application's EF 000A, free to read (CARD.md), while the null
// card on the other slot answers the same command 90 00 at once, with no data. Blocks of
// pairBlock commands alternate between them, so both see the same load; the null card's round
// trip is the floor of any command through PC/SC, and "x-floor" is how many floors the emulator's
// 256-byte read costs.
func BenchmarkPCSCRead(b *testing.B) {
	if err := pcscd.Available(); err != nil {
		b.Skip(err)
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
	card, err := emulator.New(p, emulator.Options{})
	if err != nil {
		b.Fatal(err)
	}
	// The work is in a sub-benchmark, so that the daemon starts once, not once per b.N.
	b.Run("READ_256", func(b *testing.B) { readLoop(b, pb, card) })
}

func readLoop(b *testing.B, pb *pcscBench, card *emulator.Card) {
	emu := pb.attach(b, 0, pb.serveHere(card))
	null := pb.attach(b, 1, pb.serveHere(vpcd.NullCard{}))
	selectJPKI := append([]byte{0x00, 0xA4, 0x04, 0x0C, byte(len(myna.JPKIAP.AID()))}, myna.JPKIAP.AID()...)
	for _, cmd := range [][]byte{selectJPKI, {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A}} {
		transmit90(b, emu, cmd)
	}
	read := func(c *scard.Card, want int) {
		rsp, err := c.Transmit(ReadBinary256)
		if err != nil {
			b.Fatal(err)
		}
		if len(rsp) != want || rsp[len(rsp)-2] != 0x90 || rsp[len(rsp)-1] != 0x00 {
			b.Fatalf("READ BINARY 256: %d bytes, ending % X; want %d ending 90 00", len(rsp), rsp[max(0, len(rsp)-2):], want)
		}
	}
	read(emu, 258)
	read(null, 2)
	cards := [2]*scard.Card{null, emu}
	wants := [2]int{2, 258}
	var spent [2]time.Duration
	var count [2]int
	cur, i := 0, 0
	mark := time.Now()
	for b.Loop() {
		read(cards[cur], wants[cur])
		count[cur]++
		if i++; i%pairBlock == 0 {
			now := time.Now()
			spent[cur] += now.Sub(mark)
			mark, cur = now, 1-cur
		}
	}
	spent[cur] += time.Since(mark)
	if count[0] == 0 || count[1] == 0 {
		return // too few iterations to compare (b.N below pairBlock)
	}
	floor := spent[0] / time.Duration(count[0])
	emuRead := spent[1] / time.Duration(count[1])
	b.ReportMetric(float64(floor.Nanoseconds())/1e3, "floor-µs")
	b.ReportMetric(float64(emuRead.Nanoseconds())/1e3, "read256-µs")
	b.ReportMetric(float64(emuRead)/float64(floor), "x-floor")
}
