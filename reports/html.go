package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taimen-dev/taimen/reader"
)

//go:embed report.html.tmpl
var htmlTemplate string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"dur":  formatDuration,
	"ns":   formatNs,
	"f1":   func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"join": strings.Join,
	"inc":  func(i int) int { return i + 1 },
	"add":  func(a, b float64) float64 { return round1(a + b) },
	"sub":  func(a, b float64) float64 { return round1(a - b) },
	"pct": func(n, total int) string {
		if total == 0 {
			return "0"
		}
		return strconv.FormatFloat(100*float64(n)/float64(total), 'f', 2, 64)
	},
}).Parse(htmlTemplate))

// HTMLOptions tune the HTML report.
type HTMLOptions struct {
	// MaxTraceRows caps the exchanges shown per spec (0: 300); the summary
	// keeps them all.
	MaxTraceRows int
	// MaxHexBytes caps the bytes of a command or response shown (0: 48).
	MaxHexBytes int
}

// RenderHTML writes the self-contained HTML report of s: inline CSS and SVG,
// no script, no external resource.
func RenderHTML(w io.Writer, s *Summary, o HTMLOptions) error {
	if o.MaxTraceRows == 0 {
		o.MaxTraceRows = 300
	}
	if o.MaxHexBytes == 0 {
		o.MaxHexBytes = 48
	}
	return tmpl.Execute(w, newView(s, o))
}

type view struct {
	S           *Summary
	Pass        bool
	Started     string
	Duration    string
	Areas       []areaView
	SpecsRun    int
	Timing      []timingRow
	TimingChart *chart
	APDU        []timingRow
	APDUChart   *chart
	Counters    []counterRow
	// Unchanged are the specs whose recorded counters all stayed as they were (folded).
	Unchanged     []specView
	TraceSpecs    int
	TraceExchange int
	// Causes are the failed specs grouped by the cause their messages end in.
	Causes []causeView
	Failed int
	// Digest sums up the traces the summary holds only as digests (passed specs).
	Digest      reader.TraceDigest
	DigestSpecs int
	Leaks       []leakRow
}

type causeView struct {
	Text  string
	Specs []failView
}

type failView struct {
	specView
	Answered string
	Around   []entryView
	More     int // exchanges before the ones shown
}

type leakRow struct {
	LeakTest
	Anchor, Figures, MeanA, MeanB, Verdict string
}

type areaView struct {
	Name    string
	Verdict string
	Counts  Counts
	Dur     string
	APDUs   int // sent to the card by the area's specs
	Specs   []specView
	Traces  []traceView
	// Unselected is the number of its specs not selected; when it is all
	// of them the area is shown in one line.
	Unselected int
}

type specView struct {
	Spec
	Anchor     string
	Dur        string
	Exchange   int
	Unselected bool
}

type timingRow struct {
	Label, Spec, Units                    string
	N                                     int
	Min, Median, P90, P99, Max, Mean, P25 string
}

type counterRow struct {
	Spec, Anchor, Key string
	Before, After     string
	Delta             string
	Changed           bool
}

type traceView struct {
	Spec    specView
	Entries []entryView
	More    int
}

type entryView struct {
	Seq               int
	At                string
	Op, Object        string
	Command, Response string
	SW, Err           string
	Dur               string
	Redacted          string
	OK                bool
	Failed            bool // the last exchange before the failure
}

