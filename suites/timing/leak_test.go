package timing_test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/suites/timing"
)

// A made-up 14-digit check code B; these tests never use a profile's.
var right = []byte("55021720352285")

// fakeKey is a card with one key reference. Without wait its VERIFY compares
// in constant time (crypto/subtle); with wait it compares the way a careless
// card would: position by position, stopping at the first difference, and
// spending wait(matched) on the positions that matched.
type fakeKey struct {
	right        []byte
	limit, tries int
	wait         func(matched int) // nil: constant time
	sent         int
}

func newFake(wait func(int)) *fakeKey {
	return &fakeKey{right: right, limit: 10, tries: 10, wait: wait}
}

func sw(s apdu.StatusWord) []byte { return []byte{s.SW1(), s.SW2()} }

func (f *fakeKey) Transmit(_ context.Context, raw []byte) ([]byte, error) {
	f.sent++
	c, err := apdu.ParseCommand(raw)
	if err != nil {
		return sw(apdu.SWWrongLength), nil
	}
	if c.INS != 0x20 || c.P2 != 0x92 {
		return sw(apdu.SWINSNotSupported), nil
	}
	if len(c.Data) == 0 {
		return sw(apdu.RetriesLeft(f.tries)), nil
	}
	if f.tries == 0 {
		return sw(apdu.SWReferenceDataBlocked), nil
	}
	f.tries--
	var match bool
	if f.wait == nil {
		match = subtle.ConstantTimeCompare(c.Data, f.right) == 1
	} else {
		matched := 0
		for i := range min(len(c.Data), len(f.right)) {
			if c.Data[i] != f.right[i] {
				break
			}
			matched++
		}
		f.wait(matched)
		match = matched == len(f.right) && len(c.Data) == len(f.right)
	}
	if match {
		f.tries = f.limit
		return sw(apdu.SWSuccess), nil
	}
	return sw(apdu.RetriesLeft(f.tries)), nil
}

// spinPerDigit spends d per matching digit. It busy-waits: time.Sleep on this
// kind of machine oversleeps by a millisecond or more, which would make the
// leak huge and the test slow.
func spinPerDigit(d time.Duration) func(int) {
	return func(matched int) {
		end := time.Now().Add(time.Duration(matched) * d)
		for time.Now().Before(end) {
		}
	}
}

func cfg() timing.LeakConfig {
	return timing.LeakConfig{Key: 0x0012, Right: right, Samples: 300, Seed: 1}
}

// TestDetectLeakSlowComparison proves the timing spec can fail: the same
// function the specs use flags a comparison that spends 20 µs per matching digit.
func TestDetectLeakSlowComparison(t *testing.T) {
	f := newFake(spinPerDigit(20 * time.Microsecond))
	r, err := timing.DetectLeak(context.Background(), f, cfg())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("leaky fake (20 µs per matching digit): %v", r)
	if !r.Leak {
		t.Fatalf("the leak was not detected: %v", r)
	}
	if r.Welch.T >= 0 {
		t.Errorf("t = %g: a value wrong at the last digit must be the slower class (t < 0)", r.Welch.T)
	}
	if f.tries != f.limit {
		t.Errorf("the run left %d tries, want the limit %d", f.tries, f.limit)
	}
}

// TestDetectLeakSmallLeak: 1 µs per matching digit (13 µs in all) is found
// too, through real scheduling noise.
func TestDetectLeakSmallLeak(t *testing.T) {
	r, err := timing.DetectLeak(context.Background(), newFake(spinPerDigit(time.Microsecond)), cfg())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("leaky fake (spin 1 µs per matching digit): %v", r)
	if !r.Leak {
		t.Fatalf("the leak was not detected: %v", r)
	}
}

// TestDetectLeakConstantTime: the fake comparing in constant time passes. (An
// early-exit loop with no added wait does not: its few nanoseconds per digit
// are found against a base of well under a microsecond.)
func TestDetectLeakConstantTime(t *testing.T) {
	// A real-clock run can reject by chance (p < α happens with probability α =
	// 0.001 by construction); the deterministic variants below pin the verdict.
	r, err := timing.DetectLeak(context.Background(), newFake(nil), cfg())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("constant-time fake: %v", r)
	if r.Leak {
		t.Fatalf("a constant-time comparison was flagged: %v", r)
	}
}

