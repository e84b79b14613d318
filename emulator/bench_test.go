package emulator

import (
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// benchAPDU measures one command in a loop and reports APDU/s.
func benchAPDU(b *testing.B, c *Card, setup []apdu.Command, cmd apdu.Command, want apdu.StatusWord) {
	for _, s := range setup {
		c.Transmit(s.MustBytes())
	}
	raw := cmd.MustBytes()
	rsp := c.Transmit(raw)
	if r, _ := apdu.ParseResponse(rsp); r.SW != want {
		b.Fatalf("%v, want %v", r.SW, want)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.Transmit(raw)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "apdu/s")
}

func BenchmarkInProcess(b *testing.B) {
	p := loadProfile(b, "p01-showa")
	surface := selApp(myna.CardSurfaceAP)
	b.Run("SELECT", func(b *testing.B) {
		benchAPDU(b, newCard(b, "p01-showa", Options{}), nil, surface, apdu.SWSuccess)
	})
	b.Run("READ_BINARY_256", func(b *testing.B) {
		benchAPDU(b, newCard(b, "p01-showa", Options{}),
			[]apdu.Command{surface, myna.Verify(myna.SurfaceCheckCodeBRef, p.CheckCodeB().Bytes()), selEF(myna.SurfaceFace)},
			apdu.Command{INS: 0xB0, Ne: 256}, apdu.SWSuccess)
	})
	b.Run("READ_BINARY_extended_face", func(b *testing.B) {
		benchAPDU(b, newCard(b, "p01-showa", Options{}),
			[]apdu.Command{surface, myna.Verify(myna.SurfaceCheckCodeBRef, p.CheckCodeB().Bytes())},
			readSFI(myna.SurfaceFace, 65536), apdu.SWSuccess)
	})
	b.Run("VERIFY_status", func(b *testing.B) {
		benchAPDU(b, newCard(b, "p01-showa", Options{}), []apdu.Command{surface, selEF(myna.SurfaceCheckCodeBRef)},
			myna.VerifySelected(nil), apdu.RetriesLeft(10))
	})
	// A correct VERIFY makes two durable writes (decrement, then reset): the
	// cost of the rule that a try is spent before the comparison.
	b.Run("VERIFY_correct_durable", func(b *testing.B) {
		benchAPDU(b, newCard(b, "p01-showa", Options{StateDir: b.TempDir()}), []apdu.Command{surface},
			myna.Verify(myna.SurfaceCheckCodeBRef, p.CheckCodeB().Bytes()), apdu.SWSuccess)
	})
	b.Run("VERIFY_correct_memory", func(b *testing.B) {
		benchAPDU(b, newCard(b, "p01-showa", Options{}), []apdu.Command{surface},
			myna.Verify(myna.SurfaceCheckCodeBRef, p.CheckCodeB().Bytes()), apdu.SWSuccess)
	})
}
