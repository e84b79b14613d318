package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is one line of benchmark output: iterations and value per unit ("ns/op", "apdu/s"…).
type result struct {
	n      int
	values map[string]float64
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)
	skipLine  = regexp.MustCompile(`^\s*--- (SKIP|FAIL): (Benchmark\S+)`)
	fileLine  = regexp.MustCompile(`^\S+\.go:\d+: `)
)

// parseBench adds the benchmark results and skip/fail reasons of out to r.
func parseBench(out []byte, r *report) {
	if r.results == nil {
		r.results = map[string][]result{}
		r.skipped = map[string]string{}
	}
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if m := benchLine.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[2])
			res := result{n: n, values: map[string]float64{}}
			f := strings.Fields(m[3])
			for j := 0; j+1 < len(f); j += 2 {
				if v, err := strconv.ParseFloat(f[j], 64); err == nil {
					res.values[f[j+1]] = v
				}
			}
			r.results[m[1]] = append(r.results[m[1]], res)
			continue
		}
		if m := skipLine.FindStringSubmatch(l); m != nil {
			// The benchmark's log lines (indented) come before its --- line, or after it.
			var why []string
			j := i
			for j > 0 && strings.HasPrefix(lines[j-1], "    ") && !strings.Contains(lines[j-1], "--- ") {
				j--
			}
			for _, l := range lines[j:i] {
				why = append(why, fileLine.ReplaceAllString(strings.TrimSpace(l), ""))
			}
			for _, next := range lines[i+1:] {
				if !strings.HasPrefix(next, "    ") || strings.Contains(next, "--- ") {
					break
				}
				why = append(why, fileLine.ReplaceAllString(strings.TrimSpace(next), ""))
			}
			reason := strings.Join(why, "; ")
			if m[1] == "FAIL" {
				reason = "failed: " + reason
				r.failures = append(r.failures, m[2]+": "+reason)
			}
			r.skipped[m[2]] = reason
		}
	}
}

// median of one unit over the repetitions of a benchmark; ok is false when it did not run.
func (r *report) median(name, unit string) (float64, bool) {
	var vs []float64
	for _, res := range r.results[name] {
		if v, ok := res.values[unit]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// values of one unit over the repetitions of a benchmark.
func (r *report) values(name, unit string) []float64 {
	var vs []float64
	for _, res := range r.results[name] {
		if v, ok := res.values[unit]; ok {
			vs = append(vs, v)
		}
	}
	return vs
}

// why explains a missing result: the skip or failure reason of the benchmark or a parent.
func (r *report) why(name string) string {
	for n := name; n != ""; {
		if s, ok := r.skipped[n]; ok && s != "" {
			return s
		}
		i := strings.LastIndex(n, "/")
		if i < 0 {
			break
		}
		n = n[:i]
	}
	return "did not run"
}
