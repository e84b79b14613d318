package main

import (
	"strings"
	"testing"
)

func TestParseBench(t *testing.T) {
	out := `goos: linux
cpu: AMD EPYC
BenchmarkPCSC
    pcsc_test.go:233: pcscd: private daemon unavailable: not root
--- SKIP: BenchmarkPCSC
BenchmarkEmulator/SELECT_AID         	26775400	        49.93 ns/op	  20029404 apdu/s	       0 B/op	       0 allocs/op
BenchmarkPCSC/goroutine/null0-emulator1/SELECT_MF-2 	 7828	 158992 ns/op	 6290 apdu/s	 6262 emulator-apdu/s	 0.9912 emulator/null	 6317 null-apdu/s	 73768 B/op	 4 allocs/op
BenchmarkPCSC/goroutine/null0-emulator1/SELECT_MF-2 	 8701	 128258 ns/op	 7797 apdu/s	 7764 emulator-apdu/s	 0.9915 emulator/null	 7830 null-apdu/s	 73768 B/op	 4 allocs/op
BenchmarkPCSC/goroutine/null0-emulator1/SELECT_MF-2 	 8527	 130152 ns/op	 7683 apdu/s	 7612 emulator-apdu/s	 0.9816 emulator/null	 7755 null-apdu/s	 73768 B/op	 4 allocs/op
PASS
`
	r := &report{}
	parseBench([]byte(out), r)
	if got, ok := r.median("BenchmarkEmulator/SELECT_AID", "apdu/s"); !ok || got != 20029404 {
		t.Errorf("SELECT_AID apdu/s = %v, %v", got, ok)
	}
	if got, _ := r.median("BenchmarkPCSC/goroutine/null0-emulator1/SELECT_MF", "emulator/null"); got != 0.9912 {
		t.Errorf("median ratio = %v, want 0.9912", got)
	}
	if _, ok := r.median("BenchmarkPCSC/vicc/SELECT_MF", "apdu/s"); ok {
		t.Error("a benchmark that did not run has a result")
	}
	if why := r.why("BenchmarkPCSC/vicc/SELECT_MF"); why != "pcscd: private daemon unavailable: not root" {
		t.Errorf("why = %q, want the parent's skip reason", why)
	}
	if len(r.failures) != 0 {
		t.Errorf("failures %q", r.failures)
	}
}

func TestMarkdownWithNothingMeasured(t *testing.T) {
	r := &report{opts: options{pcscCount: 5, faceReads: 200}}
	parseBench([]byte("BenchmarkPCSC\n    x.go:1: no pcscd\n--- SKIP: BenchmarkPCSC\n"), r)
	md := r.markdown()
	for _, want := range []string{"# taimen benchmarks", "not measured: no pcscd", "not evaluated"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 19053106: "19,053,106"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}
