package main

import (
	"math"
	"slices"
	"strings"
)

// figures are the numbers of BENCH.md's tables and goals, taken once from the
// results: rendering only formats them.
type figures struct {
	in   inProcess
	pc   pcsc
	face faceReads
}

func (r *report) figures() figures {
	return figures{in: r.inProcess(), pc: r.pcsc(), face: r.faceReads()}
}

// ---- section 1: the emulator in-process ----

// inProcessBench names section 1's rows: BenchmarkEmulator's sub-benchmarks, in table order.
var inProcessBench = []struct{ name, label, apdu string }{
	{"SELECT_AID", "SELECT card-surface AP by AID", "`00 A4 04 0C 0A D3…02`"},
	{"READ_BINARY_256", "READ BINARY, 256 bytes (EF 0002 selected)", "`00 B0 00 00 00`"},
	{"READ_BINARY_extended_face", "READ BINARY extended, the whole card-surface file (EF 0002)", "`00 B0 82 00 00 00 00`"},
	{"VERIFY_status", "VERIFY without data (tries left, check code B)", "`00 20 00 92`"},
	{"VERIFY_wrong_durable", "VERIFY wrong check code B, counter written and fsynced", "`00 20 00 92 0E …`"},
}

// inProcessRow is one row of section 1; why says why it was not measured.
type inProcessRow struct {
	label, apdu             string
	measured                bool
	why                     string
	rate, ns, allocs, bytes float64 // medians: APDU/s, ns/op, allocs/op, B/op
	data                    int64   // response data bytes, when hasData
	hasData                 bool
}

// inProcess is section 1: its rows and the goals judged on them.
type inProcess struct {
	rows             []inProcessRow
	complete         bool    // every row was measured
	plainMin         float64 // APDU/s of the slowest plain command (SELECT, READ BINARY 256, VERIFY status)
	plainOK, allocOK bool    // ≥ 1,000,000 plain APDU/s; no allocation on the READ BINARY path
	durable          float64 // APDU/s of the wrong-code VERIFY, bounded by fsync
	hasDurable       bool
}

func (r *report) inProcess() inProcess {
	in := inProcess{complete: true, plainOK: true, allocOK: true}
	for _, b := range inProcessBench {
		name := "BenchmarkEmulator/" + b.name
		row := inProcessRow{label: b.label, apdu: b.apdu}
		rate, ok := r.median(name, "apdu/s")
		if !ok {
			in.complete, row.why = false, r.why(name)
			in.rows = append(in.rows, row)
			continue
		}
		row.measured, row.rate = true, rate
		row.ns, _ = r.median(name, "ns/op")
		row.allocs, _ = r.median(name, "allocs/op")
		row.bytes, _ = r.median(name, "B/op")
		if mbs, hasMB := r.median(name, "MB/s"); hasMB && mbs > 0 {
			row.data, row.hasData = int64(mbs*1e6*row.ns/1e9+0.5), true
		}
		in.rows = append(in.rows, row)
		switch b.name {
		case "SELECT_AID", "READ_BINARY_256", "VERIFY_status":
			if in.plainMin == 0 || rate < in.plainMin {
				in.plainMin = rate
			}
			in.plainOK = in.plainOK && rate >= 1e6
		}
		if strings.HasPrefix(b.name, "READ_BINARY") {
			in.allocOK = in.allocOK && row.allocs == 0
		}
	}
	in.durable, in.hasDurable = r.median("BenchmarkEmulator/VERIFY_wrong_durable", "apdu/s")
	return in
}

// ---- section 2: through pcscd + vpcd ----

// pcscPair is one row of section 2's first table: the emulator and the null
// card on one daemon, one command, over both slot layouts.
type pcscPair struct {
	place, cmd   string // "goroutine" or "process"; "SELECT_MF" or "SELECT_AID"
	ok           bool
	why          string  // why it was not measured
	nullR, emuR  float64 // APDU/s: the mean of the two layouts' medians
	ratio        float64 // emulator / null card: the geometric mean of the layouts' medians
	layoutRatios [2]float64
	min, max     float64 // the ratio's range over every repetition
}

// viccRow is one row of section 2's vicc table.
type viccRow struct {
	cmd            string
	ok             bool
	why            string
	rate, min, max float64 // APDU/s: median and range
}

// pcsc is section 2: its tables and the goals and ratios judged on them.
type pcsc struct {
	pairs       []*pcscPair          // in table order
	byKey       map[string]*pcscPair // by "place/cmd"
	judged      []*pcscPair          // the measured pairs the 10% goal is judged on, in the order named
	goalOK      bool                 // every judged pair's ratio ≥ 0.9
	vicc        []viccRow
	viccRate    float64 // vicc's SELECT_MF APDU/s
	hasVicc     bool
	emuProc     float64 // the emulator's SELECT_MF APDU/s as a separate process
	hasEmuProc  bool
	clientBytes float64 // bytes the client allocates per APDU (vicc's SELECT_MF row)
	hasClient   bool
	roundTrip   float64 // ns per round trip to the null card, 0 when not measured
}

