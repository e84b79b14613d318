package reports

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

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
	Ginkgo  types.Report
}

// LoadShard reads a shard's summary and Ginkgo report from its report directory. A summary of
// another schema, or one without a shard mark, is a MergeError.
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
	g, err := ReadGinkgo(filepath.Join(dir, FileGinkgo))
	if err != nil {
		return ShardDir{}, fmt.Errorf("shard %s: %w", dir, err)
	}
	return ShardDir{Dir: dir, Summary: s, Ginkgo: g}, nil
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

// Merge checks the shards (CheckShards) and makes the summary of the whole run, built as
// Build builds an unsharded run's from the shards' Ginkgo reports joined, so its verdicts are
// the unsharded run's. It also returns the joined Ginkgo report (for the JUnit XML).
func Merge(shards []ShardDir) (*Summary, types.Report, error) {
	if err := CheckShards(shards); err != nil {
		return nil, types.Report{}, err
	}
	slices.SortFunc(shards, func(a, b ShardDir) int { return a.Summary.Shard.Index - b.Summary.Shard.Index })
	f := shards[0].Summary
	joined := shards[0].Ginkgo
	joined.SpecReports = nil
	joined.SpecialSuiteFailureReasons = nil
	joined.SuiteSucceeded = true
	var end time.Time
	meta := map[string]SpecMeta{}
	scrubbed := 0
	readers := map[string]bool{}
	var runs []ShardRun
	counted := 0
	for _, sd := range shards {
		g, s := sd.Ginkgo, sd.Summary
		joined.SpecReports = append(joined.SpecReports, g.SpecReports...)
		joined.SpecialSuiteFailureReasons = append(joined.SpecialSuiteFailureReasons, g.SpecialSuiteFailureReasons...)
		joined.SuiteSucceeded = joined.SuiteSucceeded && g.SuiteSucceeded
		if g.StartTime.Before(joined.StartTime) {
			joined.StartTime = g.StartTime
		}
		if e := g.StartTime.Add(g.RunTime); e.After(end) {
			end = e
		}
		for _, sp := range s.Specs {
			meta[sp.ID] = SpecMeta{ID: sp.ID, Title: sp.Title, Area: sp.Area, App: sp.App, Checks: sp.Checks, Expect: sp.Expect}
		}
		scrubbed += s.Scrubbed
		if s.Target.Reader != "" {
			readers[s.Target.Reader] = true
		}
		if s.Counters != nil {
			counted++
		}
		runs = append(runs, ShardRun{Index: s.Shard.Index, Total: s.Shard.Total, Reader: s.Target.Reader, ATR: s.Target.ATR,
			Verdict: s.Verdict, Totals: s.Totals, Started: s.Started, Duration: s.Duration, Counters: s.Counters})
	}
	joined.RunTime = end.Sub(joined.StartTime)
	target := f.Target
	for _, sd := range shards {
		if target.ATR == "" {
			target.ATR = sd.Summary.Target.ATR
		}
	}
	target.Reader = strings.Join(slices.Sorted(maps.Keys(readers)), ", ")
	sum := Build(joined, Options{
		Tool:      f.Tool,
		Target:    target,
		Lookup:    func(id string) (SpecMeta, bool) { m, ok := meta[id]; return m, ok },
		Scrubbed:  scrubbed,
		Behaviour: f.Behaviour,
	})
	sum.Tool = f.Tool
	sum.LabelFilter = f.LabelFilter
	sum.Shards = runs
	if counted > 1 {
		sum.Counters = nil // one card per shard: each shard's counters are in merged_from
	}
	return sum, joined, nil
}

// WriteMerged writes a merged run's summary, JUnit XML and HTML report into dir, which must not
// hold a run's reports already.
func WriteMerged(dir string, sum *Summary, joined types.Report) error {
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
		reporters.GenerateJUnitReportWithConfig(withoutTraces(joined), f.JUnit, junitConfig),
		WriteSummary(f.Summary, sum),
		WriteHTML(f.HTML, sum),
	)
}
