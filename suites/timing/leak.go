package timing

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/stats"
)

// LeakConfig configures DetectLeak.
type LeakConfig struct {
	// Key is the key reference, addressed by its short EF identifier
	// (VERIFY 00 20 00 80|SFI) in the application the caller selected.
	Key myna.FileID
	// Right is the right value. It is sent, and two wrong values are derived
	// from it; it is never printed, and neither are they.
	Right []byte
	// Samples is the number of timed VERIFYs per class (default 300).
	Samples int
	// ResetEvery presents the right value after this many wrong ones, so that
	// the counter never falls below limit−ResetEvery (default 8; lowered to
	// limit−1 for a key with fewer tries).
	ResetEvery int
	// Alpha is the significance level: a p-value below it is a leak (default 0.001).
	Alpha float64
	// Crop drops, before the test, every sample above this quantile of the two
	// classes pooled (default 0.95): scheduler and GC outliers, not the card,
	// dominate the variance of the slowest few percent (dudect's cropping).
	// 1 keeps every sample.
	Crop float64
	// Confirm is how many more runs (with the next seeds) must also find the
	// leak before it is reported (default 1; negative: none). A single run of
	// a constant-time card rejects by chance with probability Alpha; with one
	// confirmation, Alpha².
	Confirm int
	// Seed chooses, pair by pair, which class is sent first; run k uses Seed+k.
	Seed uint64
	// Now is the clock (default time.Now); tests use a virtual one.
	Now func() time.Time
}

func (c LeakConfig) withDefaults() LeakConfig {
	if c.Samples == 0 {
		c.Samples = 300
	}
	if c.ResetEvery == 0 {
		c.ResetEvery = 8
	}
	if c.Alpha == 0 {
		c.Alpha = 0.001
	}
	if c.Crop == 0 {
		c.Crop = 0.95
	}
	if c.Confirm == 0 {
		c.Confirm = 1
	}
	c.Confirm = max(c.Confirm, 0)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// LeakResult is what DetectLeak measured and concluded.
type LeakResult struct {
	// First and Last are the round-trip times of the wrong values that differ
	// from the right one at the first and at the last position, in sending order.
	First, Last []time.Duration
	// Welch is the t-test of the cropped samples, in microseconds (A = first, B = last).
	Welch stats.WelchResult
	// CropAt is the pooled quantile above which samples were dropped.
	CropAt time.Duration
	// Alpha is the significance level used.
	Alpha float64
	// Limit is the key's tries before the run, and Resets the number of times
	// the right value was presented to restore it.
	Limit, Resets int
	// Runs holds the t-test of every run, the first run first; the other
	// fields describe the last one. A run after the first is made only to
	// confirm a leak.
	Runs []stats.WelchResult
	// Leak is true when the two classes' mean times differ significantly
	// (Welch.P < Alpha) in every run.
	Leak bool
}

// String summarizes the result without any value: class means, the test's
// figures and the verdict.
func (r LeakResult) String() string {
	verdict := "no leak detected"
	if r.Leak {
		verdict = "LEAK: a wrong value's time depends on where it differs"
	}
	runs := ""
	if len(r.Runs) > 1 {
		runs = fmt.Sprintf(" (run %d of %d; p of each: %s)", len(r.Runs), len(r.Runs), r.pValues())
	}
	return fmt.Sprintf("wrong at the first position: mean %.2f µs (n=%d of %d), wrong at the last: mean %.2f µs (n=%d of %d); Welch %v%s; cropped above %v; α=%g: %s",
		r.Welch.MeanA, r.Welch.NA, len(r.First), r.Welch.MeanB, r.Welch.NB, len(r.Last), r.Welch, runs, r.CropAt, r.Alpha, verdict)
}

func (r LeakResult) pValues() string {
	var b strings.Builder
	for i, w := range r.Runs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%.3g", w.P)
	}
	return b.String()
}

// ErrLeakRun is wrapped when the card does not behave as a key reference
// should during the run (an unexpected status word); the run stops before it
// can spend more tries.
var ErrLeakRun = errors.New("timing-leak run stopped")

// DetectLeak tests whether VERIFY's time reveals how much of a value is right,
// as a comparison that stops at the first differing byte would. It presents
// two wrong values interleaved, each differing from the right one in exactly
// one position — the first, or the last — so that a constant-time comparison
// cannot tell them apart, times each round trip, and applies Welch's t-test to
// the two classes. The order within each pair is random (Seed), so drift and
// warm-up effects fall on both classes alike.
//
// The right value is presented first (so no wrong one is spent if it is not
// right), then after every ResetEvery wrong ones, and once at the end, which
// leaves the counter at its limit. The caller must have selected the key's
// application. Every answer is checked: 63Cx with the expected x for a wrong
// value, 9000 for the right one; anything else stops the run with ErrLeakRun.
//
// A run that finds a leak is repeated Confirm times with the next seeds, and
// the leak is reported only if every run finds it.
func DetectLeak(ctx context.Context, t apdu.Transmitter, cfg LeakConfig) (LeakResult, error) {
	cfg = cfg.withDefaults()
	var runs []stats.WelchResult
	for k := 0; ; k++ {
		c := cfg
		c.Seed += uint64(k)
		res, err := leakRun(ctx, t, c)
		runs = append(runs, res.Welch)
		res.Runs = runs
		if err != nil || !res.Leak || k == cfg.Confirm {
			return res, err
		}
	}
}

