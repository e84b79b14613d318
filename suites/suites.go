// Package suites holds taimen's conformance suites and what they share: the
// target every spec runs against, the spec declaration that carries a stable
// ID, labels and catalogue entry, and the runner used by both `go test` and
// the taimen binary.
//
// The specs live in ordinary files of the area packages (reads, checkcodes,
// counters, timing, robustness, securemessaging), so that importing an area
// declares its specs; Register declares the suite-level setup exactly once.
package suites

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/suites/target"
)

// Targets says which targets a spec applies to.
type Targets uint8

// Target sets.
const (
	AllTargets   Targets = iota // emulator, vpcd and a physical card
	EmulatedOnly                // the emulator in-process or behind vpcd: needs power-cut, restart or a fresh card
)

func (t Targets) String() string {
	if t == EmulatedOnly {
		return "emulator, vpcd"
	}
	return "emulator, vpcd, physical"
}

// Meta describes one spec for labels, the catalogue and reports.
type Meta struct {
	ID          string // stable, e.g. "RD-001"
	Title       string
	Area        string // reads, checkcodes, counters, timing, robustness, sm
	App         string // surface, text, jpki, common, juki, card
	Checks      string // what it checks
	Expect      string // the expected result
	Targets     Targets
	Destructive bool // can lock a counter or spend it to its last tries
	// SpendsTry is the most tries the spec spends of one key before it restores them with the
	// right code (label spends-try). Such a spec is not destructive: on a physical card it runs
	// under the floor guard, and NeedTries skips it when the card has too few tries left.
	SpendsTry int
	Durable   bool // needs a card whose state survives restarts
	// PowerCut: the card loses power mid-command (label power-cut). Behind vpcd the card then
	// leaves the reader for about a second (vpcd.CardAbsence), so pcscd sees it go.
	PowerCut bool
}

// Labels returns the Ginkgo labels of the spec.
func (m Meta) Labels() Labels {
	l := Labels{m.Area, m.App}
	if m.Destructive {
		l = append(l, "destructive")
	}
	if m.SpendsTry > 0 {
		l = append(l, "spends-try")
	}
	if m.Targets == EmulatedOnly {
		l = append(l, "emulated-only")
	}
	if m.PowerCut {
		l = append(l, "power-cut")
	}
	return l
}

var (
	catMu     sync.Mutex
	catalogue = map[string]Meta{}
)