func (r *report) pcsc() pcsc {
	pc := pcsc{byKey: map[string]*pcscPair{}, goalOK: true}
	for _, place := range []string{"goroutine", "process"} {
		for _, cmd := range []string{"SELECT_MF", "SELECT_AID"} {
			pr := r.pcscPair(place, cmd)
			pc.pairs = append(pc.pairs, pr)
			pc.byKey[place+"/"+cmd] = pr
		}
	}
	for _, k := range []string{"goroutine/SELECT_AID", "goroutine/SELECT_MF", "process/SELECT_AID", "process/SELECT_MF"} {
		if pr := pc.byKey[k]; pr.ok {
			pc.judged = append(pc.judged, pr)
			pc.goalOK = pc.goalOK && pr.ratio >= 0.9
		}
	}
	for _, cmd := range []string{"SELECT_MF", "SELECT_3F00"} {
		name := "BenchmarkPCSC/vicc/" + cmd
		row := viccRow{cmd: cmd}
		row.rate, row.ok = r.median(name, "apdu/s")
		if !row.ok {
			row.why = r.why(name)
			if r.viccNote != "" {
				row.why = r.viccNote
			}
		} else {
			vs := r.values(name, "apdu/s")
			row.min, row.max = slices.Min(vs), slices.Max(vs)
		}
		pc.vicc = append(pc.vicc, row)
	}
	pc.viccRate, pc.hasVicc = r.median("BenchmarkPCSC/vicc/SELECT_MF", "apdu/s")
	pc.emuProc, pc.hasEmuProc = pc.byKey["process/SELECT_MF"].emuR, pc.byKey["process/SELECT_MF"].ok
	pc.clientBytes, pc.hasClient = r.median("BenchmarkPCSC/vicc/SELECT_MF", "B/op")
	if pr := pc.byKey["process/SELECT_MF"]; pr.ok {
		pc.roundTrip = 1e9 / pr.nullR
	}
	return pc
}

// pcscPair combines the two slot layouts of one placement and command.
func (r *report) pcscPair(place, cmd string) *pcscPair {
	pr := &pcscPair{place: place, cmd: cmd, ok: true}
	var all []float64
	ratioProd := 1.0
	for i, layout := range []string{"null0-emulator1", "null1-emulator0"} {
		name := "BenchmarkPCSC/" + place + "/" + layout + "/" + cmd
		nr, ok1 := r.median(name, "null-apdu/s")
		er, ok2 := r.median(name, "emulator-apdu/s")
		ra, ok3 := r.median(name, "emulator/null")
		if !ok1 || !ok2 || !ok3 {
			pr.ok, pr.why = false, r.why(name)
			return pr
		}
		pr.nullR += nr / 2
		pr.emuR += er / 2
		ratioProd *= ra
		pr.layoutRatios[i] = ra
		all = append(all, r.values(name, "emulator/null")...)
	}
	pr.ratio = math.Sqrt(ratioProd)
	pr.min, pr.max = slices.Min(all), slices.Max(all)
	return pr
}

// ---- section 3: the face-to-face read ----

// faceRow is one row of section 3.
type faceRow struct {
	transport, mode        string // "inprocess" or "pcscd"; "extended" or "short"
	ok                     bool
	why                    string
	reads, apdus, p50, p99 float64 // p50 and p99 in ms
	allocs                 float64 // per read
}

// faceReads is section 3: its rows and the comparison of extended and short
// reads through pcscd.
type faceReads struct {
	rows []faceRow
	// Through pcscd: the median read in ms and APDUs per read, extended and short.
	ext, short, extA, shortA float64
	hasPair                  bool
	inExt                    float64 // the median extended read in-process, ms
	hasInExt                 bool
}

func (r *report) faceReads() faceReads {
	var f faceReads
	for _, tr := range []string{"inprocess", "pcscd"} {
		for _, mode := range []string{"extended", "short"} {
			name := "BenchmarkFaceRead/" + tr + "/" + mode
			row := faceRow{transport: tr, mode: mode}
			row.apdus, row.ok = r.median(name, "apdus/read")
			if !row.ok {
				row.why = r.why(name)
			} else {
				row.reads, _ = r.median(name, "reads")
				row.p50, _ = r.median(name, "p50-ms")
				row.p99, _ = r.median(name, "p99-ms")
				row.allocs, _ = r.median(name, "allocs/op")
			}
			f.rows = append(f.rows, row)
		}
	}
	ext, ok1 := r.median("BenchmarkFaceRead/pcscd/extended", "p50-ms")
	short, ok2 := r.median("BenchmarkFaceRead/pcscd/short", "p50-ms")
	f.ext, f.short, f.hasPair = ext, short, ok1 && ok2
	f.extA, _ = r.median("BenchmarkFaceRead/pcscd/extended", "apdus/read")
	f.shortA, _ = r.median("BenchmarkFaceRead/pcscd/short", "apdus/read")
	f.inExt, f.hasInExt = r.median("BenchmarkFaceRead/inprocess/extended", "p50-ms")
	return f
}
