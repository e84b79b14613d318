package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
)

// srcMutRun is one full run of the source mutants (internal/srcmut/cmd/srcmutants).
type srcMutRun struct {
	jobs     int // mutants run at once (-j): GOMAXPROCS
	wall     time.Duration
	summary  string
	counts   map[string]int
	mutants  int
	err      error
	failures string
}

// runSrcMutants runs every source mutant with -j GOMAXPROCS and reads its table.
func runSrcMutants(root, tmp string, o options) *srcMutRun {
	logf("source mutants (every one)")
	out := filepath.Join(tmp, "srcmutants")
	jobs := runtime.GOMAXPROCS(0)
	start := time.Now()
	raw, err := runTee(context.Background(), root, nil, o.goCmd, "run", "./internal/srcmut/cmd/srcmutants", "-j", strconv.Itoa(jobs), "-out", out)
	m := &srcMutRun{jobs: jobs, wall: time.Since(start), err: err, counts: map[string]int{}}
	b, rerr := os.ReadFile(filepath.Join(out, "srcmutants.json"))
	if rerr != nil {
		m.err, m.failures = errors.Join(err, rerr), lastLine(raw)
		return m
	}
	var j struct {
		Summary string `json:"summary"`
		Mutants []struct {
			Status string `json:"status"`
		} `json:"mutants"`
	}
	if jerr := json.Unmarshal(b, &j); jerr != nil {
		m.err = errors.Join(err, jerr)
		return m
	}
	m.summary, m.mutants = j.Summary, len(j.Mutants)
	for _, x := range j.Mutants {
		m.counts[x.Status]++
	}
	return m
}
