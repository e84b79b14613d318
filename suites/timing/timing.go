// Package timing is the conformance area for timing: the latency of each
// command the face-to-face flow uses and of the whole read, recorded as
// gmeasure experiments (report entries named "timing: <command>" that the
// reports package charts), and timing-leak tests of the check codes: VERIFY
// must take as long for a value wrong at its first digit as for one wrong at
// its last (DESIGN.md: comparisons of secrets are constant-time).
//
// Latency bounds are generous and per target kind, so that a shared machine
// does not make them flaky; they still fail a card or transport that is
// slower by an order of magnitude. On a physical card CARD.md's bounds are far
// above a card's usual latency; when `taimen discover` measured it (behaviour
// plain_latency_ms, run --behaviour), the commands like those it timed (SELECT,
// empty VERIFY, GET CHALLENGE) are bounded by DiscoveredBound of it instead, so
// that a slow relay or reader in the path is caught. The leak test is DetectLeak (leak.go): the
// specs run it on the card, and leak_test.go runs it on fake cards whose
// comparison leaks, proving that it finds a leak.
package timing

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gmeasure"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reports"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

const area = "timing"

// Seed orders the two classes of every leak test; reported in each result.
const Seed = 0x7A1_3E2

// limits are the median latencies a target kind must stay under.
type limits struct {
	plain time.Duration // one command without cryptography
	sign  time.Duration // one RSA-2048 signature on the card
	face  time.Duration // the whole face-to-face read, with the reader's checks
	// quick bounds the plain commands like those discover times (a SELECT, an empty VERIFY, a
	// GET CHALLENGE: nothing written, at most 16 bytes back): plain, or on a physical card with
	// a discovered latency L, DiscoveredBound(L).
	quick time.Duration
	// quickFrom says where quick came from, for failure messages.
	quickFrom string
}

var kindLimits = map[target.Kind]limits{
	target.Emulator: {plain: 5 * time.Millisecond, sign: 50 * time.Millisecond, face: 200 * time.Millisecond},
	target.VPCD:     {plain: 50 * time.Millisecond, sign: 100 * time.Millisecond, face: time.Second},
	// CARD.md §6: FWI 10–13, up to 0.3–2.5 s per APDU; a read may take over 5 s.
	target.PCSC: {plain: time.Second, sign: 5 * time.Second, face: 30 * time.Second},
}

// DiscoveredBound is the bound on a quick plain command of a physical card whose discovered
// latency (behaviour plain_latency_ms) is l: four times l, and never under l + 50 ms, so that
// a fast card keeps room for a shared machine's jitter; at most CARD.md's 1 s (kindLimits).
// A relay or reader that adds a latency of its own on every command (the relay's slow fault:
// 300 ms) goes over it, where CARD.md's 1 s alone cannot tell it from a slow card.
func DiscoveredBound(l time.Duration) time.Duration {
	return min(max(4*l, l+50*time.Millisecond), kindLimits[target.PCSC].plain)
}

// limitsFor returns the current target's bounds: its kind's, with quick from the discovered
// latency on a physical card that has one (run --behaviour).
func limitsFor() limits {
	c := Current()
	l := kindLimits[c.Kind]
	l.quick, l.quickFrom = l.plain, "the target's plain-command bound"
	if ms := c.Behaviour().PlainLatencyMS; c.Kind == target.PCSC && ms > 0 && c.Knows("plain_latency_ms") {
		l.quick = DiscoveredBound(time.Duration(ms) * time.Millisecond)
		l.quickFrom = fmt.Sprintf("max(4·L, L + 50 ms) at most %v, L = plain_latency_ms %d, %s", l.plain, ms, c.BehaviourSource("plain_latency_ms"))
	}
	return l
}

// samples is the sample count per command: short runs on every target.
func samples() int {
	switch Current().Kind {
	case target.Emulator:
		return 200
	case target.VPCD:
		return 25
	}
	return 4 // a physical card: its APDU budget (Sampled)
}

// leakSamples is the sample count per class of a leak test.
func leakSamples() int {
	if Current().Physical() {
		return 100
	}
	return 300
}

