// Package all runs every conformance area from a plain program: the taimen
// binary's `run` and `catalogue` commands. It configures the target,
// registers the suite setup, and calls Ginkgo's RunSpecs with an explicit
// configuration (Ginkgo accepts any value with a Fail method as its testing
// T, so no `go test` is involved), then writes the reports from a
// ReportAfterSuite node.
//
// RunSpecs may be called once per process: Run and Catalogue are
// exclusive, and a second call returns ErrAlreadyRan.
package all

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
	"github.com/taimen-dev/taimen/reports"
	"github.com/taimen-dev/taimen/shard"
	"github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
	"github.com/taimen-dev/taimen/suites/timing"
	"github.com/taimen-dev/taimen/vectors"
)

// SuiteName is the Ginkgo suite description of a run.
const SuiteName = "taimen conformance"

// RunConfig configures a run.
type RunConfig struct {
	// Target is the card to run against (Spec "" reads TAIMEN_TARGET, then emulator).
	Target target.Config
	// LabelFilter selects specs (Ginkgo's label-filter syntax). On a physical
	// card without AllowDestructive, "!destructive" is added.
	LabelFilter string
	// OutDir receives the reports (created if missing).
	OutDir string
	// Version is the tool version recorded in the reports.
	Version string
	// Console receives Ginkgo's progress and failures (nil: os.Stdout),
	// scrubbed of the target's secrets; a copy without colour codes goes to
	// console.log in OutDir.
	Console io.Writer
	// Color turns on colour codes on Console.
	Color bool
	// Live says Console is a terminal: progress is a status line redrawn in place there, not a
	// line every few specs.
	Live bool
	// Verbose prints one line per spec as it finishes.
	Verbose bool
	// FailFast stops the run at the first failed spec; the rest are reported as not run.
	FailFast bool
	// TraceAll keeps every spec's APDU trace in the reports, not only the failed specs'.
	TraceAll bool
	// Shard runs only this part of the specs (shard.Shard; the zero value runs them all) and
	// marks the reports with it, for reports.Merge.
	Shard shard.Shard
	// ReportTime, if set, receives how long writing the reports took.
	ReportTime *time.Duration
}

// ErrAlreadyRan is returned when the suites already ran in this process.
var ErrAlreadyRan = errors.New("the suites already ran in this process (Ginkgo runs once per process)")

var (
	ranMu sync.Mutex
	ran   bool
)

func claim() error {
	ranMu.Lock()
	defer ranMu.Unlock()
	if ran {
		return ErrAlreadyRan
	}
	ran = true
	return nil
}

// failT is the testing T Ginkgo wants: it only records that the suite failed.
type failT struct{ failed bool }

func (t *failT) Fail() { t.failed = true }

// ansiEscape matches an ANSI SGR sequence (colour, bold, underline).
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// EffectiveFilter is the label filter a run uses.
func EffectiveFilter(cfg RunConfig) (string, error) {
	kind, _, err := target.ParseSpec(targetSpec(cfg.Target))
	if err != nil {
		return "", err
	}
	f := strings.TrimSpace(cfg.LabelFilter)
	if kind == target.PCSC && !cfg.Target.AllowDestructive {
		if f == "" {
			f = "!destructive"
		} else {
			f = "(" + f + ") && !destructive"
		}
	}
	if _, err := types.ParseLabelFilter(f); err != nil {
		// Ginkgo's message carries ANSI colours for its own console: plain text here, since it
		// goes to logs and files as often as to a terminal.
		msg := strings.Join(strings.Fields(ansiEscape.ReplaceAllString(err.Error(), "")), " ")
		return "", fmt.Errorf("label filter %q: %s", cfg.LabelFilter, msg)
	}
	return f, nil
}

func targetSpec(c target.Config) string {
	if c.Spec != "" {
		return c.Spec
	}
	if c.Getenv != nil {
		return c.Getenv(target.EnvTarget)
	}
	return os.Getenv(target.EnvTarget)
}

