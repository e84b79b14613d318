package reports

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/gomega/gmeasure"
)

// Timing is the distribution of one measured command: a gmeasure
// measurement, or (in apdu_latency) the exchanges of one kind in the traces.
type Timing struct {
	Command     string `json:"command"`
	Measurement string `json:"measurement,omitempty"`
	Spec        string `json:"spec,omitempty"`
	// Units is "ns" for durations, else the measurement's own units.
	Units string `json:"units"`
	Stats
	// Samples are the measured values in recording order (gmeasure timings only).
	Samples []float64 `json:"samples,omitempty"`
}

// Label names the timing in tables and charts.
func (t Timing) Label() string {
	if t.Measurement == "" || t.Measurement == t.Command {
		return t.Command
	}
	return t.Command + " — " + t.Measurement
}

// Stats summarize a sample. Percentiles interpolate linearly between the
// closest ranks (NumPy's default, Hyndman–Fan type 7).
type Stats struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	P25    float64 `json:"p25"`
	Median float64 `json:"median"`
	P75    float64 `json:"p75"`
	P90    float64 `json:"p90"`
	P99    float64 `json:"p99"`
	Max    float64 `json:"max"`
	Mean   float64 `json:"mean"`
}

// Compute returns the statistics of xs (the zero Stats for an empty sample).
func Compute(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return Stats{N: len(s), Min: s[0], P25: sig9(quantile(s, .25)), Median: sig9(quantile(s, .5)), P75: sig9(quantile(s, .75)),
		P90: sig9(quantile(s, .9)), P99: sig9(quantile(s, .99)), Max: s[len(s)-1], Mean: sig9(sum / float64(len(s)))}
}

// sig9 rounds to nine significant digits: the JSON does not depend on
// floating-point noise (which differs between architectures).
func sig9(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 9, 64), 64)
	return r
}

// quantile of a sorted sample, type 7.
func quantile(sorted []float64, q float64) float64 {
	h := q * float64(len(sorted)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// experimentTimings reads a gmeasure experiment attached as a report entry: e, when the report
// is in memory, else its JSON.
func experimentTimings(command, spec string, e *gmeasure.Experiment, raw func() []byte) []Timing {
	if e == nil {
		e = &gmeasure.Experiment{}
		if json.Unmarshal(raw(), e) != nil {
			return nil
		}
	}
	if command == EntryTiming {
		command = strings.TrimPrefix(e.Name, EntryTimingPrefix)
	}
	var out []Timing
	for _, m := range e.Measurements {
		t := Timing{Command: command, Measurement: m.Name, Spec: spec}
		switch m.Type {
		case gmeasure.MeasurementTypeDuration:
			t.Units = "ns"
			for _, d := range m.Durations {
				t.Samples = append(t.Samples, float64(d))
			}
		case gmeasure.MeasurementTypeValue:
			t.Units = m.Units
			t.Samples = slices.Clone(m.Values)
		default:
			continue
		}
		if len(t.Samples) == 0 {
			continue
		}
		t.Stats = Compute(t.Samples)
		out = append(out, t)
	}
	return out
}

// sortTimings orders gmeasure timings by spec, keeping each spec's order.
func sortTimings(ts []Timing) {
	slices.SortStableFunc(ts, func(a, b Timing) int { return strings.Compare(a.Spec, b.Spec) })
}

// apduLatency is the distribution of every exchange's duration in the
// specs' traces, by command (the trace's Op), without the samples.
func apduLatency(specs []Spec) []Timing {
	by := apduSamples(specs)
	out := make([]Timing, 0, len(by))
	for op, xs := range by {
		out = append(out, Timing{Command: op, Units: "ns", Stats: Compute(xs)})
	}
	slices.SortFunc(out, func(a, b Timing) int { return strings.Compare(a.Command, b.Command) })
	if len(out) == 0 {
		return nil
	}
	return out
}

// apduSamples groups the durations of the traces' exchanges by command.
// Resets and failed exchanges are left out.
func apduSamples(specs []Spec) map[string][]float64 {
	by := map[string][]float64{}
	for _, sp := range specs {
		for _, e := range sp.Trace {
			if e.Op == "" || e.Op == "RESET" || e.Err != "" || e.SW == "" {
				continue
			}
			by[e.Op] = append(by[e.Op], float64(e.Duration))
		}
	}
	return by
}

// formatNs renders nanoseconds for people: 850 ns, 12.3 µs, 4.56 ms, 1.23 s.
func formatNs(ns float64) string {
	return formatDuration(time.Duration(math.Round(ns)))
}

func formatDuration(d time.Duration) string {
	ns := float64(d)
	switch {
	case d == 0:
		return "0"
	case d < time.Microsecond:
		return trimFloat(ns, 0) + " ns"
	case d < time.Millisecond:
		return trimFloat(ns/1e3, sig(ns/1e3)) + " µs"
	case d < time.Second:
		return trimFloat(ns/1e6, sig(ns/1e6)) + " ms"
	case d < time.Minute:
		return trimFloat(ns/1e9, sig(ns/1e9)) + " s"
	}
	return d.Round(time.Second).String()
}

// sig gives three significant digits for values from 1 to 999.
func sig(v float64) int {
	switch {
	case v >= 100:
		return 0
	case v >= 10:
		return 1
	}
	return 2
}

func trimFloat(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
