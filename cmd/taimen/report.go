package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/taimen-dev/taimen/reports"
)

// cmdReport re-renders a run's HTML report from its saved JSON, or compares two runs.
func cmdReport(_ context.Context, args []string, e env) int {
	if len(args) > 0 {
		switch args[0] {
		case "merge":
			return cmdReportMerge(args[1:], e)
		case "matrix":
			return cmdReportMatrix(args[1:], e)
		}
	}
	fset := newFlagSet("report", e)
	in := fset.String("in", "", "a run's report directory (or its summary.json)")
	html := fset.String("html", "", "with --in: write the HTML here (default DIR/report.html)")
	diff := fset.Bool("diff", false, "compare two runs: taimen report --diff OLD NEW (directories or summary.json files)")
	if code, ok := parseFlags(fset, args); !ok {
		return code
	}
	switch {
	case *diff:
		if *in != "" || *html != "" || fset.NArg() != 2 {
			return exitCode(e, usagef("report --diff takes two runs: OLD NEW"))
		}
		return reportDiff(e, fset.Arg(0), fset.Arg(1))
	case *in != "":
		if fset.NArg() > 0 {
			return exitCode(e, usagef("report: unexpected argument %q", fset.Arg(0)))
		}
		return reportRender(e, *in, *html)
	}
	fmt.Fprintln(e.stderr, "taimen report: give --in DIR, or --diff OLD NEW")
	fset.Usage()
	return exitUsage
}

// loadRun reads a run's summary; a run directory without one is summarized
// from Ginkgo's JSON report.
func loadRun(path string) (*reports.Summary, error) {
	s, err := reports.Load(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	g := filepath.Join(path, reports.FileGinkgo)
	if _, serr := os.Stat(g); serr != nil {
		return nil, err
	}
	r, gerr := reports.ReadGinkgo(g)
	if gerr != nil {
		return nil, gerr
	}
	return reports.Build(r, reports.Options{Tool: reports.Tool{Name: "taimen", Version: version}}), nil
}

func reportRender(e env, in, html string) int {
	s, err := loadRun(in)
	if err != nil {
		return exitCode(e, err)
	}
	if html == "" {
		dir := in
		if st, err := os.Stat(in); err == nil && !st.IsDir() {
			dir = filepath.Dir(in)
		}
		html = filepath.Join(dir, reports.FileHTML)
	}
	if err := reports.WriteHTML(html, s); err != nil {
		return exitCode(e, err)
	}
	fmt.Fprintln(e.stdout, verdictLine(s))
	fmt.Fprintf(e.stdout, "  %-8s %s\n", "report", html)
	return exitOK
}

func reportDiff(e env, oldPath, newPath string) int {
	old, err := loadRun(oldPath)
	if err != nil {
		return exitCode(e, err)
	}
	cur, err := loadRun(newPath)
	if err != nil {
		return exitCode(e, err)
	}
	fmt.Fprintf(e.stdout, "old: %s\nnew: %s\n", verdictLine(old), verdictLine(cur))
	for _, w := range reports.Warnings(old, cur) {
		fmt.Fprintf(e.stdout, "warning: %s: specs may differ for that reason, not from a change of the card\n", w)
	}
	fmt.Fprintln(e.stdout)
	worse, err := reports.WriteDiff(e.stdout, reports.Diff(old, cur))
	if err != nil {
		return exitCode(e, err)
	}
	if worse > 0 {
		return exitError
	}
	return exitOK
}
