package main

import (
	"fmt"
	"slices"
	"strings"
)

// readStep runs BenchmarkPCSCRead: READ BINARY 256 through pcscd against the null card's round
// trip, pcsc-count times.
func readStep(o options) (string, []string) {
	return "READ BINARY through pcscd + vpcd", []string{"-test.bench", "^BenchmarkPCSCRead$", "-test.benchtime", "3000x", "-test.count", fmt.Sprint(o.pcscCount)}
}

// viccAndReadSection states both vicc figures — Debian's vicc as shipped, and with
// TCP_QUICKACK re-armed after each recv (scripts/vicc-quickack) — against the emulator in a
// separate process, and READ BINARY 256 through PC/SC against the floor (the null card's round
// trip). emuProc is the emulator's SELECT_MF APDU/s in a separate process (0: not measured).
func (r *report) viccAndReadSection(emuProc float64) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("\n**vicc, plain and with TCP_QUICKACK.** Most of plain vicc's interval is Linux's delayed-ACK timer: vpcd\n")
	p("writes a frame as two segments with Nagle on, and vicc's kernel holds the ACK of the first for up to\n")
	p("40 ms. `scripts/vicc-quickack` runs the same vicc with `TCP_QUICKACK` set again after every `recv` (a\n")
	p("`sitecustomize` wrapper; vicc itself is not patched).\n\n")
	p("| Card | Command | APDU/s (median) | range | Round trip | Emulator (separate process) ÷ this |\n|---|---|--:|--:|--:|--:|\n")
	for _, v := range []struct{ script, label string }{{"vicc", "vicc as Debian ships it"}, {"vicc-quickack", "vicc with TCP_QUICKACK re-armed"}} {
		for _, cmd := range []string{"SELECT_MF", "SELECT_3F00"} {
			name := "BenchmarkPCSC/" + v.script + "/" + cmd
			rate, ok := r.median(name, "apdu/s")
			if !ok {
				why := r.why(name)
				if r.viccNote != "" {
					why = r.viccNote
				}
				p("| %s | %s | not measured: %s | | | |\n", v.label, cmd, why)
				continue
			}
			vs := r.values(name, "apdu/s")
			ratio := "—"
			if emuProc > 0 && cmd == "SELECT_MF" {
				ratio = fmt.Sprintf("**%.1f×**", emuProc/rate)
			}
			p("| %s | %s | %s | %s–%s | %s | %s |\n", v.label, cmd, fmtRate(rate), fmtRate(slices.Min(vs)), fmtRate(slices.Max(vs)), fmtNs(1e9/rate), ratio)
		}
	}
	plain, ok1 := r.median("BenchmarkPCSC/vicc/SELECT_MF", "apdu/s")
	quick, ok2 := r.median("BenchmarkPCSC/vicc-quickack/SELECT_MF", "apdu/s")
	if ok1 && ok2 {
		p("\nRe-arming TCP_QUICKACK alone makes vicc %.0f× faster on SELECT_MF: the plain figure measures the\n", quick/plain)
		p("kernel's timer, the QUICKACK figure vicc (Python) itself.\n")
	}

	const name = "BenchmarkPCSCRead/READ_256"
	p("\n**READ BINARY through PC/SC.** `BenchmarkPCSCRead`: READ BINARY of 256 bytes (`00 B0 00 00 00`) of the\n")
	p("JPKI application's EF 000A (free to read), the emulator in a goroutine behind pcscd and vpcd, in blocks\n")
	p("of 50 alternating with the null card on the other slot, which answers the same command `90 00` at once:\n")
	p("the null card's round trip is the floor of any command through PC/SC on this machine.\n\n")
	floor, ok1 := r.median(name, "floor-µs")
	read, ok2 := r.median(name, "read256-µs")
	x, ok3 := r.median(name, "x-floor")
	if !ok1 || !ok2 || !ok3 {
		p("Not measured: %s.\n", r.why(name))
		return b.String()
	}
	xs := r.values(name, "x-floor")
	p("| Card | Command | Round trip (median) | × floor (median, range) |\n|---|---|--:|--:|\n")
	p("| null card (the floor) | READ BINARY 256, answered 90 00 | %s | 1 |\n", fmtNs(floor*1e3))
	p("| emulator | READ BINARY 256 (258 bytes back) | %s | **%.2f** (%.2f–%.2f) |\n", fmtNs(read*1e3), x, slices.Min(xs), slices.Max(xs))
	p("\nThe floor is pcscd, the vpcd driver, loopback TCP and the context switches between the processes, not\n")
	p("the card: a 256-byte READ BINARY from the emulator costs %.2f floors, so through PC/SC a read is a round\n", x)
	p("trip and the lever is the number of round trips (extended length), not the card's speed.\n")
	return b.String()
}
