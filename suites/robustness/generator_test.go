package robustness

import (
	"math/rand/v2"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

// TestGeneratorCarriable: every random command is at least a 4-byte header,
// so that PC/SC and vpcd carry it (see carry), and without spend no VERIFY
// carries data; with spend, VERIFY data always holds a byte ≥ 80, so it can
// never be a right value.
func TestGeneratorCarriable(t *testing.T) {
	for _, spend := range []bool{false, true} {
		g := &generator{rng: rand.New(rand.NewPCG(SeedSequences, 0)), spend: spend}
		verifies := 0
		for i := range 100000 {
			raw := g.command()
			if len(raw) < 4 {
				t.Fatalf("spend=%v, command %d: %d bytes", spend, i, len(raw))
			}
			c, err := apdu.ParseCommand(raw)
			if err != nil || c.INS != 0x20 || len(c.Data) == 0 {
				continue
			}
			verifies++
			if !spend {
				t.Fatalf("command %d: a VERIFY with data without spend: % X", i, raw)
			}
			high := false
			for _, b := range c.Data {
				high = high || b >= 0x80
			}
			if !high {
				t.Fatalf("command %d: VERIFY data without a byte ≥ 80 could be a right value", i)
			}
		}
		if spend && verifies < 5000 {
			t.Errorf("only %d VERIFYs with data in 100000 commands", verifies)
		}
	}
}

// TestBadTables: the malformed commands say truthfully how they travel.
func TestBadTables(t *testing.T) {
	for _, group := range [][]bad{badCLA, badChannel, badINS, badP1P2, badLength, badEncoding} {
		for _, b := range group {
			var want carry
			switch n := len(b.raw); {
			case n == 0:
				want = inProcessOnly
			case n == 1:
				want = notOverVPCD
			case n < 4:
				want = readerMayRefuse
			}
			if b.carry != want {
				t.Errorf("%s: %d bytes, carry %d, want %d", b.name, len(b.raw), b.carry, want)
			}
			if b.want == apdu.SWSuccess || b.name == "" {
				t.Errorf("%q: want %v", b.name, b.want)
			}
		}
	}
}
