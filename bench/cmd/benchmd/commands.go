package main

import (
	"fmt"
	"strings"
)

// commandSteps are the benchmark runs of the whole commands (bench/runs_test.go).
var commandSteps = []struct {
	what string
	args []string
}{
	{"taimen read face as a process", []string{"-test.bench", "^BenchmarkReadProcess$", "-test.benchtime", "10x"}},
	{"taimen run per target", []string{"-test.bench", "^BenchmarkRunTargets$", "-test.benchtime", "1x"}},
}

// commandsSection is BENCH.md's section on whole commands: `taimen read face` with an
// in-process card against one through pcscd, and `taimen run` in-process, via vpcd and against
// an NFC-slow card passed off as physical.
func (r *report) commandsSection() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("## 3a. Whole commands\n\n")
	p("`BenchmarkReadProcess`: `taimen read face --json` as a process, round after round (median of 10):\n")
	p("with an in-process card (`--emulator`) and a warm signature cache, with the cache off\n")
	p("(`TAIMEN_CACHE_DIR=off`: every file of the card signed again, as before the cache), and through a\n")
	p("private pcscd to an emulated card served by a long-running process (`--reader`).\n\n")
	const rp = "BenchmarkReadProcess"
	if e, ok := r.median(rp, "emulator-ms"); ok {
		nc, _ := r.median(rp, "emulator-nocache-ms")
		pc, _ := r.median(rp, "pcscd-ms")
		p("| `read face` | Median |\n|---|--:|\n")
		p("| `--emulator`, signature cache warm | %.1f ms |\n| `--emulator`, no cache | %.1f ms |\n| `--reader` through pcscd | %.1f ms |\n\n", e, nc, pc)
		p("Goal: `read --emulator` no slower than a read through pcscd (%.2f×): %s.\n\n", e/pc, verdict(e <= pc))
	} else {
		p("Not measured: %s.\n\n", r.why(rp))
	}
	p("`BenchmarkRunTargets`: `taimen run` of every area on p01 as a process: in-process, via vpcd, and\n")
	p("against the p01 emulator behind a private pcscd passed off as a physical card (`--target\n")
	p("pcsc:READER`, a default non-destructive run, sampled: docs/APDU-BUDGET.md) with 20 ms added to\n")
	p("every APDU (`slow=20ms`), as an NFC card.\n\n")
	const rt = "BenchmarkRunTargets"
	if e, ok := r.median(rt, "emulator-s"); ok {
		v, _ := r.median(rt, "vpcd-s")
		n, _ := r.median(rt, "nfc20ms-s")
		a, _ := r.median(rt, "nfc20ms-apdus")
		p("| `taimen run` | Wall time | APDUs |\n|---|--:|--:|\n")
		p("| `--target emulator` | %.2f s | |\n| `--target vpcd` | %.2f s | |\n| physical, 20 ms per APDU | %.1f s | %s |\n\n", e, v, n, group(int64(a)))
		p("Goals: vpcd ≤ 3× in-process (%.1f×): %s; the NFC-slow physical run ≤ 60 s: %s; ≤ 1,500 APDUs: %s.\n\n",
			v/e, verdict(v <= 3*e), verdict(n <= 60), verdict(a <= 1500))
		if share, ok := r.median(rt, "report-%"); ok {
			p("Writing the reports (report.html, summary.json, junit.xml, ginkgo-report.json) takes %.1f%% of\n", share)
			p("the in-process run's wall time, as `taimen run` prints it (`written in`). Goal ≤ 10%%: %s.\n\n", verdict(share <= 10))
		}
		if pc, ok := r.median(rt, "vpcd-power-cut-s"); ok {
			p("Of the vpcd run, %.2f s are the three `power-cut` specs (RC-015, RC-016, RC-017): each waits for\n", pc)
			p("pcscd to see the card leave and come back on vpcd's 0.4 s presence poll (`vpcd.CardAbsence`, 1 s).\n")
			p("The rest of the run, about 15,000 round trips through pcscd, is %.1f× the in-process run. A card\n", (v-pc)/e)
			p("cannot come back sooner: pcscd also checks presence on a client's call (a reconnect), and a card\n")
			p("that is away for that check only, and back for the poller's next look, stays absent for clients\n")
			p("while the poller sees it present (tried: no card for the rest of the run).\n")
			p("`--label-filter '!power-cut'` leaves them out.\n\n")
		}
	} else {
		p("Not measured: %s.\n\n", r.why(rt))
	}
	return b.String()
}
