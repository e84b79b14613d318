package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"

	"github.com/onsi/ginkgo/v2/types"
)

// Files are the paths of a run's reports.
type Files struct {
	Dir, Ginkgo, JUnit, Summary, HTML string
}

// FilesIn names the reports in dir.
func FilesIn(dir string) Files {
	return Files{Dir: dir, Ginkgo: filepath.Join(dir, FileGinkgo), JUnit: filepath.Join(dir, FileJUnit),
		Summary: filepath.Join(dir, FileSummary), HTML: filepath.Join(dir, FileHTML)}
}

// WriteAll writes every report of r into dir: the summary (each trace written once, there),
// Ginkgo's JSON (its traces replaced by references into the summary), JUnit XML and the HTML,
// all from the summary but Ginkgo's JSON. s (nil: none) scrubs them: each file's text is
// scanned once, and only a file in which it finds something is scrubbed value by value.
// It returns the summary.
func WriteAll(dir string, r types.Report, s *Scrubber, o Options) (*Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f := FilesIn(dir)
	sum := Build(r, o)
	// Ginkgo's JSON, the largest to encode, on another core while the summary is made.
	type encoded struct {
		b   []byte
		n   int
		err error
	}
	done := make(chan encoded, 1)
	go func() {
		b, n, err := ginkgoJSON(withTraceRefs(r, sum), s)
		done <- encoded{b, n, err}
	}()
	var b bytes.Buffer
	if err := sum.Write(&b); err != nil {
		return nil, err
	}
	clean := s.jsonClean(b.Bytes())
	// JUnit and HTML from the summary, on this core while Ginkgo's JSON encodes on the other;
	// rendered again below in the rare case that the summary or the JSON needed scrubbing.
	var junit, html bytes.Buffer
	render := func() error {
		junit.Reset()
		html.Reset()
		return errors.Join(WriteJUnit(&junit, sum), RenderHTML(&html, sum, HTMLOptions{}))
	}
	var rerr error
	if clean {
		rerr = render() // sum.Scrubbed is o.Scrubbed (Build), as it stays when nothing is scrubbed
	}
	g := <-done
	if g.err != nil {
		return nil, g.err
	}
	ginkgo, m := g.b, g.n
	sum.Scrubbed = o.Scrubbed + m
	summary := b.Bytes()
	if !clean || m > 0 {
		// Scrub the summary in place (it then counts the most values removed from one file).
		n := s.Scrub(sum)
		sum.Scrubbed = o.Scrubbed + max(n, m)
		b.Reset()
		if err := sum.Write(&b); err != nil {
			return nil, err
		}
		summary = b.Bytes()
		rerr = render()
	}
	if rerr != nil {
		return sum, rerr
	}
	errs := []error{
		os.WriteFile(f.Summary, summary, 0o644),
		os.WriteFile(f.Ginkgo, ginkgo, 0o644),
		os.WriteFile(f.JUnit, junit.Bytes(), 0o644),
		os.WriteFile(f.HTML, html.Bytes(), 0o644),
	}
	return sum, errors.Join(errs...)
}

// ginkgoJSON encodes r as Ginkgo's JSON report (compact), scrubbed through a JSON walk only
// when its text holds a known value, and says how many values it removed.
func ginkgoJSON(r types.Report, s *Scrubber) ([]byte, int, error) {
	b, err := json.Marshal([]types.Report{r})
	if err != nil {
		return nil, 0, err
	}
	if s.jsonClean(b) {
		return append(b, '\n'), 0, nil
	}
	clean, n, err := s.Report(r)
	if err != nil {
		return nil, 0, err
	}
	b, err = json.Marshal([]types.Report{clean})
	return append(b, '\n'), n, err
}

// WriteSummary writes the summary to a file.
func WriteSummary(path string, s *Summary) error {
	var b bytes.Buffer
	if err := s.Write(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// WriteHTML renders the HTML report of s into a file.
func WriteHTML(path string, s *Summary) error {
	var b bytes.Buffer
	if err := RenderHTML(&b, s, HTMLOptions{}); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
