package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenReports are fixed inputs covering every section of BENCH.md: all rows
// measured and the suites passing; some rows skipped or failed, a suite killed
// at its limit and the mutants not measured; nothing measured at all.
func goldenReports(t *testing.T) map[string]*report {
	t.Helper()
	raw := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	started := time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
	full := &report{
		opts:    options{pcscCount: 5, faceReads: 200, suites: true, mutants: true},
		machine: machine{cpu: "AMD EPYC", kernel: "Linux 6.12.0", goVersion: "go1.24.4", pcscd: "2.3.3-1", vicc: "vicc 0.9", cores: 2},
		started: started, elapsed: 9*time.Minute + 12*time.Second,
		suites: []suiteRun{
			{target: "emulator", runner: "go test", cmd: "go test -count=1 -v ./suites/...", wall: 14210 * time.Millisecond, ran: 104, total: 104, suites: 9},
			{target: "vpcd", runner: "go test", cmd: "go test -count=1 -v ./suites/...", wall: 41870 * time.Millisecond, ran: 104, total: 104, suites: 9},
			{target: "emulator", runner: "ginkgo -p", cmd: "ginkgo -p --keep-going ./suites/...", wall: 22030 * time.Millisecond, ran: 104, total: 104, suites: 9},
			{target: "vpcd", runner: "ginkgo -p", cmd: "ginkgo -p --keep-going ./suites/...", wall: 61240 * time.Millisecond, ran: 104, total: 104, suites: 9},
		},
		srcmut: &srcMutRun{jobs: 2, wall: 5*time.Minute + 3*time.Second, summary: "212 mutants: 190 killed, 2 timeout, 12 equivalent, 3 known, 0 survived",
			counts: map[string]int{"killed": 190, "timeout": 2, "equivalent": 12, "known": 3, "fault-only": 4, "excluded": 1}, mutants: 212},
	}
	parseBench(raw("full.txt"), full)
	full.raw = raw("full.txt")

	partial := &report{
		opts:    options{pcscCount: 3, faceReads: 50, suites: true, mutants: true},
		machine: machine{cpu: "unknown", kernel: "unknown", goVersion: "go1.24.4", cores: 4},
		started: started, elapsed: 75 * time.Second,
		viccNote: "scripts/vicc --version failed: exit status 1: no network",
		suites: []suiteRun{
			{target: "emulator", runner: "go test", cmd: "go test -count=1 -v ./suites/...", wall: 15 * time.Second, ran: 100, total: 104, suites: 9, failed: []string{"suites/counters"}, err: errors.New("exit status 1")},
			{target: "vpcd", runner: "go test", cmd: "go test -count=1 -v ./suites/...", wall: 120 * time.Second, ran: 40, total: 104, suites: 4, err: errors.New("killed after the time limit: context deadline exceeded")},
			{target: "emulator", runner: "ginkgo -p", cmd: "ginkgo -p --keep-going ./suites/...", skipped: "ginkgo CLI did not build: exit status 1"},
		},
		srcmut: &srcMutRun{wall: 3 * time.Second, err: errors.New("exit status 2"), failures: "build failed", counts: map[string]int{}},
	}
	parseBench(raw("partial.txt"), partial)
	partial.raw = raw("partial.txt")

	empty := &report{opts: options{pcscCount: 5, faceReads: 200}, machine: machine{cpu: "unknown", kernel: "unknown", goVersion: "go1.24.4", cores: 1}, started: started}
	parseBench(nil, empty)
	return map[string]*report{"full": full, "partial": partial, "empty": empty}
}

// TestMarkdownGolden pins BENCH.md byte for byte for fixed inputs; go test
// -update rewrites testdata/*.golden.md after a deliberate change.
func TestMarkdownGolden(t *testing.T) {
	for name, r := range goldenReports(t) {
		t.Run(name, func(t *testing.T) {
			got := r.markdown()
			path := filepath.Join("testdata", name+".golden.md")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("BENCH.md for %s differs from %s (-want +got):\n%s", name, path, diff)
			}
		})
	}
}
