package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/shard"
)

// splitRun is a run of specs (ID → state) as one Ginkgo report, and as total shards.
func splitRun(t *testing.T, states map[string]types.SpecState, total int) (whole types.Report, shards []ShardDir) {
	t.Helper()
	var ids []string
	for id := range states {
		ids = append(ids, id)
	}
	area := func(id string) string {
		return map[string]string{"RD": "reads", "CC": "checkcodes", "SM": "sm"}[id[:2]]
	}
	report := func(keep func(string) bool) types.Report {
		r := types.Report{SuiteDescription: "taimen conformance", SuiteSucceeded: true, StartTime: at(0), RunTime: 0}
		r.SuiteConfig.LabelFilter = "!timing"
		r.SpecReports = append(r.SpecReports, types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed})
		n := 0
		for _, id := range ids {
			if !keep(id) {
				continue
			}
			st := states[id]
			sr := it(id+" title of "+id, []string{area(id), "surface"}, st, 10*n, entry(EntryTarget, map[string]string{"kind": "emulator", "profile": "p01-showa"}))
			if st == types.SpecStateFailed {
				sr.Failure = types.Failure{Message: "wrong SW", FailureNodeType: types.NodeTypeIt}
				r.SuiteSucceeded = false
			}
			r.SpecReports = append(r.SpecReports, sr)
			n++
		}
		r.RunTime = time.Duration(n) * 10 * time.Millisecond
		return r
	}
	whole = report(func(string) bool { return true })
	set := shard.SpecSet(ids, "!timing")
	for i := 1; i <= total; i++ {
		s := shard.Shard{Index: i, Total: total}
		g := report(s.Has)
		info := &ShardInfo{Index: i, Total: total, SpecSet: set, SpecIDs: sortedIDs(ids)}
		sum := Build(g, Options{Tool: Tool{Name: "taimen", Version: "v1.2.3"}, Shard: info})
		shards = append(shards, ShardDir{Dir: fmt.Sprintf("shard%d", i), Summary: sum})
	}
	return whole, shards
}

func sortedIDs(ids []string) []string {
	out := append([]string(nil), ids...)
	slices.Sort(out)
	return out
}

// verdicts are what a merge must keep: the run's, each area's and each spec's.
type verdicts struct {
	Run    string
	Totals Counts
	Areas  []string
	Specs  map[string]string
}

func verdictsOf(s *Summary) verdicts {
	v := verdicts{Run: s.Verdict, Totals: s.Totals, Specs: map[string]string{}}
	for _, a := range s.Areas {
		v.Areas = append(v.Areas, fmt.Sprintf("%s %s %+v", a.Area, a.Verdict, a.Counts))
	}
	for _, sp := range s.Specs {
		v.Specs[sp.ID] = sp.State + " " + sp.Outcome
	}
	return v
}

func TestMergeGivesTheWholeRunsVerdicts(t *testing.T) {
	states := map[string]types.SpecState{}
	for i := 1; i <= 12; i++ {
		states[fmt.Sprintf("RD-%03d", i)] = types.SpecStatePassed
		states[fmt.Sprintf("CC-%03d", i)] = types.SpecStatePassed
	}
	states["RD-004"] = types.SpecStateFailed
	states["CC-007"] = types.SpecStateSkipped
	for _, sm := range []string{"SM-001", "SM-002"} {
		states[sm] = types.SpecStateSkipped
	}
	for _, total := range []int{1, 2, 4} {
		whole, shards := splitRun(t, states, total)
		want := Build(whole, Options{Tool: Tool{Name: "taimen", Version: "v1.2.3"}})
		got, err := Merge(shards)
		if err != nil {
			t.Fatalf("%d shards: %v", total, err)
		}
		if d := cmp.Diff(verdictsOf(want), verdictsOf(got)); d != "" {
			t.Errorf("%d shards: merged verdicts differ from the whole run's (-whole +merged):\n%s", total, d)
		}
		if got.Verdict != Fail || len(got.Shards) != total || got.Shard != nil {
			t.Errorf("%d shards: verdict %s, %d shards listed, shard mark %v", total, got.Verdict, len(got.Shards), got.Shard)
		}
		dir := t.TempDir()
		if err := WriteMerged(dir, got); err != nil {
			t.Fatal(err)
		}
		back, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(verdictsOf(want), verdictsOf(back)); d != "" {
			t.Errorf("%d shards: written summary (-whole +read back):\n%s", total, d)
		}
		if err := WriteMerged(dir, got); err == nil {
			t.Error("a second merge into the same directory overwrote it")
		}
	}
}

