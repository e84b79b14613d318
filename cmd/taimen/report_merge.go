package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/taimen-dev/taimen/reports"
)

// cmdReportMerge merges the report directories of the shards of one run (run --shard I/N) into
// one run's reports: summary.json, junit.xml and report.html.
func cmdReportMerge(args []string, e env) int {
	fs := newFlagSet("report merge", e)
	out := fs.String("out", "", "directory for the merged reports (default out/merge-YYYYMMDD-HHMMSS); must not hold reports already")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		return exitCode(e, usagef("report merge: give the report directories of every shard of the run"))
	}
	shards := make([]reports.ShardDir, 0, fs.NArg())
	for _, dir := range fs.Args() {
		sd, err := reports.LoadShard(dir)
		if err != nil {
			return exitCode(e, mergeErr(err))
		}
		shards = append(shards, sd)
	}
	sum, err := reports.Merge(shards)
	if err != nil {
		return exitCode(e, mergeErr(err))
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", "merge-"+time.Now().Format("20060102-150405"))
	}
	if err := reports.WriteMerged(dir, sum); err != nil {
		return exitCode(e, setupf("write the merged reports: %w", err))
	}
	fmt.Fprintf(e.stdout, "%s  (%d shards merged)\n", verdictLine(sum), len(shards))
	printFiles(e, reports.FilesIn(dir))
	if sum.Verdict != reports.Pass {
		return exitError
	}
	return exitOK
}

// cmdReportMatrix writes the interop matrix (card × reader × area) of complete runs.
func cmdReportMatrix(args []string, e env) int {
	fs := newFlagSet("report matrix", e)
	out := fs.String("out", "", "directory for matrix.json and matrix.html (default out/matrix-YYYYMMDD-HHMMSS)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		return exitCode(e, usagef("report matrix: give the report directories of complete runs (merged ones for sharded runs)"))
	}
	runs := make([]*reports.Summary, 0, fs.NArg())
	for _, dir := range fs.Args() {
		s, err := reports.Load(dir)
		if err != nil {
			return exitCode(e, mergeErr(fmt.Errorf("run %s: %w", dir, err)))
		}
		runs = append(runs, s)
	}
	m, err := reports.MatrixOf(runs, fs.Args())
	if err != nil {
		return exitCode(e, mergeErr(err))
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", "matrix-"+time.Now().Format("20060102-150405"))
	}
	if err := reports.WriteMatrix(dir, m); err != nil {
		return exitCode(e, setupf("write the matrix: %w", err))
	}
	failed := 0
	for _, r := range m.Runs {
		fmt.Fprintf(e.stdout, "%s  %s in %s: %d passed, %d failed, %d not run\n", r.Verdict, r.Card, r.Reader, r.Totals.Passed, r.Totals.Failed, r.Totals.Skipped)
		if r.Verdict != reports.Pass {
			failed++
		}
	}
	fmt.Fprintf(e.stdout, "  %-8s %s\n  %-8s %s\n", "matrix", filepath.Join(dir, reports.FileMatrixHTML), "json", filepath.Join(dir, reports.FileMatrixJSON))
	if failed > 0 {
		return exitError
	}
	return exitOK
}

// mergeErr makes the refusals of merge and matrix usage errors (exit 2): the directories given
// do not make one run (a shard missing or twice, shards of different runs or schemas).
func mergeErr(err error) error {
	var me *reports.MergeError
	if errors.As(err, &me) || errors.Is(err, reports.ErrSchema) {
		return usageError{err}
	}
	return err
}