// probe is one command to time.
type probe struct {
	name  string                                           // "SELECT AP": the experiment is "timing: SELECT AP"
	setup func(ctx context.Context, c *target.Card)        // once, before sampling
	cmd   []byte                                           // the timed command (may carry a secret: never printed)
	want  apdu.StatusWord                                  // its status word
	check func(i int, data []byte)                         // the answer's data, sample i (nil: no data expected)
	after func(ctx context.Context, c *target.Card, i int) // after each sample, untimed
	limit time.Duration                                    // bound on the median
	from  string                                           // where limit came from, when not the target kind's
	n     int                                              // samples (0: samples())
}

// experiment returns the experiment "timing: <command>", attached to the spec
// as a report entry of that name when the spec ends (passed or failed), so
// that the entry, streamed or in a report, shows every sample.
func experiment(command string) *gmeasure.Experiment {
	exp := gmeasure.NewExperiment("timing: " + command)
	DeferCleanup(func() { AddReportEntry(exp.Name, exp, ReportEntryVisibilityFailureOrVerbose) })
	return exp
}

// run times p.cmd n times, checks every answer, attaches the experiment and
// checks the median against the target's bound.
func run(ctx context.Context, c *target.Card, p probe) *gmeasure.Experiment {
	exp := experiment(p.name)
	n := p.n
	if n == 0 {
		n = samples()
	}
	if p.setup != nil {
		p.setup(ctx, c)
	}
	over := 0 // samples at or over the bound: past n/2, the median is over it too
	for i := range n {
		var raw []byte
		var err error
		d := exp.MeasureDuration(p.name, func() { raw, err = c.T.Transmit(ctx, p.cmd) }, gmeasure.Precision(time.Microsecond))
		Expect(err).NotTo(HaveOccurred(), "%s, sample %d of %d: transport", p.name, i+1, n)
		r, err := apdu.ParseResponse(raw)
		Expect(err).NotTo(HaveOccurred(), "%s, sample %d: response", p.name, i+1)
		Expect(r.SW).To(Equal(p.want), "%s, sample %d: the card answered %s, want %s", p.name, i+1, r.SW.String(), p.want.String())
		if p.check != nil {
			p.check(i, r.Data)
		} else {
			Expect(r.Data).To(BeEmpty(), "%s, sample %d: %d unexpected data bytes", p.name, i+1, len(r.Data))
		}
		if p.after != nil {
			p.after(ctx, c, i)
		}
		if d >= p.limit {
			over++
		}
		// The median of n samples is decided once more than half are over the bound: stop
		// there, which spares a slow card (a physical one, or a mutant) the rest.
		Expect(over).To(BeNumerically("<=", n/2),
			"%s: median over the bound: %d of the first %d samples (of %d) took %v or more on target %s%s", p.name, over, i+1, n, p.limit, Current().Kind, from(p.from))
	}
	expectMedian(exp, p.name, n, p.limit, p.from)
	return exp
}

// expectMedian checks that no sample is missing and the median is under limit (from where
// the bound came from, "" for the target kind's).
func expectMedian(exp *gmeasure.Experiment, name string, n int, limit time.Duration, bound string) {
	st := exp.GetStats(name)
	ExpectWithOffset(1, st.N).To(Equal(n), "%s: samples recorded", name)
	med := st.DurationFor(gmeasure.StatMedian)
	ExpectWithOffset(1, med).To(BeNumerically("<", limit),
		"%s: median %v over %d samples on target %s, bound %v (max %v)%s", name, med, n, Current().Kind, limit, st.DurationFor(gmeasure.StatMax), from(bound))
}

// from words where a bound came from for a failure message.
func from(bound string) string {
	if bound == "" {
		return ""
	}
	return "; bound from " + bound
}

// quickProbe is p bounded by the quick-command bound, and says where it came from.
func quickProbe(p probe) probe {
	l := limitsFor()
	p.limit = l.quick
	if l.quick != l.plain {
		p.from = l.quickFrom
	}
	return p
}