// Run runs every area against cfg.Target and writes the reports into
// cfg.OutDir. passed is false when a spec or the suite setup failed; err is
// set when the run could not start or its reports could not be written, and is
// suites.SetupError (a *target.SetupError, no report written) when the suite's
// setup stopped the run before any spec.
func Run(cfg RunConfig) (passed bool, err error) {
	filter, err := EffectiveFilter(cfg)
	if err != nil {
		return false, err
	}
	if cfg.OutDir == "" {
		return false, errors.New("no output directory")
	}
	_, statErr := os.Stat(cfg.OutDir)
	createdOut := errors.Is(statErr, os.ErrNotExist)
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return false, err
	}
	if err := claim(); err != nil {
		return false, err
	}
	tcfg := cfg.Target
	if tcfg.Getenv == nil {
		tcfg.Getenv = os.Getenv
	}
	if tcfg.Spec == "" {
		tcfg.Spec = tcfg.Getenv(target.EnvTarget)
	}
	info, secrets, err := describe(tcfg)
	if err != nil {
		return false, err
	}
	scrub := reports.NewScrubber(secrets...)

	// Console: scrubbed, and copied without colour codes into console.log.
	console := cfg.Console
	if console == nil {
		console = os.Stdout
	}
	logf, err := os.Create(filepath.Join(cfg.OutDir, reports.FileConsole))
	if err != nil {
		return false, err
	}
	defer logf.Close()
	out := scrub.Writer(io.MultiWriter(console, &stripANSI{w: logf}))
	defer out.Flush()
	// Ginkgo's own reporter is silenced: progress speaks for the run while it runs.
	prevOut := formatter.ColorableStdOut
	formatter.ColorableStdOut = io.Discard
	defer func() { formatter.ColorableStdOut = prevOut }()
	var term io.Writer
	if cfg.Live {
		term = console
	}
	prog := newProgress(out, term, scrub, cfg.Verbose, cfg.Color)
	defer prog.end()

	suites.Configure(tcfg)
	suites.SetShard(cfg.Shard)
	suites.Register()
	ginkgo.ReportBeforeSuite(prog.start)
	ginkgo.ReportBeforeEach(prog.willRun)
	ginkgo.ReportAfterEach(prog.didRun)
	ginkgo.ReportAfterSuite("taimen progress", func(r types.Report) {
		for _, sr := range r.SpecReports {
			if sr.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) && sr.Failed() && suites.SetupError() == nil {
				prog.suiteFailed(sr)
			}
		}
		prog.end()
	})
	var reportErr error
	ginkgo.ReportAfterSuite("taimen reports", func(r types.Report) {
		if suites.SetupError() != nil {
			return // no spec ran: no report of specs that never ran
		}
		start := time.Now()
		if cfg.ReportTime != nil {
			defer func() { *cfg.ReportTime = time.Since(start) }()
		}
		_, reportErr = reports.WriteAll(cfg.OutDir, r, scrub, reports.Options{
			Tool:      reports.Tool{Name: "taimen", Version: cfg.Version, Go: runtime.Version(), Ginkgo: types.VERSION},
			Target:    info,
			Lookup:    lookupIn(suites.Catalogue()),
			Behaviour: behaviourAnswers(tcfg),
			TraceAll:  cfg.TraceAll,
			Shard:     shardInfo(cfg.Shard, filter),
		})
	})

	sc, rc := types.NewDefaultSuiteConfig(), types.NewDefaultReporterConfig()
	sc.LabelFilter = filter
	sc.FailFast = cfg.FailFast
	sc.Timeout = 6 * time.Hour
	rc.NoColor = !cfg.Color
	rc.Succinct = !cfg.Verbose
	rc.Verbose = cfg.Verbose
	rc.SilenceSkips = !cfg.Verbose
	gomega.RegisterFailHandler(humanFail)
	t := &failT{}
	passed = ginkgo.RunSpecs(t, SuiteName, sc, rc)
	if err := suites.SetupError(); err != nil {
		// Nothing ran: leave no console.log, and no report directory this run made.
		out.Flush()
		logf.Close()
		os.Remove(logf.Name())
		if createdOut {
			os.Remove(cfg.OutDir)
		}
		return false, err
	}
	if reportErr != nil {
		return false, fmt.Errorf("write reports: %w", reportErr)
	}
	return passed && !t.failed, nil
}

