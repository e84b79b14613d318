package emulator

import (
	"bytes"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// FuzzTransmit sends arbitrary bytes after a realistic prefix: the card never
// panics, always answers with a status word, and a wrong input never unblocks
// or raises a counter.
func FuzzTransmit(f *testing.F) {
	for _, s := range []string{
		"00A4040C0AD3921000310001010402", "00A4020C020012", "00200080", "002000920E3535303231373230333534383231",
		"00B0820000", "00B08200000000", "802A000003010203000100", "0084000010", "00CA00F800", "08B0000000000596030000000000",
		"80AE0000000100", "00B2010C00", "0088009903010203 00", "00240180043132",
	} {
		f.Add(x(s))
	}
	p := loadProfile(f, "p01-showa")
	proto, err := New(p, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, cmd []byte) {
		c := proto.Fresh()
		c.PowerOn()
		before := c.Tries()
		for _, app := range []myna.App{myna.CardSurfaceAP, myna.TextAP} {
			c.Transmit(selApp(app).MustBytes())
			rsp := c.Transmit(cmd)
			if len(rsp) < 2 {
				t.Fatalf("answer of %d bytes to % X", len(rsp), cmd)
			}
			r, _ := apdu.ParseResponse(rsp)
			if r.SW == apdu.SWSuccess && len(r.Data) > 0 && bytes.Contains(r.Data, p.CheckCodeB().Bytes()) {
				t.Fatal("a check code came out of the card")
			}
		}
		for k, v := range c.Tries() {
			if v > before[k] {
				t.Fatalf("counter %s rose from %d to %d", k, before[k], v)
			}
		}
	})
}