// sameEverySample returns a check that the data is non-empty, of length n when
// n > 0, and identical in every sample.
func sameEverySample(what string, n int) func(int, []byte) {
	var first []byte
	return func(i int, d []byte) {
		if n > 0 {
			Expect(d).To(HaveLen(n), "%s, sample %d: length", what, i+1)
		}
		Expect(d).NotTo(BeEmpty(), "%s, sample %d: no data", what, i+1)
		if i == 0 {
			first = bytes.Clone(d)
			return
		}
		Expect(bytes.Equal(d, first)).To(BeTrue(), "%s, sample %d: data differ from the first sample's", what, i+1)
	}
}

// upTo checks that every sample holds the same data of max bytes, or of fewer when the
// file is shorter than max: a short file's whole content, the same each time.
func upTo(what string, max int) func(int, []byte) {
	same := sameEverySample(what, 0)
	return func(i int, d []byte) {
		Expect(len(d)).To(BeNumerically("<=", max), "%s, sample %d: more than the %d bytes asked for", what, i+1, max)
		same(i, d)
	}
}

func enc(c apdu.Command) []byte { return c.MustBytes() }

func selectSurface(ctx context.Context, c *target.Card) {
	ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
}

func codeB() myna.Secret { return Need(Current().Codes.B, "check code B") }

// freshMessage returns 32 random bytes, a message for a fresh digest.
func freshMessage() []byte {
	msg := make([]byte, 32)
	rand.Read(msg)
	return msg
}

// leakSpec runs DetectLeak on one key and attaches both classes as an experiment.
func leakSpec(ctx context.Context, c *target.Card, app myna.App, key myna.FileID, secret myna.Secret, what string) {
	ExpectSW(ctx, c, "select "+app.String(), SelectApp(app), apdu.SWSuccess)
	before := Tries(ctx, c, app.String()+"/"+key.String())
	ExpectSW(ctx, c, "select "+app.String(), SelectApp(app), apdu.SWSuccess)
	res, err := DetectLeak(ctx, c.T, LeakConfig{Key: key, Right: secret.Bytes(), Samples: leakSamples(), Seed: Seed})
	exp := experiment("VERIFY " + what + ", wrong at the first vs the last digit")
	for i := range res.First {
		exp.RecordDuration("wrong at the first digit", res.First[i], gmeasure.Precision(100*time.Nanosecond))
	}
	for i := range res.Last {
		exp.RecordDuration("wrong at the last digit", res.Last[i], gmeasure.Precision(100*time.Nanosecond))
	}
	Expect(err).NotTo(HaveOccurred(), "leak test of %s on %s/%s", what, app, key)
	exp.RecordNote(fmt.Sprintf("seed %#x: %v", Seed, res))
	AddReportEntry(reports.EntryLeak, ReportEntryVisibilityNever, reports.LeakTest{Command: "VERIFY " + what, Key: app.String() + "/" + key.String(),
		T: res.Welch.T, DF: res.Welch.DF, P: res.Welch.P, NA: res.Welch.NA, NB: res.Welch.NB, MeanA: res.Welch.MeanA, MeanB: res.Welch.MeanB,
		SentA: len(res.First), SentB: len(res.Last), CropAt: int64(res.CropAt), Alpha: res.Alpha, Runs: len(res.Runs), Leak: res.Leak})
	GinkgoWriter.Printf("%s on %s/%s, seed %#x: %v\n", what, app, key, Seed, res)
	Expect(res.Leak).To(BeFalse(), "VERIFY of %s is not constant-time: %v", what, res)
	after := Tries(ctx, c, app.String()+"/"+key.String())
	Expect(after).To(Equal(res.Limit), "tries of %s/%s after the run (before it: %d)", app, key, before)
}