func newView(s *Summary, o HTMLOptions) view {
	v := view{S: s, Pass: s.Verdict == Pass, Duration: formatDuration(s.Duration)}
	if !s.Started.IsZero() {
		v.Started = s.Started.UTC().Format("2006-01-02 15:04:05 MST")
	}
	byArea := map[string]*areaView{}
	for _, a := range s.Areas {
		av := &areaView{Name: a.Area, Verdict: a.Verdict, Counts: a.Counts, Dur: formatDuration(a.Duration), APDUs: a.APDUs}
		byArea[a.Area] = av
	}
	for _, sp := range s.Specs {
		k := sp.Area
		if k == "" {
			k = "other"
		}
		av := byArea[k]
		if av == nil {
			av = &areaView{Name: k}
			byArea[k] = av
		}
		sv := specView{Spec: sp, Anchor: anchor(sp), Dur: formatDuration(sp.Duration), Exchange: len(sp.Trace) + sp.TraceOmitted}
		if sp.Outcome == OutcomeSkip {
			sv.Dur = "—"
			if sp.SkipReason == NotSelected {
				sv.Unselected = true
				av.Unselected++
			}
		} else {
			v.SpecsRun++
		}
		av.Specs = append(av.Specs, sv)
		if len(sp.Trace) > 0 {
			av.Traces = append(av.Traces, traceOf(sv, o))
			v.TraceSpecs++
			v.TraceExchange += sv.Exchange
		}
		if sp.Counters != nil {
			rows := counterRows(sv)
			changed := slices.DeleteFunc(rows, func(r counterRow) bool { return !r.Changed })
			if len(changed) == 0 {
				v.Unchanged = append(v.Unchanged, sv)
			}
			v.Counters = append(v.Counters, changed...)
		}
		if len(sp.Trace) == 0 && sp.TraceDigest != nil {
			v.DigestSpecs++
			v.Digest.Exchanges += sp.TraceDigest.Exchanges
			v.Digest.Bytes += sp.TraceDigest.Bytes
			v.Digest.Duration += sp.TraceDigest.Duration
		}
	}
	for _, a := range s.Areas {
		v.Areas = append(v.Areas, *byArea[a.Area])
		delete(byArea, a.Area)
	}
	for _, k := range sortedKeys(byArea) {
		v.Areas = append(v.Areas, *byArea[k])
	}

	var durations []series
	for _, t := range s.Timing {
		v.Timing = append(v.Timing, row(t))
		if t.Units == "ns" {
			sub := t.Spec
			if t.Measurement != "" && t.Measurement != t.Command {
				sub = strings.TrimSpace(t.Measurement + " · " + t.Spec)
			}
			durations = append(durations, series{label: t.Command, sub: sub, stats: t.Stats, samples: t.Samples})
		}
	}
	v.TimingChart = newChart(durations)
	var apdu []series
	for _, t := range s.APDULatency {
		// No dots: the summary keeps the distribution, not every exchange.
		v.APDU = append(v.APDU, row(t))
		apdu = append(apdu, series{label: t.Command, stats: t.Stats})
	}
	v.APDUChart = newChart(apdu)
	for _, c := range Causes(s) {
		cv := causeView{Text: c.Text}
		for _, sp := range c.Specs {
			cv.Specs = append(cv.Specs, failOf(sp, o))
			v.Failed++
		}
		v.Causes = append(v.Causes, cv)
	}
	for _, l := range s.LeakTests {
		r := leakRow{LeakTest: l, Anchor: anchor(Spec{ID: l.Spec}), Figures: l.Figures(),
			MeanA: strconv.FormatFloat(l.MeanA, 'f', 2, 64) + " µs", MeanB: strconv.FormatFloat(l.MeanB, 'f', 2, 64) + " µs", Verdict: "no leak detected"}
		if l.Leak {
			r.Verdict = "LEAK"
		}
		v.Leaks = append(v.Leaks, r)
	}
	return v
}

