package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
	from     string    // the srcmutants.json of an earlier run (-mutants-from), or "" when run here
	fromTime time.Time // that file's modification time
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
	if jerr := m.parse(b); jerr != nil {
		m.err = errors.Join(err, jerr)
	}
	return m
}

// readSrcMutants takes the figure of an earlier full run from its srcmutants.json: the
// counts from the file, the wall time from its summary line ("… run in 2m0s …"), the jobs
// from this machine (make mutants-full runs -j GOMAXPROCS).
func readSrcMutants(file string) *srcMutRun {
	logf("source mutants: from %s (an earlier run)", file)
	m := &srcMutRun{jobs: runtime.GOMAXPROCS(0), counts: map[string]int{}, from: file}
	st, err := os.Stat(file)
	if err != nil {
		m.err = err
		return m
	}
	m.fromTime = st.ModTime().UTC()
	b, err := os.ReadFile(file)
	if err != nil {
		m.err = err
		return m
	}
	if err := m.parse(b); err != nil {
		m.err = fmt.Errorf("%s: %w", file, err)
		return m
	}
	if sm := runIn.FindStringSubmatch(m.summary); sm != nil {
		m.wall, _ = time.ParseDuration(sm[1])
	}
	return m
}

// runIn finds the wall time in srcmutants' summary line.
var runIn = regexp.MustCompile(`run in ([0-9hms.]+)`)

// parse reads srcmutants.json's summary line and counts its mutants by status.
func (m *srcMutRun) parse(b []byte) error {
	var j struct {
		Summary string `json:"summary"`
		Mutants []struct {
			Status string `json:"status"`
		} `json:"mutants"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Summary == "" {
		return errors.New("no summary line")
	}
	m.summary, m.mutants = j.Summary, len(j.Mutants)
	for _, x := range j.Mutants {
		m.counts[x.Status]++
	}
	return nil
}