// humanFail is Ginkgo's Fail with the message written for people (reports.Humanize): byte
// slices in hex, no pointer addresses, an error without the dump of its fields, on the console
// and in every report alike.
func humanFail(message string, callerSkip ...int) {
	skip := 1 // this function
	if len(callerSkip) > 0 {
		skip += callerSkip[0]
	}
	ginkgo.Fail(reports.Humanize(message), skip)
}

// lookupIn finds a spec's catalogue entry in ms (indexed once: a run looks up every spec).
func lookupIn(ms []suites.Meta) func(id string) (reports.SpecMeta, bool) {
	byID := make(map[string]reports.SpecMeta, len(ms))
	for _, m := range ms {
		byID[m.ID] = reports.SpecMeta{ID: m.ID, Title: m.Title, Area: m.Area, App: m.App, Checks: m.Checks, Expect: m.Expect}
	}
	return func(id string) (reports.SpecMeta, bool) {
		m, ok := byID[id]
		return m, ok
	}
}

// Catalogue declares every spec without running any (a Ginkgo dry run) and
// returns their metadata, by ID.
func Catalogue() ([]suites.Meta, error) {
	if err := claim(); err != nil {
		return nil, err
	}
	sc, rc := types.NewDefaultSuiteConfig(), types.NewDefaultReporterConfig()
	sc.DryRun = true
	rc.Succinct = true
	rc.NoColor = true
	rc.SilenceSkips = true
	prevOut := formatter.ColorableStdOut
	formatter.ColorableStdOut = io.Discard
	defer func() { formatter.ColorableStdOut = prevOut }()
	gomega.RegisterFailHandler(ginkgo.Fail)
	t := &failT{}
	if !ginkgo.RunSpecs(t, SuiteName+" (catalogue)", sc, rc) || t.failed {
		return nil, errors.New("the dry run failed")
	}
	return suites.Catalogue(), nil
}

// describe returns what the reports say of the target before any spec runs
// (kind, reader, ATR, profile ID) and the values that must never appear in
// a report: the emulated card's secrets and personal data, or the codes of a
// physical card given in the environment.
func describe(c target.Config) (reports.Target, []string, error) {
	kind, sel, err := target.ParseSpec(c.Spec)
	if err != nil {
		return reports.Target{}, nil, err
	}
	info := reports.Target{Kind: string(kind), Reader: sel}
	if kind == target.PCSC {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if rs, err := pcsc.Readers(ctx); err == nil {
			pick := pcsc.ParseSelector(sel)
			if pick == nil {
				pick = firstWithCard
			}
			if r, err := pick(rs); err == nil {
				info.Reader, info.ATR = r.Name, r.ATR
			}
		}
		return info, physicalSecrets(c.Getenv), nil
	}
	p, err := vectors.LoadProfile(c.ProfilePath())
	if err != nil {
		return reports.Target{}, nil, err
	}
	info.Profile = p.ID
	if atr := p.Card.Form.ATR(); len(atr) > 0 { // a phone's token presents its form's ATR
		info.ATR = reader.HexUpper(atr)
	} else if atr := p.Card.ATR(); len(atr) > 0 {
		info.ATR = reader.HexUpper(atr)
	} else if card, err := emulator.New(p, emulator.Options{}); err == nil {
		info.ATR = reader.HexUpper(card.ATR())
	}
	return info, ProfileSecrets(p), nil
}

func firstWithCard(rs []pcsc.ReaderStatus) (pcsc.ReaderStatus, error) {
	for _, r := range rs {
		if r.CardPresent {
			return r, nil
		}
	}
	return pcsc.ReaderStatus{}, errors.New("no card")
}

