package bench

import (
	"context"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
)

// commandTimeout is the per-command deadline of the face reads, as the suites' targets and
// `taimen read` use one.
const commandTimeout = 5 * time.Second

// BenchmarkFaceRead measures reader.ReadFace end to end — SELECT, tries, VERIFY check code B,
// the card face, the CV certificate, the AP information, signature and certificate checks and
// the liveness challenge — on the emulator in-process and through a private pcscd (the card in
// a goroutine, pcscd.Daemon.DialVPCD; the client reader/pcsc). "extended" reads each file with
// one extended READ BINARY; "short" forces 256-byte reads (Session.NoExtended). It reports
// APDUs per read and the median and 99th percentile of the read's latency; run it with
// -benchtime 200x for 200 reads.
func BenchmarkFaceRead(b *testing.B) {
	p := profile(b)
	anchors, err := emulator.TestAnchors(p)
	if err != nil {
		b.Fatal(err)
	}
	code := p.CheckCodeB()
	opts := reader.ReadOptions{Anchors: anchors}
	modes := []struct {
		name  string
		short bool
	}{{"extended", false}, {"short", true}}

	run := func(b *testing.B, tr reader.Transport, short bool) {
		ctx := context.Background()
		s := reader.NewSession(tr, reader.Guard{AllowLastTry: true})
		s.NoExtended = short
		var samples []time.Duration
		apdus := 0
		b.ReportAllocs()
		for b.Loop() {
			start := time.Now()
			f, err := reader.ReadFace(ctx, s, code, opts)
			samples = append(samples, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
			if err := f.Authenticity.Err(); err != nil {
				b.Fatal(err)
			}
			apdus = f.APDUs
		}
		b.ReportMetric(float64(apdus), "apdus/read")
		b.ReportMetric(float64(len(samples)), "reads")
		b.ReportMetric(float64(Percentile(samples, 50).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(Percentile(samples, 99).Microseconds())/1000, "p99-ms")
	}

	b.Run("inprocess", func(b *testing.B) {
		for _, m := range modes {
			b.Run(m.name, func(b *testing.B) {
				c, err := emulator.New(p, emulator.Options{})
				if err != nil {
					b.Fatal(err)
				}
				tr := reader.NewEmulated(c, reader.WithCommandTimeout(commandTimeout))
				defer tr.Close()
				run(b, tr, m.short)
			})
		}
	})

	b.Run("pcscd", func(b *testing.B) {
		if err := pcscd.Available(); err != nil {
			b.Skip(err)
		}
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
		c, err := emulator.New(p, emulator.Options{})
		if err != nil {
			b.Fatal(err)
		}
		sctx, cancel := context.WithCancel(ctx)
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = vpcd.Serve(sctx, c, vpcd.Options{DialSlot: d.DialVPCD, Reconnect: 20 * time.Millisecond})
		}()
		defer func() { cancel(); <-served }()
		for _, m := range modes {
			b.Run(m.name, func(b *testing.B) {
				octx, ocancel := context.WithTimeout(ctx, 15*time.Second)
				defer ocancel()
				tr, err := pcsc.Open(octx, pcsc.Options{Reader: pcsc.ByName(pcscd.ReaderName(0)), CommandTimeout: commandTimeout})
				if err != nil {
					b.Fatal(err)
				}
				defer tr.Close()
				run(b, tr, m.short)
			})
		}
	})
}
