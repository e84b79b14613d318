package main

import (
	"fmt"
	"strings"
	"time"
)

// interpretation is the closing paragraph: what the figures mean, in prose.
func (r *report) interpretation(f figures) string {
	in, pc, face := f.in, f.pc, f.face
	var s []string
	if in.plainMin > 0 {
		s = append(s, fmt.Sprintf("In-process the emulator answers plain commands at %s APDU/s or more on one core, %s, so the card engine is never what a suite waits for.", fmtRate(in.plainMin), map[bool]string{true: "well past the 1,000,000 goal", false: "short of the 1,000,000 goal"}[in.plainOK]))
	}
	if in.hasDurable {
		s = append(s, fmt.Sprintf("The exception is the wrong-code VERIFY, at %s APDU/s: it is bounded by fsync, the price of the rule that a try is spent durably before the comparison, and it is the one place where the emulator's speed depends on the disk.", fmtRate(in.durable)))
	}
	if pc.roundTrip > 0 {
		s = append(s, fmt.Sprintf("Through pcscd and vpcd a round trip costs about %s whatever answers it, and measured side by side the emulator keeps pace with the null card (%s): the cost is pcscd, the vpcd driver, loopback TCP and the context switches between three processes, while the card's own work is tens of nanoseconds.", fmtNs(pc.roundTrip), map[bool]string{true: "the 10% goal is met", false: "yet the 10% goal is not met in this run — the card's own cost cannot explain a gap of that size, so look for load on the machine and rerun"}[pc.goalOK || len(pc.judged) == 0]))
	}
	if pc.hasVicc && pc.hasEmuProc {
		s = append(s, fmt.Sprintf("vicc answers the same command about %.0f× slower (%s APDU/s, one answer per ~%s): most of that interval is Linux's 40 ms delayed-ACK timer rather than Python, since vpcd sends each frame as two segments (length, then payload, with Nagle on) and vicc, unlike taimen's vpcd client, does not re-arm TCP_QUICKACK or write a frame in one call.", pc.emuProc/pc.viccRate, fmtRate(pc.viccRate), fmtNs(1e9/pc.viccRate)))
	}
	if face.hasPair {
		s = append(s, fmt.Sprintf("For a real read the lever is the number of round trips: extended-length READ BINARY makes the face-to-face read %.1f× faster through pcscd than 256-byte reads, and on a physical reader, where a round trip costs milliseconds rather than tens of microseconds, the difference is larger still.", face.short/face.ext))
	}
	if sent := r.suitesSentence(); sent != "" {
		s = append(s, sent)
	}
	if len(s) == 0 {
		return "Nothing was measured in this run."
	}
	return strings.Join(s, " ")
}

// suitesSentence compares the timed suite runs, if they all passed.
func (r *report) suitesSentence() string {
	wall := map[string]time.Duration{}
	for _, s := range r.suites {
		if s.skipped != "" || s.err != nil {
			return "Some suite runs failed or were not measured in this run (see section 4), so their wall times are not compared."
		}
		wall[s.runner+"/"+s.target] = s.wall
	}
	ge, gv := wall["go test/emulator"], wall["go test/vpcd"]
	ke, kv := wall["ginkgo -p/emulator"], wall["ginkgo -p/vpcd"]
	if ge == 0 || gv == 0 {
		return ""
	}
	out := fmt.Sprintf("The whole suite takes %v against the emulator in-process and %v through vpcd with `go test`; the extra time is the transport's — a private pcscd per suite process, the card's arrival on vpcd's 0.4 s poll, and round trips of tens of microseconds where in-process commands take nanoseconds — not the card's.", ge.Round(100*time.Millisecond), gv.Round(100*time.Millisecond))
	if ke == 0 || kv == 0 {
		return out
	}
	if ke > ge && kv > gv {
		out += fmt.Sprintf(" `ginkgo -p` is slower here (%v and %v): it starts several processes per suite and each opens its own target (BeforeSuite), which costs more than the specs' own run time on a %d-core machine; parallelism pays off only when specs themselves are slow.", ke.Round(100*time.Millisecond), kv.Round(100*time.Millisecond), r.machine.cores)
	} else {
		out += fmt.Sprintf(" `ginkgo -p` takes %v and %v: splitting specs over processes pays for the extra targets each parallel process opens.", ke.Round(100*time.Millisecond), kv.Round(100*time.Millisecond))
	}
	return out
}
