package all

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/taimen-dev/taimen/reports"
)

// ProgressEvery is how many specs a plain (not a terminal) console waits between two progress
// lines; ProgressQuiet is the longest it stays silent while a spec runs.
const (
	ProgressEvery = 10
	ProgressQuiet = 15 * time.Second
)

// progress is the run's console while specs run, in place of Ginkgo's reporter (whose dots
// arrive only at the end of a line): on a terminal a status line redrawn in place — specs
// done/total, the current spec's ID, passed and failed so far, elapsed time and ETA — and on
// any other console a line every ProgressEvery specs (or after ProgressQuiet of silence).
// Failures are printed as they happen, and verbose prints one line per spec as it finishes.
// Every line goes through the scrubbing line writer; the status line, which has no end of line,
// is scrubbed before it is written straight to the terminal.
type progress struct {
	mu      sync.Mutex
	lines   io.Writer // complete lines: scrubbed, to the console and console.log
	term    io.Writer // the terminal for the status line; nil when the console is not one
	scrub   *reports.Scrubber
	verbose bool
	color   bool
	now     func() time.Time

	total, done, passed, failed, skipped int
	begin, last                          time.Time // first spec started; last line printed
	current                              string    // ID of the running spec
	status                               bool      // a status line is on the terminal
	stop                                 chan struct{}
	stopped                              sync.Once
}

func newProgress(lines, term io.Writer, scrub *reports.Scrubber, verbose, color bool) *progress {
	return &progress{lines: lines, term: term, scrub: scrub, verbose: verbose, color: color, now: time.Now, stop: make(chan struct{})}
}

// start is Ginkgo's ReportBeforeSuite: the number of specs that will run, and a ticker that
// keeps the elapsed time moving while a long spec runs.
func (p *progress) start(r types.Report) {
	p.mu.Lock()
	p.total = r.PreRunStats.SpecsThatWillRun
	p.begin, p.last = p.now(), p.now()
	p.drawStatus("setting up the target…")
	p.mu.Unlock()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.tick()
			}
		}
	}()
}

// end clears the status line and stops the ticker; it may be called more than once.
func (p *progress) end() {
	p.stopped.Do(func() { close(p.stop) })
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearStatus()
}

func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.term != nil && p.current != "":
		p.drawStatus("")
	case p.term == nil && p.current != "" && p.now().Sub(p.last) >= ProgressQuiet:
		p.line(fmt.Sprintf("  … %s still running (%s)", p.current, p.counts()))
	}
}

// specID is the stable ID a spec's text starts with ("RD-001 reads …" → "RD-001").
func specID(r types.SpecReport) string {
	id, _, _ := strings.Cut(r.LeafNodeText, " ")
	return id
}

// filtered reports whether Ginkgo skipped the spec without running it (label filter, fail-fast):
// a spec that called Skip has its reason in the failure message.
func filtered(r types.SpecReport) bool {
	return r.State.Is(types.SpecStateSkipped|types.SpecStatePending) && r.Failure.Message == ""
}

// willRun is Ginkgo's ReportBeforeEach.
func (p *progress) willRun(r types.SpecReport) {
	if filtered(r) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.current = specID(r)
	p.drawStatus("")
}

// didRun is Ginkgo's ReportAfterEach.
func (p *progress) didRun(r types.SpecReport) {
	if filtered(r) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.current = ""
	title := r.LeafNodeText
	switch {
	case r.State.Is(types.SpecStatePassed):
		p.passed++
		if p.verbose {
			p.line(fmt.Sprintf("  ok    %s (%s)", title, round(r.RunTime)))
		}
	case r.State.Is(types.SpecStateSkipped):
		p.skipped++
		if p.verbose {
			p.line(fmt.Sprintf("  skip  %s: %s", title, firstLine(r.Failure.Message)))
		}
	default:
		p.failed++
		p.failure(title, r)
	}
	if p.term == nil && !p.verbose && (p.done%ProgressEvery == 0 || p.done == p.total) {
		p.line("  " + p.counts())
	}
	p.drawStatus("")
}

// suiteFailed prints a failed suite-level node (BeforeSuite, AfterSuite) other than a set-up
// error, which the caller reports on its own as one line.
func (p *progress) suiteFailed(r types.SpecReport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failure("["+r.LeafNodeType.String()+"]", r)
}

func (p *progress) failure(title string, r types.SpecReport) {
	label := "FAIL"
	if p.color {
		label = "\x1b[1;31mFAIL\x1b[0m"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %s  %s (%s)\n", label, title, round(r.RunTime))
	for _, l := range strings.Split(strings.TrimRight(reports.Humanize(r.Failure.Message), "\n"), "\n") {
		fmt.Fprintf(&b, "        %s\n", l)
	}
	if loc := r.Failure.Location; loc.FileName != "" {
		fmt.Fprintf(&b, "        at %s:%d\n", filepath.Join(filepath.Base(filepath.Dir(loc.FileName)), filepath.Base(loc.FileName)), loc.LineNumber)
	}
	p.line(strings.TrimRight(b.String(), "\n"))
}

// counts is "40/104 specs: 38 passed, 2 failed, 0 skipped — 21s, about 38s left".
func (p *progress) counts() string {
	elapsed := p.now().Sub(p.begin)
	s := fmt.Sprintf("%d/%d specs: %d passed, %d failed", p.done, p.total, p.passed, p.failed)
	if p.skipped > 0 {
		s += fmt.Sprintf(", %d skipped", p.skipped)
	}
	s += " — " + round(elapsed)
	if p.done > 0 && p.done < p.total {
		left := time.Duration(float64(elapsed) / float64(p.done) * float64(p.total-p.done))
		s += ", about " + round(left) + " left"
	}
	return s
}

// line prints whole lines, above the status line on a terminal.
func (p *progress) line(s string) {
	p.clearStatus()
	io.WriteString(p.lines, s+"\n")
	p.last = p.now()
}

// drawStatus redraws the terminal's status line (msg, else the counts and the running spec).
func (p *progress) drawStatus(msg string) {
	if p.term == nil {
		return
	}
	if msg == "" {
		msg = p.counts()
		if p.current != "" {
			msg = p.current + "  " + msg
		}
	}
	msg, _ = p.scrub.String(msg)
	io.WriteString(p.term, "\r\x1b[K"+msg)
	p.status = true
}

func (p *progress) clearStatus() {
	if p.term != nil && p.status {
		io.WriteString(p.term, "\r\x1b[K")
		p.status = false
	}
}

func round(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
