package bench

import (
	"bytes"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
)

// profile loads the benchmarks' profile.
func profile(tb testing.TB) *myna.Profile {
	tb.Helper()
	root, err := RepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	p, err := myna.LoadProfile(ProfilePath(root))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// newCard personalizes a powered card.
func newCard(tb testing.TB, p *myna.Profile, opts emulator.Options) *emulator.Card {
	tb.Helper()
	c, err := emulator.New(p, opts)
	if err != nil {
		tb.Fatal(err)
	}
	c.PowerOn()
	return c
}

// send transmits one command and checks its status word.
func send(tb testing.TB, c *emulator.Card, cmd []byte, want apdu.StatusWord) []byte {
	tb.Helper()
	rsp := c.Transmit(cmd)
	r, err := apdu.ParseResponse(rsp)
	if err != nil || r.SW != want {
		tb.Fatalf("% X: answer % X (%v), want %v", cmd, rsp, err, want)
	}
	return rsp
}

func mustBytes(c apdu.Command) []byte { return c.MustBytes() }

// wrongCode returns a code of the same form as code that differs in its last digit.
func wrongCode(code []byte) []byte {
	w := bytes.Clone(code)
	w[len(w)-1] = '0' + (w[len(w)-1]-'0'+1)%10
	return w
}

// BenchmarkEmulator measures single APDUs through emulator.Card.Transmit, the in-process
// path every suite uses against the emulator target. Run it with -cpu 1: the goal is one core.
func BenchmarkEmulator(b *testing.B) {
	p := profile(b)
	selectEF := func(id myna.FileID) []byte {
		return mustBytes(apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(id >> 8), byte(id)}})
	}
	codeB := p.CheckCodeB().Bytes()
	verifyB := myna.Verify(myna.SurfaceCheckCodeBRef, codeB).MustBytes()
	loop := func(b *testing.B, c *emulator.Card, cmd []byte, want apdu.StatusWord) {
		rsp := send(b, c, cmd, want)
		b.SetBytes(int64(len(rsp) - 2))
		b.ReportAllocs()
		for b.Loop() {
			c.Transmit(cmd)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "apdu/s")
	}

	b.Run("SELECT_AID", func(b *testing.B) {
		c := newCard(b, p, emulator.Options{})
		loop(b, c, SelectSurfaceAID, apdu.SWSuccess)
	})
	b.Run("READ_BINARY_256", func(b *testing.B) {
		c := newCard(b, p, emulator.Options{})
		send(b, c, SelectSurfaceAID, apdu.SWSuccess)
		send(b, c, verifyB, apdu.SWSuccess)
		send(b, c, selectEF(myna.SurfaceFace), apdu.SWSuccess)
		loop(b, c, mustBytes(apdu.Command{INS: 0xB0, Ne: 256}), apdu.SWSuccess)
	})
	// The whole card-surface file (EF 0002: the card face with the photo) in one extended
	// READ BINARY by short file ID, as reader.ReadFace does.
	b.Run("READ_BINARY_extended_face", func(b *testing.B) {
		c := newCard(b, p, emulator.Options{})
		send(b, c, SelectSurfaceAID, apdu.SWSuccess)
		send(b, c, verifyB, apdu.SWSuccess)
		loop(b, c, mustBytes(apdu.Command{INS: 0xB0, P1: 0x80 | byte(myna.SurfaceFace), Ne: apdu.MaxExtendedNe}), apdu.SWSuccess)
	})
	b.Run("VERIFY_status", func(b *testing.B) {
		c := newCard(b, p, emulator.Options{})
		send(b, c, SelectSurfaceAID, apdu.SWSuccess)
		loop(b, c, myna.TriesQuery(myna.SurfaceCheckCodeBRef).MustBytes(), apdu.RetriesLeft(10))
	})
	// A wrong check code B with the counters in a state directory: each try is decremented and
	// made durable (written and fsynced) before the comparison. Every few tries a correct code,
	// sent with the timer stopped, resets the counter, so the card never blocks.
	b.Run("VERIFY_wrong_durable", func(b *testing.B) {
		c := newCard(b, p, emulator.Options{StateDir: b.TempDir()})
		send(b, c, SelectSurfaceAID, apdu.SWSuccess)
		wrong := myna.Verify(myna.SurfaceCheckCodeBRef, wrongCode(codeB)).MustBytes()
		const resetEvery = 5 // of 10 tries
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if rsp := c.Transmit(wrong); len(rsp) != 2 || rsp[0] != 0x63 {
				b.Fatalf("wrong code: answer % X, want 63Cx", rsp)
			}
			if i++; i%resetEvery == 0 {
				b.StopTimer()
				send(b, c, verifyB, apdu.SWSuccess)
				b.StartTimer()
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "apdu/s")
	})
}