// Catalogue returns every spec declared so far, by ID.
func Catalogue() []Meta {
	catMu.Lock()
	defer catMu.Unlock()
	out := make([]Meta, 0, len(catalogue))
	for _, m := range catalogue {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Meta) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Spec declares one spec: a Ginkgo It named "ID title" with the spec's labels,
// which opens a fresh card (on emulated targets), skips what the target
// cannot or must not run, and hands the card to body.
func Spec(m Meta, body func(ctx context.Context, c *target.Card)) bool {
	catMu.Lock()
	if prev, dup := catalogue[m.ID]; dup && prev.Title != m.Title {
		catMu.Unlock()
		panic(fmt.Sprintf("suites: spec ID %s used twice (%q, %q)", m.ID, prev.Title, m.Title))
	}
	catalogue[m.ID] = m
	catMu.Unlock()
	if !runShard.Has(m.ID) {
		return false // another shard's (SetShard): catalogued, not declared to Ginkgo
	}
	return It(m.ID+" "+m.Title, m.Labels(), func(ctx SpecContext) {
		t := Current()
		skipMissingApp(m, t) // suites/forms.go
		if m.Targets == EmulatedOnly && t.Physical() {
			Skip("needs an emulated card")
		}
		if m.Destructive && !t.AllowDestructive() {
			Skip("destructive: not run on a physical card without --allow-destructive")
		}
		if why := absentApp(m.App); why != "" {
			Skip(why) // generation.go
		}
		var c *target.Card
		DeferCleanup(func() { // runs last: after the counters are read and restored
			if c != nil {
				AddReportEntry(EntryAPDUs, ReportEntryVisibilityNever, c.APDUs())
			}
		})
		c, err := t.Card(ctx, target.CardOptions{Durable: m.Durable})
		if err != nil {
			Fail(fmt.Sprintf("open the card: %v", err))
		}
		DeferCleanup(c.Close)
		// The counters before and after, for the report: the emulated card's own, which costs no
		// APDU (the specs that check counters read them with empty VERIFYs and compare the two).
		// None on a physical card: a read is about 17 APDUs, the specs that spend a try read what
		// they check, the floor guard restores what they spent, and the run checks every counter
		// before its first spec and after its last.
		before := emulatedTries(c)
		tr := c.TraceAll()
		DeferCleanup(func() {
			AddReportEntry(EntryTrace, ReportEntryVisibilityNever, tr.Entries())
			AddReportEntry(EntryTraceDigest, ReportEntryVisibilityNever, tr.Digest())
			if before == nil {
				return
			}
			AddReportEntry(EntryCounter, ReportEntryVisibilityNever, map[string]map[string]int{"before": before, "after": emulatedTries(c)})
		})
		AddReportEntry(EntryTarget, ReportEntryVisibilityNever, t.Info())
		body(ctx, c)
	})
}

// emulatedTries returns an emulated card's counters as the card keeps them, nil on a physical card.
func emulatedTries(c *target.Card) map[string]int {
	if emu := c.Emulated(); emu != nil {
		return emu.Tries()
	}
	return nil
}

// readCounters reads every counter of the target's card without spending a try.
func readCounters(ctx context.Context, t *target.Target) (map[string]int, error) {
	c, err := t.Card(ctx, target.CardOptions{})
	if err != nil {
		return nil, err
	}
	m, err := c.Tries(ctx)
	return m, errors.Join(err, c.Close())
}

// Report entry names the specs attach (the reports package reads them).
const (
	EntryTarget  = "taimen-target"   // map[string]string: kind, reader, profile
	EntryTrace   = "taimen-trace"    // []reader.Entry: the spec's APDU trace, redacted
	EntryTiming  = "taimen-timing"   // gmeasure experiments are attached by the timing area
	EntryCounter = "taimen-counters" // map[string]int before/after
	EntryAPDUs   = "taimen-apdus"    // int: the APDUs the spec sent to the card, counters and restores included
	// EntryRunCounters is the run's account of a physical card's counters (RunCounters),
	// attached to the suite's last node.
	EntryRunCounters = "taimen-run-counters"
)

// EntryTraceDigest is the whole trace's count, bytes and time (reader.TraceDigest): the trace
// itself keeps only the most recent exchanges.
const EntryTraceDigest = "taimen-trace-digest"

// RunCounters is what a run did to a physical card's retry counters: every counter read before
// the first spec and after the last, and the fewest tries the floor guard let each key it
// spent reach. A run passes only when After equals Before.
type RunCounters struct {
	Floor  int            `json:"floor"`
	Before map[string]int `json:"before"`
	After  map[string]int `json:"after"`
	Lowest map[string]int `json:"lowest,omitempty"`
}

var (
	cfg     target.Config
	current *target.Target
	start   map[string]int // a physical card's counters before the first spec
)

// Configure sets the target configuration before the suite runs.
func Configure(c target.Config) { cfg = c }

// Current returns the target opened by the suite setup.
func Current() *target.Target {
	if current == nil {
		Fail("no target: the suite runner must call suites.Register")
	}
	return current
}

var setupErr error // what stopped the suite's setup before any spec ran

// SetupError returns what stopped the suite's setup before any spec ran — the target could
// not be opened, or its preflight (target.Target.Preflight) failed — or nil. The runner then
// reports that one error instead of a run of specs that never ran.
func SetupError() error { return setupErr }

func stopSetup(err error) {
	setupErr = err
	Fail(err.Error())
}

// neededCodes are the kinds of code the specs this run selects present (target.SecretKindsFor
// their applications).
func neededCodes(t *target.Target) []myna.SecretKind {
	filter := GinkgoLabelFilter()
	seen := map[myna.SecretKind]bool{}
	var out []myna.SecretKind
	for _, m := range Catalogue() {
		if m.Targets == EmulatedOnly && t.Physical() || m.Destructive && !t.AllowDestructive() {
			continue
		}
		if filter != "" && !m.Labels().MatchesLabelFilter(filter) {
			continue
		}
		for _, k := range target.SecretKindsFor(m.App) {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// Register declares the suite-level setup: open the target before the first
// spec (in every parallel process) and close it after the last. Call it once,
// before RunSpecs.
func Register() bool {
	BeforeSuite(func(ctx SpecContext) {
		setupErr = nil
		t, err := target.Open(ctx, cfg)
		if err != nil {
			stopSetup(&target.SetupError{Cause: fmt.Sprintf("open the target %s: %v", cfg.Spec, err), Fix: "see README (Conformance runs) for what each target needs", Err: err})
		}
		current = t
		var se *target.SetupError
		if err := t.Preflight(ctx, neededCodes(t)); errors.As(err, &se) {
			stopSetup(err)
		} else if err != nil {
			Fail(err.Error())
		}
		if t.Physical() {
			start, err = readCounters(ctx, t)
			if err != nil {
				Fail(fmt.Sprintf("read the card's counters before the first spec: %v", err))
			}
		}
	}, NodeTimeout(60_000_000_000))
	AfterSuite(func(ctx SpecContext) {
		if current == nil {
			return
		}
		var problem string
		if start != nil {
			after, err := readCounters(ctx, current)
			AddReportEntry(EntryRunCounters, ReportEntryVisibilityNever,
				RunCounters{Floor: current.Floor(), Before: start, After: after, Lowest: current.Lowest()})
			switch d := cmp.Diff(start, after); {
			case err != nil:
				problem = fmt.Sprintf("read the card's counters after the last spec: %v", err)
			case d != "":
				problem = fmt.Sprintf("the run left the card's counters other than it found them (-before +after):\n%s", d)
			}
		}
		if err := current.Close(); err != nil {
			Fail(fmt.Sprintf("close target: %v", err))
		}
		if problem != "" {
			Fail(problem)
		}
	}, NodeTimeout(60_000_000_000))
	return true
}
