package reports

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/taimen-dev/taimen/reader"
)

// Values of Summary.Traces: whose traces a summary keeps in full.
const (
	TracesFailed = "failed" // failed specs keep their trace; the others a digest
	TracesAll    = "all"    // every spec keeps its trace (run --trace-all)
)

// keepTraces gives every spec with a trace its digest, keeps the traces o asks for (capped at
// o.MaxTrace exchanges) and drops the others.
func keepTraces(s *Summary, o Options) {
	limit := o.MaxTrace
	if limit == 0 {
		limit = DefaultMaxTrace
	}
	s.Traces = TracesFailed
	if o.TraceAll {
		s.Traces = TracesAll
	}
	for i := range s.Specs {
		sp := &s.Specs[i]
		if sp.TraceDigest == nil && len(sp.Trace) > 0 {
			d := digestOf(sp.Trace)
			sp.TraceDigest = &d
		}
		if !o.TraceAll && sp.Outcome != OutcomeFail {
			sp.Trace = nil
			continue
		}
		if limit > 0 && len(sp.Trace) > limit {
			sp.TraceOmitted = len(sp.Trace) - limit
			sp.Trace = sp.Trace[:limit]
		}
		if sp.TraceDigest != nil && sp.TraceDigest.Exchanges > len(sp.Trace)+sp.TraceOmitted {
			// The recording kept only the most recent exchanges: the earlier ones are omitted too.
			sp.TraceOmitted = sp.TraceDigest.Exchanges - len(sp.Trace)
		}
	}
}

// digestOf sums up trace entries when the spec attached no digest (a report from an older
// taimen): what the entries show, masked data counted by its stated length.
func digestOf(es []reader.Entry) reader.TraceDigest {
	var d reader.TraceDigest
	for _, e := range es {
		d.Exchanges++
		d.Duration += e.Duration
		d.Bytes += int64(hexBytes(e.Command) + hexBytes(e.Response) + len(e.SW)/2)
	}
	return d
}

// hexBytes is the number of bytes a trace's hex field stands for, "[redacted N bytes]" included.
func hexBytes(h string) int {
	n := 0
	for h != "" {
		i := strings.Index(h, "[redacted ")
		if i < 0 {
			return n + len(h)/2
		}
		n += i / 2
		rest := h[i+len("[redacted "):]
		j := strings.Index(rest, " bytes]")
		if j < 0 {
			return n
		}
		if k, err := strconv.Atoi(rest[:j]); err == nil {
			n += k
		}
		h = rest[j+len(" bytes]"):]
	}
	return n
}

// TraceRef replaces a trace in ginkgo-report.json: each trace is written once, in the summary.
type TraceRef struct {
	See       string `json:"see"`            // the file that holds the trace, e.g. "summary.json"
	Spec      string `json:"spec"`           // the spec's ID (or title) in that file
	Exchanges int    `json:"exchanges"`      // exchanges recorded
	Kept      bool   `json:"kept"`           // false: the summary holds only the spec's trace_digest
	Note      string `json:"note,omitempty"` // how to keep it when it was not
}

// jsonOnly are taimen's entries whose Ginkgo text form (a %+v of maps) only repeats their JSON.
var jsonOnly = map[string]bool{EntryTarget: true, EntryCounter: true, EntryRunCounters: true, EntryLeak: true}

// asJSONOnly gives one of those entries a one-line text form: Ginkgo would otherwise format
// its value a second time, as %+v.
func asJSONOnly(e types.ReportEntry) types.ReportEntry {
	if !jsonOnly[e.Name] {
		return e
	}
	b, err := json.Marshal(e.Value.GetRawValue())
	if err != nil {
		return e
	}
	e.Value = types.WrapEntryValue(json.RawMessage(b))
	e.Value.Representation = "(the value is in AsJSON)"
	return e
}

// withTraceRefs is r with every trace entry (and trace digest entry) replaced by one TraceRef
// per spec, pointing into the summary, and taimen's other entries in JSON only (asJSONOnly);
// a spec that keeps no trace (passed, without --trace-all) keeps no SpecEvents either.
func withTraceRefs(r types.Report, s *Summary) types.Report {
	kept := map[string]*Spec{}
	for i := range s.Specs {
		kept[key(s.Specs[i])] = &s.Specs[i]
	}
	r.SpecReports = slices.Clone(r.SpecReports)
	for i := range r.SpecReports {
		sr := &r.SpecReports[i]
		k := sr.LeafNodeText
		if m := specText.FindStringSubmatch(k); m != nil {
			k = m[1]
		}
		sp := kept[k]
		es := make(types.ReportEntries, 0, len(sr.ReportEntries))
		referred := false
		for _, e := range sr.ReportEntries {
			if e.Name == EntryTraceDigest {
				continue
			}
			if e.Name != EntryTrace {
				es = append(es, asJSONOnly(e))
				continue
			}
			if referred {
				continue
			}
			referred = true
			ref := TraceRef{See: FileSummary, Spec: k}
			if sp != nil {
				ref.Kept = len(sp.Trace) > 0
				if sp.TraceDigest != nil {
					ref.Exchanges = sp.TraceDigest.Exchanges
				}
			}
			if !ref.Kept {
				ref.Note = "a passed spec keeps a digest: taimen run --trace-all keeps every trace"
			}
			e.Value = types.WrapEntryValue(ref)
			e.Value.Representation = fmt.Sprintf("%d exchanges: trace of %s in %s", ref.Exchanges, ref.Spec, ref.See)
			es = append(es, e)
		}
		sr.ReportEntries = es
		// Ginkgo's timeline of a spec (its By steps and node events, half the file) is kept
		// where the trace is: for a failed spec, or every spec with --trace-all.
		if !sr.State.Is(types.SpecStateFailureStates) && (sp == nil || len(sp.Trace) == 0) {
			sr.SpecEvents = nil
		}
	}
	return r
}