// ProfileSecrets lists the secrets and personal data of a profile as they
// could appear in text: codes and PINs, the individual number, name,
// address, birth date (YYYYMMDD, YYYY-MM-DD and the era form), expiry, the
// security code and the issuing municipality's code.
func ProfileSecrets(p *myna.Profile) []string {
	out := []string{p.CheckCodeA().Reveal(), p.CheckCodeB().Reveal(), p.BirthDateKey().Reveal(), p.TextPIN().Reveal(),
		p.AuthPIN().Reveal(), p.SignPassword().Reveal(), p.JukiPIN().Reveal(),
		p.Person.Name, p.Person.Address, p.Person.BirthDateDigits(), p.Card.ExpiryDigits(), p.Card.SecurityCode,
		p.Person.MunicipalityCode}
	if l := p.Licence; l != nil && l.PINSet() { // "****" is no secret
		out = append(out, l.PIN().Reveal(), l.Number)
	}
	if d, err := time.Parse("20060102", p.Person.BirthDateDigits()); err == nil {
		out = append(out, d.Format("2006-01-02"))
		if e, err := myna.ToEra(d); err == nil {
			out = append(out, e.String())
		}
	}
	return nonEmpty(out)
}

// physicalSecrets lists the codes of a physical card given in the environment.
func physicalSecrets(getenv func(string) string) []string {
	var out []string
	for _, k := range []myna.SecretKind{myna.SecretCheckCodeA, myna.SecretCheckCodeB, myna.SecretTextPIN, myna.SecretAuthPIN, myna.SecretSignPassword, myna.SecretLicencePIN} {
		if s, ok, err := reader.SecretFromEnv(getenv, k, false); err == nil && ok && s.Reveal() != myna.LicencePINNotSet {
			out = append(out, s.Reveal())
			if b, ok := s.(myna.CheckCodeB); ok {
				out = append(out, b.BirthDateKey().Reveal())
			}
		}
	}
	for _, name := range []string{reader.EnvBirthDate, reader.EnvSecurityCode} {
		out = append(out, getenv(name))
	}
	return nonEmpty(out)
}

func nonEmpty(xs []string) []string {
	out := xs[:0]
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// stripANSI drops colour codes (writes come from the line-buffered scrubber,
// so a code is never split).
type stripANSI struct{ w io.Writer }

func (s *stripANSI) Write(p []byte) (int, error) {
	if _, err := s.w.Write(ansi.ReplaceAll(p, nil)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// behaviourAnswers lists, for a physical card, each behaviour question with the answer the
// specs expect and its source: discovered (run --behaviour) or taimen's default. Emulated
// cards have none: their profile declares every answer. plain_latency_ms is listed only when
// given (it has no default: CARD.md's bounds apply), with the timing bound it gave.
func behaviourAnswers(c target.Config) []reports.BehaviourAnswer {
	if kind, _, err := target.ParseSpec(c.Spec); err != nil || kind != target.PCSC {
		return nil
	}
	b := myna.DefaultBehaviour()
	if c.Discovered != nil {
		b = c.Discovered.Behaviour
	}
	out := make([]reports.BehaviourAnswer, 0, len(myna.BehaviourFields))
	for _, f := range myna.BehaviourFields {
		if f == "protected_read" {
			continue // CARD.md settles it: 6982
		}
		v := b.Answer(f)
		if f == "plain_latency_ms" {
			if v == "" {
				continue
			}
			v += fmt.Sprintf(" (timing bound %v for SELECT, empty VERIFY, GET CHALLENGE)", timing.DiscoveredBound(time.Duration(b.PlainLatencyMS)*time.Millisecond))
		}
		out = append(out, reports.BehaviourAnswer{Field: f, Value: v, Source: target.SourceOf(c, nil, f)})
	}
	return out
}

// shardInfo marks a shard's reports with its place in the split and the whole run's spec set
// (every catalogued spec: the catalogue is complete once Ginkgo has built the tree).
func shardInfo(s shard.Shard, filter string) *reports.ShardInfo {
	if s.Total == 0 {
		return nil
	}
	ids := suites.SpecIDs()
	return &reports.ShardInfo{Index: s.Index, Total: s.Total, SpecSet: shard.SpecSet(ids, filter), SpecIDs: ids}
}