func TestMergeRefusals(t *testing.T) {
	states := map[string]types.SpecState{}
	for i := 1; i <= 20; i++ {
		states[fmt.Sprintf("RD-%03d", i)] = types.SpecStatePassed
	}
	for _, tc := range []struct {
		name  string
		spoil func([]ShardDir) []ShardDir
		want  string
	}{
		{"a shard missing", func(s []ShardDir) []ShardDir { return append(s[:1:1], s[2:]...) }, "shard 2/4 missing (have 1/4, 3/4, 4/4)"},
		{"a shard twice", func(s []ShardDir) []ShardDir { return append(s, s[2]) }, "shard 3/4 given twice: shard3 and shard3"},
		{"another commit", func(s []ShardDir) []ShardDir { s[1].Summary.Tool.Version = "v1.2.4"; return s }, `taimen version (commit) "v1.2.3" ≠ "v1.2.4"`},
		{"another spec set", func(s []ShardDir) []ShardDir {
			s[3].Summary.Shard.SpecIDs = append(s[3].Summary.Shard.SpecIDs, "RD-099")
			s[3].Summary.Shard.SpecSet = shard.SpecSet(s[3].Summary.Shard.SpecIDs, "!timing")
			return s
		}, "spec set"},
		{"an edited spec set", func(s []ShardDir) []ShardDir { s[0].Summary.Shard.SpecIDs = s[0].Summary.Shard.SpecIDs[1:]; return s }, "do not match its spec set"},
		{"another split", func(s []ShardDir) []ShardDir { s[2].Summary.Shard.Total = 5; return s }, `shard count "4" ≠ "5"`},
		{"another card", func(s []ShardDir) []ShardDir { s[1].Summary.Target.Profile = "p02-heisei"; return s }, "card profile"},
		{"another schema", func(s []ShardDir) []ShardDir { s[1].Summary.Schema = "taimen.report/v2"; return s }, "report schema"},
		{"a spec in the wrong shard", func(s []ShardDir) []ShardDir {
			s[0].Summary.Specs = append(s[0].Summary.Specs, s[1].Summary.Specs[0])
			return s
		}, "belongs to 2/4: shards of different splits"},
		{"a spec lost", func(s []ShardDir) []ShardDir { s[3].Summary.Specs = s[3].Summary.Specs[1:]; return s }, "the shards lack 1 spec(s)"},
		{"not a split run", func(s []ShardDir) []ShardDir { return nil }, "no shard given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, shards := splitRun(t, states, 4)
			_, err := Merge(tc.spoil(shards))
			var me *MergeError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a MergeError with %q", err, tc.want)
			}
		})
	}
}

// LoadShard refuses a summary of another schema, and one that is not a shard, as MergeErrors.
func TestLoadShardRefusals(t *testing.T) {
	_, shards := splitRun(t, map[string]types.SpecState{"RD-001": types.SpecStatePassed}, 1)
	write := func(mut func(map[string]any)) string {
		dir := t.TempDir()
		b, _ := json.Marshal(shards[0].Summary)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		mut(m)
		b, _ = json.Marshal(m)
		if err := os.WriteFile(filepath.Join(dir, FileSummary), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	if _, err := LoadShard(write(func(map[string]any) {})); err != nil {
		t.Fatalf("a good shard: %v", err)
	}
	for want, mut := range map[string]func(map[string]any){
		`schema "taimen.report/v2"`: func(m map[string]any) { m["schema"] = "taimen.report/v2" },
		"is not a shard":            func(m map[string]any) { delete(m, "shard") },
	} {
		_, err := LoadShard(write(mut))
		var me *MergeError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want a MergeError with %q", err, want)
		}
	}
}

// A merged summary keeps what each shard's summary holds: a failed spec's trace, the passed
// specs' digests, the APDU counts (summed per area and for the run) and the APDU latency (its
// count and extremes exact).
func TestMergeKeepsTracesAndAPDUs(t *testing.T) {
	states := map[string]types.SpecState{"RD-001": types.SpecStatePassed, "RD-002": types.SpecStateFailed, "CC-001": types.SpecStatePassed, "CC-002": types.SpecStatePassed}
	_, shards := splitRun(t, states, 2)
	wantAPDUs := 0
	for _, sd := range shards {
		for i := range sd.Summary.Specs {
			sp := &sd.Summary.Specs[i]
			sp.APDUs = 7 + len(sp.ID)
			wantAPDUs += sp.APDUs
			if sp.Outcome == OutcomeFail {
				sp.Trace = []reader.Entry{{Op: "SELECT", SW: "6A82", Duration: 1500}}
			}
		}
		sd.Summary.APDULatency = []Timing{{Command: "SELECT", Units: "ns", Stats: Stats{N: 2, Min: float64(sd.Summary.Shard.Index), Max: 10, Mean: 5, Median: 5}}}
	}
	got, err := Merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	if got.APDUs != wantAPDUs {
		t.Errorf("APDUs of the merged run = %d, want %d", got.APDUs, wantAPDUs)
	}
	areaSum := 0
	for _, a := range got.Areas {
		areaSum += a.APDUs
	}
	if areaSum != wantAPDUs {
		t.Errorf("APDUs over the areas = %d, want %d", areaSum, wantAPDUs)
	}
	for _, sp := range got.Specs {
		if sp.ID == "RD-002" && (len(sp.Trace) != 1 || sp.Trace[0].SW != "6A82") {
			t.Errorf("the failed spec's trace was lost in the merge: %+v", sp.Trace)
		}
	}
	if len(got.APDULatency) != 1 || got.APDULatency[0].N != 4 || got.APDULatency[0].Min != 1 || got.APDULatency[0].Max != 10 {
		t.Errorf("merged APDU latency = %+v, want SELECT with n 4, min 1, max 10", got.APDULatency)
	}
}