var _ = Describe("timing", Label(area), func() {
	Spec(Meta{ID: "TM-001", Title: "SELECT of the card-surface AP", Area: area, App: "surface",
		Checks: "latency of SELECT 00 A4 04 0C by AID, repeated (200 samples in-process, 25 via vpcd, 4 on a physical card)",
		Expect: "every answer 9000; median under the target's bound (5 ms in-process, 50 ms via vpcd, 1 s physical; on a physical card with a discovered plain_latency_ms L, max(4·L, L + 50 ms), at most 1 s)"},
		func(ctx context.Context, c *target.Card) {
			run(ctx, c, quickProbe(probe{name: "SELECT AP", cmd: enc(SelectApp(myna.CardSurfaceAP)), want: apdu.SWSuccess}))
		})

	Spec(Meta{ID: "TM-002", Title: "SELECT of an EF", Area: area, App: "surface",
		Checks: "latency of SELECT 00 A4 02 0C of EF 0002 under the card-surface AP",
		Expect: "every answer 9000; median under the target's plain-command bound (the discovered one, as TM-001)"},
		func(ctx context.Context, c *target.Card) {
			run(ctx, c, quickProbe(probe{name: "SELECT EF", setup: selectSurface, cmd: enc(SelectEF(myna.SurfaceFace)), want: apdu.SWSuccess}))
		})

	Spec(Meta{ID: "TM-003", Title: "empty VERIFY (tries query)", Area: area, App: "surface",
		Checks: "latency of 00 20 00 92 with no data on check code B",
		Expect: "every answer the same 63Cx; median under the target's plain-command bound (the discovered one, as TM-001)"},
		func(ctx context.Context, c *target.Card) {
			selectSurface(ctx, c)
			q := Send(ctx, c, TriesQuery(myna.SurfaceCheckCodeBRef))
			_, ok := q.SW.Retries()
			Expect(ok).To(BeTrue(), "tries query answered %s, want 63Cx", q.SW.String())
			run(ctx, c, quickProbe(probe{name: "VERIFY empty", cmd: enc(TriesQuery(myna.SurfaceCheckCodeBRef)), want: q.SW}))
		})

	Spec(Meta{ID: "TM-004", Title: "VERIFY of the correct check code B", Area: area, App: "surface", Destructive: true,
		Checks: "latency of 00 20 00 92 0E with the right 14 digits, repeated",
		Expect: "every answer 9000; median under the target kind's plain-command bound (1 s physical, even with a discovered latency: VERIFY may write its counter)"},
		func(ctx context.Context, c *target.Card) {
			run(ctx, c, probe{name: "VERIFY correct", setup: selectSurface, cmd: enc(Verify(myna.SurfaceCheckCodeBRef, codeB().Bytes())), want: apdu.SWSuccess, limit: limitsFor().plain})
			Expect(Tries(ctx, c, "surface/0012")).To(Equal(RetryLimit(myna.SecretCheckCodeB)), "tries after the run: a right code resets the counter to its limit")
		})

	Spec(Meta{ID: "TM-005", Title: "VERIFY of a wrong check code B", Area: area, App: "surface", Destructive: true,
		Checks: "latency of VERIFY with a value wrong at its last digit; the right value (untimed) restores the counter after each",
		Expect: "every wrong answer 63Cx with x one below the limit, every right one 9000; median under the target kind's plain-command bound (1 s physical, as TM-004)"},
		func(ctx context.Context, c *target.Card) {
			right := enc(Verify(myna.SurfaceCheckCodeBRef, codeB().Bytes()))
			wrong := enc(Verify(myna.SurfaceCheckCodeBRef, WrongAt(codeB().Bytes(), 13)))
			selectSurface(ctx, c)
			ExpectSW(ctx, c, "VERIFY correct (restores the counter)", Verify(myna.SurfaceCheckCodeBRef, codeB().Bytes()), apdu.SWSuccess)
			limit, ok := Send(ctx, c, TriesQuery(myna.SurfaceCheckCodeBRef)).SW.Retries()
			Expect(ok).To(BeTrue(), "tries query")
			Expect(limit).To(BeNumerically(">=", 2), "tries left")
			run(ctx, c, probe{name: "VERIFY wrong", cmd: wrong, want: apdu.RetriesLeft(limit - 1), limit: limitsFor().plain,
				after: func(ctx context.Context, c *target.Card, i int) {
					raw, err := c.T.Transmit(ctx, right)
					Expect(err).NotTo(HaveOccurred())
					Expect(raw).To(Equal([]byte{0x90, 0x00}), "sample %d: the right value did not restore the counter", i+1)
				}})
			Expect(Tries(ctx, c, "surface/0012")).To(Equal(limit), "tries after the run")
		})

	Spec(Meta{ID: "TM-006", Title: "short READ BINARY of 256 bytes", Area: area, App: "surface",
		Checks: "latency of 00 B0 00 00 00 on the free EF 0004 (CV certificate)",
		Expect: "256 identical bytes and 9000 each time (the whole certificate when it is shorter, as the provisional next-generation card's ECDSA one of 242 bytes); median under the target kind's plain-command bound (1 s physical, even with a discovered latency: the transfer dominates)"},
		func(ctx context.Context, c *target.Card) {
			run(ctx, c, probe{name: "READ BINARY 256", cmd: enc(ReadAt(0, 256)), want: apdu.SWSuccess, limit: limitsFor().plain,
				setup: func(ctx context.Context, c *target.Card) {
					selectSurface(ctx, c)
					ExpectSW(ctx, c, "select EF 0004", SelectEF(myna.SurfaceCVCert), apdu.SWSuccess)
				},
				check: upTo("READ BINARY 256", 256)})
		})

	Spec(Meta{ID: "TM-007", Title: "extended READ BINARY of the whole card face", Area: area, App: "surface",
		Checks: "latency of 00 B0 82 00 00 00 00 (EF 0002 by SFI, Le 65536) after check code B",
		Expect: "the same several-kilobyte file and 9000 each time; median under the target kind's plain-command bound (1 s physical, as TM-006)"},
		func(ctx context.Context, c *target.Card) {
			if !ProfileBehaviour().ExtendedLength {
				Skip("the card refuses extended length (behaviour extended_length false)")
			}
			same := sameEverySample("card face", 0)
			run(ctx, c, probe{name: "READ BINARY extended (card face)", cmd: enc(ReadSFI(myna.SurfaceFace, apdu.MaxExtendedNe)), want: apdu.SWSuccess, limit: limitsFor().plain,
				setup: func(ctx context.Context, c *target.Card) {
					selectSurface(ctx, c)
					ExpectSW(ctx, c, "VERIFY check code B", Verify(myna.SurfaceCheckCodeBRef, codeB().Bytes()), apdu.SWSuccess)
				},
				check: func(i int, d []byte) {
					Expect(len(d)).To(BeNumerically(">", 1000), "sample %d: the card face is %d bytes", i+1, len(d))
					same(i, d)
				}})
		})

	Spec(Meta{ID: "TM-008", Title: "GET CHALLENGE", Area: area, App: "surface",
		Checks: "latency of 00 84 00 00 10",
		Expect: "16 bytes and 9000 each time, no challenge repeated; median under the plain-command bound (the discovered one, as TM-001)"},
		func(ctx context.Context, c *target.Card) {
			seen := map[string]int{}
			run(ctx, c, quickProbe(probe{name: "GET CHALLENGE", setup: selectSurface, cmd: enc(apdu.Command{INS: 0x84, Ne: reader.ChallengeLen}), want: apdu.SWSuccess,
				check: func(i int, d []byte) {
					Expect(d).To(HaveLen(reader.ChallengeLen), "sample %d", i+1)
					prev, dup := seen[string(d)]
					Expect(dup).To(BeFalse(), "sample %d repeats the challenge of sample %d", i+1, prev+1)
					seen[string(d)] = i
				}}))
		})

	Spec(Meta{ID: "TM-009", Title: "challenge signature 80 2A with the card key", Area: area, App: "surface",
		Checks: "latency of 80 2A 00 00 with a fresh digest in the form of the card key's algorithm (DigestInfo(SHA-256) for RSA-2048 PKCS#1 v1.5; the bare SHA-384 for the provisional next-generation card's ECDSA P-384), no credential",
		Expect: "a signature of the algorithm's length (256 bytes for RSA-2048, 96 for ECDSA P-384) and 9000 each time; median under the target's signature bound (50 ms in-process, 100 ms via vpcd, 5 s physical)"},
		func(ctx context.Context, c *target.Card) {
			exp := experiment("80 2A signature")
			alg := CardKeyAlgorithm()
			selectSurface(ctx, c)
			n := samples()
			for i := range n {
				cmd := enc(apdu.Command{CLA: 0x80, INS: 0x2A, Data: alg.SignInput(alg.Digest(freshMessage())), Ne: 256})
				var raw []byte
				var err error
				exp.MeasureDuration("80 2A signature", func() { raw, err = c.T.Transmit(ctx, cmd) }, gmeasure.Precision(time.Microsecond))
				Expect(err).NotTo(HaveOccurred(), "sample %d: transport", i+1)
				r, err := apdu.ParseResponse(raw)
				Expect(err).NotTo(HaveOccurred())
				Expect(r.SW).To(Equal(apdu.SWSuccess), "sample %d: the card answered %s", i+1, r.SW.String())
				Expect(r.Data).To(HaveLen(alg.SignatureLen()), "sample %d: %s signature length", i+1, alg)
			}
			expectMedian(exp, "80 2A signature", n, limitsFor().sign, "")
		})

	Spec(Meta{ID: "TM-010", Title: "the whole face-to-face read", Area: area, App: "surface",
		Checks: "latency of reader.ReadFace with check code B and the target's anchors: select, tries, VERIFY, card face, certificate, AP information, signature and liveness checks (a quarter of the per-command samples)",
		Expect: "every read succeeds and is authentic; median under 200 ms in-process, 1 s via vpcd, 30 s physical"},
		func(ctx context.Context, c *target.Card) {
			exp := experiment("face-to-face read")
			n := max(samples()/4, 5)
			code, anchors := codeB(), Current().Anchors
			for i := range n {
				var f *reader.Face
				var err error
				exp.MeasureDuration("face-to-face read", func() {
					f, err = reader.ReadFace(ctx, c.Session(), code, reader.ReadOptions{Anchors: anchors})
				}, gmeasure.Precision(time.Microsecond))
				Expect(err).NotTo(HaveOccurred(), "read %d", i+1)
				Expect(f.Authenticity.Err()).NotTo(HaveOccurred(), "read %d: authenticity", i+1)
				exp.RecordValue("APDUs", float64(f.APDUs))
			}
			expectMedian(exp, "face-to-face read", n, limitsFor().face, "")
		})

	Spec(Meta{ID: "TM-011", Title: "VERIFY of check code B is constant-time (card-surface AP)", Area: area, App: "surface", Destructive: true,
		Checks: "DetectLeak on 0012: values wrong at the first digit vs at the last, interleaved in random order (fixed seed), 300 each (100 on a physical card), the right value after every 8 wrong ones; Welch's t-test on the round trips cropped at the pooled 95th percentile, a rejection confirmed by a second run",
		Expect: "no significant difference (p ≥ 0.001); every wrong answer 63Cx as counted, the counter back at its limit afterwards"},
		func(ctx context.Context, c *target.Card) {
			leakSpec(ctx, c, myna.CardSurfaceAP, myna.SurfaceCheckCodeBRef, codeB(), "check code B")
		})

	Spec(Meta{ID: "TM-012", Title: "VERIFY of check code B is constant-time (text AP)", Area: area, App: "text", Destructive: true,
		Checks: "DetectLeak on the text AP's 0015, as TM-011",
		Expect: "no significant difference (p ≥ 0.001); the counter back at its limit afterwards"},
		func(ctx context.Context, c *target.Card) {
			leakSpec(ctx, c, myna.TextAP, myna.TextCheckCodeBRef, codeB(), "check code B")
		})

	Spec(Meta{ID: "TM-013", Title: "VERIFY of check code A is constant-time (card-surface AP)", Area: area, App: "surface", Destructive: true,
		Checks: "DetectLeak on 0013 with the 12-digit check code A, as TM-011",
		Expect: "no significant difference (p ≥ 0.001); the counter back at its limit afterwards"},
		func(ctx context.Context, c *target.Card) {
			leakSpec(ctx, c, myna.CardSurfaceAP, myna.SurfaceCheckCodeARef, Need(Current().Codes.A, "check code A"), "check code A")
		})
})