// virtualClock advances only when the fake card works: the verdicts are deterministic.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *virtualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *virtualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestDetectLeakVirtualClock pins the statistics: noise with a heavy tail
// (occasional 2 ms stalls) around 40 µs, with and without a leak of 100 ns per
// matching digit (1.3 µs in all).
func TestDetectLeakVirtualClock(t *testing.T) {
	for _, c := range []struct {
		name     string
		perDigit time.Duration
		leak     bool
	}{
		{"constant time", 0, false},
		{"100 ns per digit", 100 * time.Nanosecond, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := &virtualClock{now: time.Unix(0, 0)}
			noise := rand.New(rand.NewPCG(42, 43))
			f := newFake(func(matched int) {
				d := 40*time.Microsecond + time.Duration(noise.NormFloat64()*2000) + time.Duration(matched)*c.perDigit
				if noise.IntN(50) == 0 {
					d += 2 * time.Millisecond
				}
				clk.advance(d)
			})
			cf := cfg()
			cf.Now = clk.Now
			r, err := timing.DetectLeak(context.Background(), f, cf)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%v", r)
			if r.Leak != c.leak {
				t.Fatalf("leak = %v, want %v: %v", r.Leak, c.leak, r)
			}
			if want := 2*300/8 - 1 + 1; r.Resets != want {
				t.Errorf("%d resets, want %d (between every 8 wrong values, and once at the end)", r.Resets, want)
			}
		})
	}
}

// TestDetectLeakConfirmation: a difference that shows in one run only (here a
// leak that stops after the first run's VERIFYs) is not reported.
func TestDetectLeakConfirmation(t *testing.T) {
	clk := &virtualClock{now: time.Unix(0, 0)}
	noise := rand.New(rand.NewPCG(7, 8))
	calls := 0
	f := newFake(func(matched int) {
		calls++
		d := 40*time.Microsecond + time.Duration(noise.NormFloat64()*2000)
		if calls <= 700 { // the first run: 1 + 600 + 75 VERIFYs with data
			d += time.Duration(matched) * 200 * time.Nanosecond
		}
		clk.advance(d)
	})
	cf := cfg()
	cf.Now = clk.Now
	r, err := timing.DetectLeak(context.Background(), f, cf)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Runs) != 2 || r.Runs[0].P >= 0.001 || r.Leak {
		t.Fatalf("want a first run that rejects, a second that does not, and no leak reported: %v", r)
	}
	cf.Confirm = -1
	clk2 := &virtualClock{now: time.Unix(0, 0)}
	cf.Now = clk2.Now
	g := newFake(func(matched int) { clk2.advance(40*time.Microsecond + time.Duration(matched)*200*time.Nanosecond) })
	if r, err := timing.DetectLeak(context.Background(), g, cf); err != nil || !r.Leak || len(r.Runs) != 1 {
		t.Errorf("Confirm < 0: want one run reporting the leak, got %v, %v", r, err)
	}
}

// TestDetectLeakCounter: with a 3-try key the run resets after every 2 wrong
// values and never blocks the key; it ends at the limit.
func TestDetectLeakCounter(t *testing.T) {
	f := newFake(nil)
	f.limit, f.tries = 3, 1 // the counter starts low: the first right value restores it
	cf := cfg()
	cf.Samples = 20
	r, err := timing.DetectLeak(context.Background(), f, cf)
	if err != nil {
		t.Fatal(err)
	}
	if r.Limit != 3 || r.Resets != 20 || f.tries != 3 {
		t.Errorf("limit %d, resets %d, tries left %d; want 3, 20, 3", r.Limit, r.Resets, f.tries)
	}
	if len(r.First) != 20 || len(r.Last) != 20 {
		t.Errorf("%d and %d samples, want 20 each", len(r.First), len(r.Last))
	}
}