// leakRun is one run of DetectLeak.
func leakRun(ctx context.Context, t apdu.Transmitter, cfg LeakConfig) (LeakResult, error) {
	res := LeakResult{Alpha: cfg.Alpha}
	n := len(cfg.Right)
	switch {
	case n < 2:
		return res, fmt.Errorf("%w: the right value needs two positions or more, has %d", ErrLeakRun, n)
	case cfg.Samples < 2:
		return res, fmt.Errorf("%w: %d samples per class; Welch's test needs two", ErrLeakRun, cfg.Samples)
	case !(cfg.Crop > 0 && cfg.Crop <= 1):
		return res, fmt.Errorf("%w: crop quantile %g outside (0, 1]", ErrLeakRun, cfg.Crop)
	}
	if _, ok := cfg.Key.SFI(); !ok {
		return res, fmt.Errorf("%w: key %s has no short EF identifier", ErrLeakRun, cfg.Key)
	}
	verify := func(v []byte) []byte { return myna.Verify(cfg.Key, v).MustBytes() }
	right := verify(cfg.Right)
	wrong := [2][]byte{verify(WrongAt(cfg.Right, 0)), verify(WrongAt(cfg.Right, n-1))}
	class := [2]string{"first", "last"}
	query := myna.TriesQuery(cfg.Key).MustBytes()

	send := func(cmd []byte, step string) (apdu.StatusWord, time.Duration, error) {
		start := cfg.Now()
		raw, err := t.Transmit(ctx, cmd)
		d := cfg.Now().Sub(start)
		if err != nil {
			return 0, d, fmt.Errorf("%w: %s: %w", ErrLeakRun, step, err)
		}
		r, err := apdu.ParseResponse(raw)
		if err != nil {
			return 0, d, fmt.Errorf("%w: %s: %w", ErrLeakRun, step, err)
		}
		return r.SW, d, nil
	}
	presentRight := func(step string) error {
		sw, _, err := send(right, step)
		if err == nil && sw != apdu.SWSuccess {
			err = fmt.Errorf("%w: %s: the right value answered %s, want 9000", ErrLeakRun, step, sw.String())
		}
		return err
	}

	if err := presentRight("the right value, before any wrong one"); err != nil {
		return res, err
	}
	sw, _, err := send(query, "tries query")
	if err != nil {
		return res, err
	}
	limit, ok := sw.Retries()
	if !ok {
		return res, fmt.Errorf("%w: tries query answered %s, want 63Cx", ErrLeakRun, sw.String())
	}
	res.Limit = limit
	every := min(cfg.ResetEvery, limit-1)
	if every < 1 {
		return res, fmt.Errorf("%w: the key has %d tries: no wrong value can be spared", ErrLeakRun, limit)
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x74696d696e67)) // "timing"
	res.First = make([]time.Duration, 0, cfg.Samples)
	res.Last = make([]time.Duration, 0, cfg.Samples)
	spent := 0
	for i := range cfg.Samples {
		order := [2]int{0, 1}
		if rng.IntN(2) == 1 {
			order = [2]int{1, 0}
		}
		for _, k := range order {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if spent == every {
				if err := presentRight(fmt.Sprintf("reset after pair %d", i)); err != nil {
					return res, err
				}
				res.Resets++
				spent = 0
			}
			sw, d, err := send(wrong[k], fmt.Sprintf("pair %d, wrong at the %s position", i, class[k]))
			if err != nil {
				return res, err
			}
			spent++
			if want := apdu.RetriesLeft(limit - spent); sw != want {
				return res, fmt.Errorf("%w: pair %d: a value wrong at the %s position answered %s, want %s", ErrLeakRun, i, class[k], sw.String(), want.String())
			}
			if k == 0 {
				res.First = append(res.First, d)
			} else {
				res.Last = append(res.Last, d)
			}
		}
	}
	if err := presentRight("the right value, at the end"); err != nil {
		return res, err
	}
	res.Resets++
	return res, res.analyse(cfg.Crop)
}

// analyse crops the pooled samples and runs Welch's t-test.
func (r *LeakResult) analyse(crop float64) error {
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	pooled := make([]float64, 0, len(r.First)+len(r.Last))
	for _, d := range r.First {
		pooled = append(pooled, us(d))
	}
	for _, d := range r.Last {
		pooled = append(pooled, us(d))
	}
	cut := stats.Quantile(pooled, crop)
	r.CropAt = time.Duration(cut * float64(time.Microsecond))
	keep := func(ds []time.Duration) []float64 {
		out := make([]float64, 0, len(ds))
		for _, d := range ds {
			if v := us(d); v <= cut {
				out = append(out, v)
			}
		}
		return out
	}
	w, err := stats.Welch(keep(r.First), keep(r.Last))
	if err != nil {
		return fmt.Errorf("%w: after cropping above %v: %w", ErrLeakRun, r.CropAt, err)
	}
	if math.IsNaN(w.P) {
		return fmt.Errorf("%w: the t-test gave no p-value (%v)", ErrLeakRun, w)
	}
	r.Welch = w
	r.Leak = w.P < r.Alpha
	return nil
}

// WrongAt returns a copy of v with position i changed to another character of
// the same kind (digit to digit, letter to letter), so that the wrong value
// has the right form and length and differs in exactly that position.
func WrongAt(v []byte, i int) []byte {
	w := append([]byte(nil), v...)
	switch b := w[i]; {
	case b >= '0' && b <= '9':
		w[i] = '0' + (b-'0'+1)%10
	case b >= 'A' && b <= 'Z':
		w[i] = 'A' + (b-'A'+1)%26
	case b >= 'a' && b <= 'z':
		w[i] = 'a' + (b-'a'+1)%26
	default:
		w[i] = b ^ 0x01
	}
	return w
}
