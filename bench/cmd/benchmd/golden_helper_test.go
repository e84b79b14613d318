package main

import "runtime"

// renderForTest renders r with GOMAXPROCS 2, which the mutants section reads.
func renderForTest(r *report) string {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	return r.markdown()
}
