package main

import "time"

// report is everything one run measured: the input of BENCH.md.
type report struct {
	opts     options
	machine  machine
	started  time.Time
	elapsed  time.Duration
	results  map[string][]result // by benchmark name, one per repetition
	skipped  map[string]string   // skip or failure reason by benchmark name
	failures []string
	suites   []suiteRun
	raw      []byte // the benchmarks' output
	viccNote string // why vicc is missing, when it is
	srcmut   *srcMutRun
}
