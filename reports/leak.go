package reports

import (
	"encoding/json"
	"fmt"
	"math"
)

// EntryLeak is the report entry of a timing-leak test (suites/timing attaches a LeakTest).
const EntryLeak = "taimen-leak-test"

// LeakTest is one timing-leak test: Welch's t-test of the round trips of two classes of wrong
// values (A: wrong at the first position, B: wrong at the last), after cropping.
type LeakTest struct {
	Spec    string  `json:"spec,omitempty"` // the spec's ID (set from the spec that attached it)
	Command string  `json:"command"`        // what was timed, e.g. "VERIFY check code B"
	Key     string  `json:"key,omitempty"`  // the key reference tested, "app/key"
	T       float64 `json:"t"`              // Welch's t, (mean A − mean B) / standard error
	DF      float64 `json:"df"`             // Welch–Satterthwaite degrees of freedom
	P       float64 `json:"p"`              // two-sided p-value
	NA      int     `json:"n_a"`            // samples of class A kept after cropping
	NB      int     `json:"n_b"`            // samples of class B kept after cropping
	// MeanA and MeanB are the classes' mean round trips in microseconds.
	MeanA float64 `json:"mean_a_us"`
	MeanB float64 `json:"mean_b_us"`
	// SentA and SentB are the samples taken of each class, before cropping.
	SentA int `json:"sent_a,omitempty"`
	SentB int `json:"sent_b,omitempty"`
	// CropAt is the pooled quantile above which samples were dropped, in nanoseconds.
	CropAt int64   `json:"crop_at_ns,omitempty"`
	Alpha  float64 `json:"alpha"`
	// Runs is how many runs were made (a rejection is confirmed by another run); the figures
	// above are the last run's.
	Runs int  `json:"runs,omitempty"`
	Leak bool `json:"leak"` // p < alpha in every run
}

// Figures formats the test as people read it: "t=-0.41, df=597.3, p=0.68 (n=285/285)".
func (l LeakTest) Figures() string {
	t := fmt.Sprintf("%.3g", l.T)
	switch {
	case l.T >= math.MaxFloat64:
		t = "+∞"
	case l.T <= -math.MaxFloat64:
		t = "−∞"
	}
	return fmt.Sprintf("t=%s, df=%.4g, p=%.3g (n=%d/%d)", t, l.DF, l.P, l.NA, l.NB)
}

// MarshalJSON writes an infinite t (both classes without variance, their means apart) as the
// largest float of its sign, since JSON has no infinity; NaN is written as 0.
func (l LeakTest) MarshalJSON() ([]byte, error) {
	type plain LeakTest
	p := plain(l)
	for _, f := range []*float64{&p.T, &p.DF, &p.P, &p.MeanA, &p.MeanB, &p.Alpha} {
		*f = finite(*f)
	}
	return json.Marshal(p)
}

func finite(f float64) float64 {
	switch {
	case math.IsNaN(f):
		return 0
	case math.IsInf(f, 1):
		return math.MaxFloat64
	case math.IsInf(f, -1):
		return -math.MaxFloat64
	}
	return f
}
