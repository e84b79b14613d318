package all

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/taimen-dev/taimen/reports"
)

// Progress counts specs that ran (not those the filter left out), estimates the time left
// from the pace so far, prints failures at once, and redacts both its lines and the status line.
func TestProgress(t *testing.T) {
	const secret = "55021720354821"
	scrub := reports.NewScrubber(secret)
	var lines, term bytes.Buffer
	lw := scrub.Writer(&lines)
	clock := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	p := newProgress(lw, &term, scrub, false, false)
	p.now = func() time.Time { return clock }
	p.total = 4
	p.begin = clock
	spec := func(text string, state types.SpecState, msg string) types.SpecReport {
		return types.SpecReport{LeafNodeText: text, State: state, Failure: types.Failure{Message: msg}}
	}
	p.drawStatus("setting up a card whose code is " + secret)
	p.didRun(spec("XX-999 filtered out", types.SpecStateSkipped, ""))
	p.willRun(spec("RD-001 reads "+secret, types.SpecStateInvalid, ""))
	if !strings.HasSuffix(term.String(), "RD-001  0/4 specs: 0 passed, 0 failed — 0s") {
		t.Errorf("status line %q", term.String())
	}
	clock = clock.Add(10 * time.Second)
	p.didRun(spec("RD-001 reads", types.SpecStatePassed, ""))
	p.didRun(spec("RD-002 fails", types.SpecStateFailed, "the card answered "+secret))
	if got := p.counts(); got != "2/4 specs: 1 passed, 1 failed — 10s, about 10s left" {
		t.Errorf("counts %q", got)
	}
	lw.Flush()
	if !strings.Contains(lines.String(), "FAIL  RD-002 fails") || !strings.Contains(lines.String(), "the card answered [redacted]") {
		t.Errorf("lines:\n%s", lines.String())
	}
	for name, s := range map[string]string{"lines": lines.String(), "status": term.String()} {
		if strings.Contains(s, secret) {
			t.Errorf("%s hold the secret: %q", name, s)
		}
	}
	// Off a terminal: a line every ProgressEvery specs and at the last.
	lines.Reset()
	q := newProgress(lw, nil, scrub, false, false)
	q.total = ProgressEvery + 1
	for i := range q.total {
		q.didRun(spec("RD-001 reads", types.SpecStatePassed, ""))
		if n := strings.Count(lines.String(), "specs:"); (i+1 < ProgressEvery && n != 0) || (i+1 == ProgressEvery && n != 1) {
			t.Fatalf("after %d specs, %d lines", i+1, n)
		}
	}
	if n := strings.Count(lines.String(), "specs:"); n != 2 {
		t.Errorf("%d lines for %d specs:\n%s", n, q.total, lines.String())
	}
}
