package reports

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"github.com/onsi/ginkgo/v2/reporters"
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

// junitConfig keeps JUnit XML small: timelines (which repeat every report
// entry, traces included) only for specs that did not pass or skip.
var junitConfig = reporters.JunitReportConfig{
	OmitTimelinesForSpecState: types.SpecStatePassed | types.SpecStateSkipped | types.SpecStatePending,
}

// WriteAll scrubs r with s (nil: no scrubbing) and writes every report into
// dir: Ginkgo's JSON, JUnit XML, the summary and the HTML. It returns the summary.
func WriteAll(dir string, r types.Report, s *Scrubber, o Options) (*Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	clean, n, err := s.Report(shortenTraces(r))
	if err != nil {
		return nil, err
	}
	o.Scrubbed += n
	f := FilesIn(dir)
	sum, m, err := s.Summary(Build(clean, o))
	if err != nil {
		return nil, err
	}
	sum.Scrubbed += m
	errs := []error{
		reporters.GenerateJSONReport(clean, f.Ginkgo),
		reporters.GenerateJUnitReportWithConfig(withoutTraces(clean), f.JUnit, junitConfig),
		WriteSummary(f.Summary, sum),
		WriteHTML(f.HTML, sum),
	}
	return sum, errors.Join(errs...)
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

// shortenTraces gives the trace entries a one-line representation: Ginkgo
// otherwise stores every exchange twice (as JSON and as %+v text).
func shortenTraces(r types.Report) types.Report {
	r.SpecReports = slices.Clone(r.SpecReports)
	for i := range r.SpecReports {
		es := slices.Clone(r.SpecReports[i].ReportEntries)
		for j := range es {
			if es[j].Name != EntryTrace {
				continue
			}
			n := 0
			if v := reflect.ValueOf(es[j].Value.GetRawValue()); v.Kind() == reflect.Slice {
				n = v.Len()
			}
			es[j].Value.Representation = fmt.Sprintf("%d exchanges, redacted (the JSON is in AsJSON)", n)
		}
		r.SpecReports[i].ReportEntries = es
	}
	return r
}

// withoutTraces is r without trace entries: JUnit consumers get the results,
// the traces are in the summary and Ginkgo's JSON.
func withoutTraces(r types.Report) types.Report {
	r.SpecReports = slices.Clone(r.SpecReports)
	for i := range r.SpecReports {
		r.SpecReports[i].ReportEntries = slices.DeleteFunc(slices.Clone(r.SpecReports[i].ReportEntries),
			func(e types.ReportEntry) bool { return e.Name == EntryTrace })
	}
	return r
}