// failOf is a failed spec as the failures section shows it.
func failOf(sp Spec, o HTMLOptions) failView {
	fv := failView{specView: specView{Spec: sp, Anchor: anchor(sp), Dur: formatDuration(sp.Duration), Exchange: len(sp.Trace) + sp.TraceOmitted},
		Answered: Answered(sp)}
	es, last := Around(sp)
	if len(es) > 0 {
		fv.More = es[0].Seq - 1
	}
	for i, e := range es {
		ev := entryOf(e, time.Time{}, o)
		ev.Failed = i == last
		fv.Around = append(fv.Around, ev)
	}
	return fv
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func anchor(sp Spec) string {
	k := key(sp)
	var b strings.Builder
	b.WriteString("spec-")
	for _, r := range k {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func row(t Timing) timingRow {
	f := formatNs
	if t.Units != "ns" {
		f = func(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }
	}
	units := t.Units
	if units == "ns" {
		units = ""
	}
	return timingRow{Label: t.Label(), Spec: t.Spec, Units: units, N: t.N, Min: f(t.Min), P25: f(t.P25), Median: f(t.Median),
		P90: f(t.P90), P99: f(t.P99), Max: f(t.Max), Mean: f(t.Mean)}
}

func counterRows(sv specView) []counterRow {
	c := sv.Counters
	keys := map[string]bool{}
	for k := range c.Before {
		keys[k] = true
	}
	for k := range c.After {
		keys[k] = true
	}
	var out []counterRow
	for _, k := range sortedKeys(keys) {
		r := counterRow{Spec: sv.Name(), Anchor: sv.Anchor, Key: k, Before: "—", After: "—", Delta: ""}
		b, okb := c.Before[k]
		a, oka := c.After[k]
		if okb {
			r.Before = strconv.Itoa(b)
		}
		if oka {
			r.After = strconv.Itoa(a)
		}
		if okb && oka && a != b {
			r.Changed = true
			r.Delta = fmt.Sprintf("%+d", a-b)
		}
		out = append(out, r)
	}
	return out
}

func traceOf(sv specView, o HTMLOptions) traceView {
	tv := traceView{Spec: sv, More: sv.TraceOmitted}
	var t0 time.Time
	for i, e := range sv.Trace {
		if i >= o.MaxTraceRows {
			tv.More += len(sv.Trace) - i
			break
		}
		if i == 0 {
			t0 = e.Start
		}
		tv.Entries = append(tv.Entries, entryOf(e, t0, o))
	}
	return tv
}

// entryOf is an exchange as a trace table shows it; At is relative to t0 (none if zero).
func entryOf(e reader.Entry, t0 time.Time, o HTMLOptions) entryView {
	ev := entryView{Seq: e.Seq, Op: e.Op, Object: e.Object, Command: clip(e.Command, o.MaxHexBytes), Response: clip(e.Response, o.MaxHexBytes),
		SW: e.SW, Err: e.Err, Dur: formatDuration(e.Duration), OK: e.SW == "9000" || e.Op == "RESET" && e.Err == ""}
	if !e.Start.IsZero() && !t0.IsZero() {
		ev.At = "+" + formatDuration(e.Start.Sub(t0))
	}
	ev.Redacted = redactionNote(e)
	return ev
}

func redactionNote(e reader.Entry) string {
	var parts []string
	if e.RedactedCommand != "" {
		parts = append(parts, "command: "+e.RedactedCommand)
	}
	if e.RedactedResponse != "" {
		parts = append(parts, "response: "+e.RedactedResponse)
	}
	if e.Revealed {
		parts = append(parts, "REVEALED")
	}
	return strings.Join(parts, "; ")
}

// clip shortens a hex string to n bytes, saying how long it was.
func clip(h string, n int) string {
	if strings.HasPrefix(h, "[") || len(h) <= 2*n+16 {
		return h
	}
	if i := strings.Index(h, "["); i >= 0 { // header kept, data redacted
		return h
	}
	return fmt.Sprintf("%s… (%d bytes)", h[:2*n], len(h)/2)
}

// series is one row of a chart: label on the first line, sub under it.
type series struct {
	label, sub string
	stats      Stats
	samples    []float64
}

// chart is a log-scale strip-and-box plot of durations, one row per
// command: dots are the samples, the box spans p25–p75 with the median,
// whiskers reach min and max, ticks mark p90 and p99.
type chart struct {
	W, H        int
	X0, X1      float64
	Top, Bottom float64
	Rows        []chartRow
	Ticks       []tick
	LabelX      float64
	ValueX      float64
	LegendY     float64
}

type chartRow struct {
	Label, Sub, Title, N, Median, P99  string
	Y, BoxTop, BoxH, Y0, Y1            float64
	Min, P25, Med, P75, P90, P99x, Max float64
	Points                             []point
	Stripe                             bool
	RowTop, RowH                       float64
}

type point struct{ X, Y float64 }

type tick struct {
	X     float64
	Label string
	Major bool
}

const (
	chartW       = 1000
	chartMaxLeft = 500 // the widest label column
	chartLeft    = 230
	chartRight   = 150
	rowH         = 34
	chartTop     = 12
	chartBottom  = 52
	maxPoints    = 400
)

func newChart(rows []series) *chart {
	if len(rows) == 0 {
		return nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		lo = math.Min(lo, math.Max(r.stats.Min, 1))
		hi = math.Max(hi, math.Max(r.stats.Max, 1))
	}
	dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if dhi <= dlo {
		dhi = dlo + 1
	}
	// The label column is as wide as the longest label (estimated from its characters), so
	// that none is cut off, up to half the chart; a longer label is shortened, whole in its tooltip.
	left := chartLeft
	for _, r := range rows {
		left = max(left, labelWidth(r.label, 12.5), labelWidth(r.sub, 10.5))
	}
	left = min(left, chartMaxLeft)
	c := &chart{W: chartW, X0: float64(left), X1: chartW - chartRight, Top: chartTop, LabelX: float64(left - 12), ValueX: chartW - chartRight + 14}
	c.H = chartTop + rowH*len(rows) + chartBottom
	c.Bottom = float64(chartTop + rowH*len(rows))
	c.LegendY = c.Bottom + 42
	x := func(v float64) float64 {
		v = math.Max(v, 1)
		return round1(c.X0 + (math.Log10(v)-dlo)/(dhi-dlo)*(c.X1-c.X0))
	}
	minor := dhi-dlo <= 4
	for d := dlo; d <= dhi; d++ {
		base := math.Pow(10, d)
		c.Ticks = append(c.Ticks, tick{X: x(base), Label: formatNs(base), Major: true})
		if minor && d < dhi {
			for _, m := range []float64{2, 5} {
				c.Ticks = append(c.Ticks, tick{X: x(m * base), Label: formatNs(m * base)})
			}
		}
	}
	for i, r := range rows {
		top := float64(chartTop + i*rowH)
		y := top + rowH/2
		title := r.label
		if r.sub != "" {
			title += " — " + r.sub
		}
		cr := chartRow{Label: fitLabel(r.label, 12.5, left), Sub: fitLabel(r.sub, 10.5, left), Title: title, N: "n=" + strconv.Itoa(r.stats.N), Median: formatNs(r.stats.Median), P99: formatNs(r.stats.P99),
			Y: y, BoxTop: y - 7, BoxH: 14, Y0: y - 5, Y1: y + 5, RowTop: top, RowH: rowH, Stripe: i%2 == 1,
			Min: x(r.stats.Min), P25: x(r.stats.P25), Med: x(r.stats.Median), P75: x(r.stats.P75), P90: x(r.stats.P90), P99x: x(r.stats.P99), Max: x(r.stats.Max)}
		step := 1
		if len(r.samples) > maxPoints {
			step = (len(r.samples) + maxPoints - 1) / maxPoints
		}
		for j := 0; j < len(r.samples); j += step {
			// Deterministic jitter (golden-ratio sequence) spreads the dots over the row.
			jit := math.Mod(float64(j)*0.6180339887, 1) - 0.5
			cr.Points = append(cr.Points, point{X: x(r.samples[j]), Y: round1(y + jit*20)})
		}
		c.Rows = append(c.Rows, cr)
	}
	return c
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// labelWidth estimates the width in the SVG's units of a label in a sans-serif font of the given
// size, plus the gap to the plot: 0.6 em per Latin character, 1 em per wide (CJK) one.
func labelWidth(s string, size float64) int {
	w := 0.0
	for _, r := range s {
		if r >= 0x1100 {
			w += size
		} else {
			w += 0.6 * size
		}
	}
	return int(math.Ceil(w)) + 24
}

// fitLabel shortens a label that does not fit a label column of width left.
func fitLabel(s string, size float64, left int) string {
	for r := []rune(s); labelWidth(string(r), size) > left && len(r) > 1; {
		r = r[:len(r)-1]
		if labelWidth(string(r)+"…", size) <= left {
			return string(r) + "…"
		}
	}
	return s
}
