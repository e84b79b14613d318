package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/taimen-dev/taimen/shard"
)

// ShardInfo marks the summary of one shard of a split run (taimen run --shard I/N).
type ShardInfo struct {
	Index int `json:"index"` // 1..Total
	Total int `json:"total"`
	// SpecSet identifies the whole run's spec set (shard.SpecSet: its spec IDs and label filter).
	SpecSet string `json:"spec_set"`
	// SpecIDs are the IDs of every spec of the whole run, in this shard or not, sorted.
	SpecIDs []string `json:"spec_ids"`
}

// ShardRun is one shard a merged summary was made of.
type ShardRun struct {
	Index    int           `json:"index"`
	Total    int           `json:"total"`
	Reader   string        `json:"reader,omitempty"`
	ATR      string        `json:"atr,omitempty"`
	Verdict  string        `json:"verdict"`
	Totals   Counts        `json:"totals"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	// Counters is the shard's physical card's counters (each shard may have its own card).
	Counters *RunCounters `json:"counters,omitempty"`
}

// MergeError says why shards do not make one run: a shard missing or given twice, or shards of
// different runs (spec sets, taimen versions, targets, report schemas).
type MergeError struct{ Reason string }

func (e *MergeError) Error() string { return "report merge: " + e.Reason }

func mergef(format string, args ...any) error {
	return &MergeError{Reason: fmt.Sprintf(format, args...)}
}

// ShardDir is one shard's report directory, loaded.
type ShardDir struct {
	Dir     string
	Summary *Summary
}

// LoadShard reads a shard's summary from its report directory. A summary of another schema, or
// one without a shard mark, is a MergeError.
func LoadShard(dir string) (ShardDir, error) {
	s, err := Load(dir)
	if errors.Is(err, ErrSchema) {
		return ShardDir{}, mergef("%s: %v: every shard must come from a taimen that writes %s", dir, err, Schema)
	}
	if err != nil {
		return ShardDir{}, fmt.Errorf("shard %s: %w", dir, err)
	}
	if s.Shard == nil {
		return ShardDir{}, mergef("%s is not a shard (its summary has no \"shard\"): give the report directories of the runs of one `taimen run --shard I/N`", dir)
	}
	return ShardDir{Dir: dir, Summary: s}, nil
}

// CheckShards verifies that the shards make exactly one split run: the same schema, taimen
// version, suite, spec set, label filter, card (kind, profile, ATR where known) and behaviour; every index
// from 1 to N once; each spec in the shard its ID belongs to; together, every spec of the set.
func CheckShards(shards []ShardDir) error {
	if len(shards) == 0 {
		return mergef("no shard given")
	}
	first := shards[0]
	f := first.Summary
	byIndex := map[int]string{}
	for _, sd := range shards {
		s, where := sd.Summary, sd.Dir
		for _, c := range []struct{ what, want, got string }{
			{"report schema", f.Schema, s.Schema},
			{"taimen version (commit)", f.Tool.Version, s.Tool.Version},
			{"suite", f.Suite, s.Suite},
			{"shard count", fmt.Sprint(f.Shard.Total), fmt.Sprint(s.Shard.Total)},
			{"spec set", f.Shard.SpecSet, s.Shard.SpecSet},
			{"label filter", f.LabelFilter, s.LabelFilter},
			{"target kind", f.Target.Kind, s.Target.Kind},
			{"card profile", f.Target.Profile, s.Target.Profile},
		} {
			if c.want != c.got {
				return mergef("%s and %s are not shards of one run: %s %q ≠ %q", first.Dir, where, c.what, c.want, c.got)
			}
		}
		if f.Target.ATR != "" && s.Target.ATR != "" && f.Target.ATR != s.Target.ATR {
			// (an ATR is missing when no card was present as the run began)
			return mergef("%s and %s are not shards of one run: card ATR %q ≠ %q", first.Dir, where, f.Target.ATR, s.Target.ATR)
		}
		if !reflect.DeepEqual(f.Behaviour, s.Behaviour) {
			return mergef("%s and %s are not shards of one run: the card behaviour they judged against differs (run --behaviour)", first.Dir, where)
		}
		if shard.SpecSet(s.Shard.SpecIDs, s.LabelFilter) != s.Shard.SpecSet {
			return mergef("%s: its spec IDs do not match its spec set %s (the summary was edited?)", where, s.Shard.SpecSet)
		}
		i := s.Shard.Index
		if i < 1 || i > s.Shard.Total {
			return mergef("%s: shard %d/%d is out of range", where, i, s.Shard.Total)
		}
		if prev, dup := byIndex[i]; dup {
			return mergef("shard %d/%d given twice: %s and %s", i, s.Shard.Total, prev, where)
		}
		byIndex[i] = where
	}
	total := f.Shard.Total
	var missing, have []string
	for i := 1; i <= total; i++ {
		if _, ok := byIndex[i]; ok {
			have = append(have, fmt.Sprintf("%d/%d", i, total))
		} else {
			missing = append(missing, fmt.Sprintf("%d/%d", i, total))
		}
	}
	if len(missing) > 0 {
		return mergef("shard %s missing (have %s): merge all %d shards of the run", strings.Join(missing, ", "), strings.Join(have, ", "), total)
	}
	seen := map[string]int{}
	for _, sd := range shards {
		s := sd.Summary
		for _, sp := range s.Specs {
			if sp.ID == "" {
				return mergef("%s: spec %q has no ID: a shard holds only catalogued specs", sd.Dir, sp.Title)
			}
			if want := shard.Of(sp.ID, total); want != s.Shard.Index {
				return mergef("%s: spec %s is in shard %d/%d but belongs to %d/%d: shards of different splits", sd.Dir, sp.ID, s.Shard.Index, total, want, total)
			}
			seen[sp.ID]++
		}
	}
	var absent []string
	for _, id := range f.Shard.SpecIDs {
		if seen[id] == 0 {
			absent = append(absent, id)
		}
		delete(seen, id)
	}
	if len(absent) > 0 {
		return mergef("the shards lack %d spec(s) of the run's set: %s (a shard stopped early?)", len(absent), strings.Join(absent, ", "))
	}
	if len(seen) > 0 {
		return mergef("the shards hold spec(s) outside the run's set: %s", strings.Join(slices.Sorted(maps.Keys(seen)), ", "))
	}
	return nil
}

// Merge joins the shards of one run into the summary of the unsharded run: every shard's specs
// (with their traces, digests, APDU counts and timing measurements), the totals, areas and
// verdict computed again over all of them, and each shard listed in merged_from. APDU latency
// per command is combined exactly in its count, minimum, maximum and mean; its percentiles are
// the shards' percentiles weighted by their counts, an approximation the Measurement says.
func Merge(shards []ShardDir) (*Summary, error) {
	if err := CheckShards(shards); err != nil {
		return nil, err
	}
	slices.SortFunc(shards, func(a, b ShardDir) int { return a.Summary.Shard.Index - b.Summary.Shard.Index })
	f := shards[0].Summary
	sum := &Summary{
		Schema: Schema, Tool: f.Tool, Suite: f.Suite, LabelFilter: f.LabelFilter, Target: f.Target,
		Started: f.Started, Behaviour: f.Behaviour, Traces: f.Traces, Areas: []Area{}, Specs: []Spec{},
	}
	var end time.Time
	readers := map[string]bool{}
	counted := 0
	var latency [][]Timing
	for _, sd := range shards {
		s := sd.Summary
		sum.Specs = append(sum.Specs, s.Specs...)
		sum.SuiteFailures = append(sum.SuiteFailures, s.SuiteFailures...)
		sum.Timing = append(sum.Timing, s.Timing...)
		sum.LeakTests = append(sum.LeakTests, s.LeakTests...)
		sum.Scrubbed += s.Scrubbed
		latency = append(latency, s.APDULatency)
		if s.Started.Before(sum.Started) {
			sum.Started = s.Started
		}
		if e := s.Started.Add(s.Duration); e.After(end) {
			end = e
		}
		if s.Target.Reader != "" {
			readers[s.Target.Reader] = true
		}
		if sum.Target.ATR == "" {
			sum.Target.ATR = s.Target.ATR
		}
		if s.Traces != f.Traces {
			sum.Traces = TracesFailed // some shard kept only the failed specs' traces
		}
		if s.Counters != nil {
			counted++
			sum.Counters = s.Counters
		}
		sum.Shards = append(sum.Shards, ShardRun{Index: s.Shard.Index, Total: s.Shard.Total, Reader: s.Target.Reader, ATR: s.Target.ATR,
			Verdict: s.Verdict, Totals: s.Totals, Started: s.Started, Duration: s.Duration, Counters: s.Counters})
	}
	sum.Duration = end.Sub(sum.Started)
	sum.Target.Reader = strings.Join(slices.Sorted(maps.Keys(readers)), ", ")
	if counted > 1 {
		sum.Counters = nil // one card per shard: each shard's counters are in merged_from
	}
	slices.SortStableFunc(sum.Specs, compareSpecs)
	sum.Totals, sum.Areas, sum.APDUs = tally(sum.Specs)
	sum.Verdict = runVerdict(true, sum.Totals, sum.SuiteFailures)
	sum.APDULatency = mergeLatency(latency)
	sortTimings(sum.Timing)
	return sum, nil
}

// mergeLatency combines the shards' APDU latency per command (see Merge).
func mergeLatency(shards [][]Timing) []Timing {
	by := map[string][]Timing{}
	for _, ts := range shards {
		for _, t := range ts {
			by[t.Command] = append(by[t.Command], t)
		}
	}
	var out []Timing
	for _, cmd := range slices.Sorted(maps.Keys(by)) {
		ts := by[cmd]
		if len(ts) == 1 {
			out = append(out, ts[0])
			continue
		}
		m := Timing{Command: cmd, Units: ts[0].Units, Measurement: fmt.Sprintf("merged from %d shards: percentiles weighted", len(ts))}
		m.Min, m.Max = ts[0].Min, ts[0].Max
		for _, t := range ts {
			m.N += t.N
			m.Min, m.Max = min(m.Min, t.Min), max(m.Max, t.Max)
		}
		for _, t := range ts {
			w := float64(t.N) / float64(max(m.N, 1))
			m.Mean += w * t.Mean
			m.P25 += w * t.P25
			m.Median += w * t.Median
			m.P75 += w * t.P75
			m.P90 += w * t.P90
			m.P99 += w * t.P99
		}
		m.Mean, m.P25, m.Median, m.P75, m.P90, m.P99 = sig9(m.Mean), sig9(m.P25), sig9(m.Median), sig9(m.P75), sig9(m.P90), sig9(m.P99)
		out = append(out, m)
	}
	return out
}

// WriteMerged writes a merged run's summary, JUnit XML and HTML report into dir, which must not
// hold a run's reports already.
func WriteMerged(dir string, sum *Summary) error {
	f := FilesIn(dir)
	for _, p := range []string{f.Summary, f.JUnit, f.HTML} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists: merge into a new directory", p)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("merged report directory: %w", err)
	}
	return errors.Join(
		writeFile(f.JUnit, func(w io.Writer) error { return WriteJUnit(w, sum) }),
		WriteSummary(f.Summary, sum),
		WriteHTML(f.HTML, sum),
	)
}

// writeFile writes what write produces into a new file at path.
func writeFile(path string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