// TestDetectLeakStops: a card that misbehaves stops the run at once, and a
// wrong "right" value costs one try and nothing more.
func TestDetectLeakStops(t *testing.T) {
	f := newFake(nil)
	cf := cfg()
	cf.Right = []byte("55021720352286")
	_, err := timing.DetectLeak(context.Background(), f, cf)
	if !errors.Is(err, timing.ErrLeakRun) || f.sent != 1 || f.tries != 9 {
		t.Errorf("wrong right value: err %v, %d commands sent, %d tries left; want ErrLeakRun, 1, 9", err, f.sent, f.tries)
	}

	accepting := &acceptAll{}
	_, err = timing.DetectLeak(context.Background(), accepting, cfg())
	if !errors.Is(err, timing.ErrLeakRun) || !strings.Contains(err.Error(), "answered 9000") {
		t.Errorf("card accepting every value: err %v, want ErrLeakRun naming 9000", err)
	}
	if strings.Contains(err.Error(), string(right)) {
		t.Errorf("the error shows the right value: %v", err)
	}
}

type acceptAll struct{}

func (acceptAll) Transmit(_ context.Context, raw []byte) ([]byte, error) {
	if len(raw) == 4 {
		return sw(apdu.RetriesLeft(10)), nil
	}
	return sw(apdu.SWSuccess), nil
}

func TestWrongAt(t *testing.T) {
	for _, c := range []struct {
		in   string
		i    int
		want string
	}{
		{"55021720352285", 0, "65021720352285"},
		{"55021720352289", 13, "55021720352280"},
		{"AB12CZ", 5, "AB12CA"},
		{"ab", 0, "bb"},
		{"\x80\x81", 1, "\x80\x80"},
	} {
		in := []byte(c.in)
		got := timing.WrongAt(in, c.i)
		if string(got) != c.want {
			t.Errorf("WrongAt(%q, %d) = %q, want %q", c.in, c.i, got, c.want)
		}
		if !bytes.Equal(in, []byte(c.in)) {
			t.Errorf("WrongAt modified its input")
		}
	}
}

func TestLeakResultString(t *testing.T) {
	r, err := timing.DetectLeak(context.Background(), newFake(nil), cfg())
	if err != nil {
		t.Fatal(err)
	}
	s := r.String()
	for _, v := range [][]byte{right, timing.WrongAt(right, 0), timing.WrongAt(right, 13)} {
		if strings.Contains(s, string(v)) {
			t.Fatalf("the summary shows a value: %s", s)
		}
	}
	if !strings.Contains(s, "Welch t=") || !strings.Contains(s, "no leak detected") {
		t.Errorf("summary %q lacks the figures or the verdict", s)
	}
}

// cardAdapter makes a fakeKey a reader.Card, so that it sits behind the same
// transport stack as the in-process target (reader.NewEmulated + reader.Trace).
type cardAdapter struct{ f *fakeKey }

func (a cardAdapter) Transmit(cmd []byte) []byte {
	r, _ := a.f.Transmit(context.Background(), cmd)
	return r
}
func (cardAdapter) PowerOn()      {}
func (cardAdapter) PowerOff()     {}
func (cardAdapter) Reset()        {}
func (cardAdapter) ATR() []byte   { return []byte{0x3B, 0x00} }
func (cardAdapter) Powered() bool { return true }

// TestDetectLeakThroughTransport: the leak is found through the in-process
// transport and the redacting trace the specs use, and the trace shows no value.
func TestDetectLeakThroughTransport(t *testing.T) {
	tr := reader.NewTrace(reader.NewEmulated(cardAdapter{newFake(spinPerDigit(2 * time.Microsecond))}), reader.TraceOptions{})
	r, err := timing.DetectLeak(context.Background(), tr, cfg())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("leaky fake (2 µs per matching digit) behind the emulated transport and trace: %v", r)
	if !r.Leak {
		t.Fatalf("the leak was not detected: %v", r)
	}
	for _, e := range tr.Entries() {
		if strings.Contains(e.Command, "3535303231") { // "55021" in hex: the start of the value
			t.Fatalf("the trace shows a value: %+v", e)
		}
	}
}
