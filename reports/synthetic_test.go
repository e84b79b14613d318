package reports

import (
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega/gmeasure"

	"github.com/taimen-dev/taimen/reader"
)

var t0 = time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)

func entry(name string, v any) types.ReportEntry {
	return types.ReportEntry{Name: name, Value: types.WrapEntryValue(v), Visibility: types.ReportEntryVisibilityNever, Time: t0}
}

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func it(text string, labels []string, state types.SpecState, ms int, es ...types.ReportEntry) types.SpecReport {
	return types.SpecReport{
		ContainerHierarchyTexts:  []string{labels[0]},
		ContainerHierarchyLabels: [][]string{{labels[0]}},
		LeafNodeType:             types.NodeTypeIt,
		LeafNodeText:             text,
		LeafNodeLabels:           labels,
		LeafNodeLocation:         types.CodeLocation{FileName: "/src/taimen/suites/suites.go", LineNumber: 92},
		State:                    state,
		StartTime:                at(ms),
		EndTime:                  at(ms + 2),
		RunTime:                  2*time.Millisecond + time.Duration(ms)*time.Microsecond,
		NumAttempts:              1,
		ReportEntries:            es,
	}
}

func trace(ms int, es ...reader.Entry) []reader.Entry {
	for i := range es {
		es[i].Seq = i + 1
		es[i].Start = at(ms).Add(time.Duration(i) * 100 * time.Microsecond)
	}
	return es
}

// synthetic is a small run of every kind of result: passed, failed with
// counters, skipped, timed with gmeasure, a title that needs escaping.
func synthetic() types.Report {
	target := map[string]string{"kind": "emulator", "profile": "p01-showa"}

	sel := gmeasure.NewExperiment("timing: SELECT AP")
	for i := range 20 {
		sel.RecordDuration("SELECT AP", time.Duration(20+i*i)*time.Microsecond)
	}
	face := gmeasure.NewExperiment("timing: face-to-face read")
	for i := range 10 {
		face.RecordDuration("face-to-face read", time.Duration(40+3*i)*time.Millisecond)
		face.RecordValue("APDUs", 8)
	}
	face.RecordNote("a note is not a measurement")

	rd001 := trace(10,
		reader.Entry{Duration: 35 * time.Microsecond, Op: "SELECT", Object: "surface", Command: "00A4040C0AD3921000310001010402", SW: "9000"},
		reader.Entry{Duration: 60 * time.Microsecond, Op: "VERIFY", Object: "surface/0012", Command: "0020009202[redacted 14 bytes]", SW: "9000", RedactedCommand: reader.ReasonSecret},
		reader.Entry{Duration: 900 * time.Microsecond, Op: "READ BINARY", Object: "surface/0002", Command: "00B0820000000000", Response: "[redacted 2300 bytes]", SW: "9000", RedactedResponse: reader.ReasonPersonal},
		reader.Entry{Op: "RESET"},
	)
	cc003 := trace(20,
		reader.Entry{Duration: 40 * time.Microsecond, Op: "SELECT", Object: "surface", Command: "00A4040C0AD3921000310001010402", SW: "9000"},
		reader.Entry{Duration: 55 * time.Microsecond, Op: "VERIFY", Object: "surface/0012", Command: "0020009202[redacted 14 bytes]", SW: "6A80", RedactedCommand: reader.ReasonSecret},
	)

	return types.Report{
		SuitePath:        "/src/taimen",
		SuiteDescription: "taimen conformance",
		SuiteSucceeded:   false,
		StartTime:        t0,
		EndTime:          t0.Add(3 * time.Second),
		RunTime:          3 * time.Second,
		SuiteConfig:      types.SuiteConfig{LabelFilter: "!destructive"},
		SpecReports: types.SpecReports{
			{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed, StartTime: t0, EndTime: at(5), RunTime: 5 * time.Millisecond},
			it("RD-001 every application answers SELECT by AID", []string{"reads", "card"}, types.SpecStatePassed, 10,
				entry(EntryTarget, target), entry(EntryTrace, rd001), entry(EntryAPDUs, 4)),
			it("CC-003 wrong expiry year in check code B", []string{"checkcodes", "card"}, types.SpecStateFailed, 20,
				entry(EntryTarget, target),
				entry(EntryCounter, map[string]int{"surface/0012": 10, "text/0015": 10}),
				entry(EntryCounter, map[string]int{"surface/0012": 9, "text/0015": 10}),
				entry(EntryTrace, cc003), entry(EntryAPDUs, 23)),
			it("RC-011 still blocked after an emulator restart", []string{"counters", "surface", "emulated-only"}, types.SpecStateSkipped, 30),
			it("RC-020 text PIN: three tries, then blocked", []string{"counters", "text", "destructive"}, types.SpecStateSkipped, 31),
			it("TM-001 SELECT of the card-surface AP", []string{"timing", "surface"}, types.SpecStatePassed, 40,
				entry(EntryTarget, target), entry(sel.Name, sel)),
			it("TM-010 the whole face-to-face read", []string{"timing", "surface"}, types.SpecStateTimedout, 50,
				entry(EntryTarget, target), entry(face.Name, face),
				entry(EntryLeak, LeakTest{Command: "VERIFY check code B", Key: "surface/0012", T: -0.41, DF: 597.3, P: 0.68, NA: 285, NB: 285,
					MeanA: 61.2, MeanB: 61.4, SentA: 300, SentB: 300, CropAt: 75000, Alpha: 0.001, Runs: 1})),
			it(`XX-001 <script>alert("x")</script> & <b>escaping</b>`, []string{"reads", "card"}, types.SpecStatePassed, 60),
			{LeafNodeType: types.NodeTypeAfterSuite, State: types.SpecStatePassed, StartTime: at(2900), EndTime: at(2901), RunTime: time.Millisecond},
		},
	}
}

// syntheticFailures are the failure, skip reason and timeout of the synthetic report.
var syntheticFailures = map[string]types.Failure{
	"CC-003": {Message: "VERIFY with the expiry year off by one: card answered 6A80, CARD.md says 63C9",
		Location: types.CodeLocation{FileName: "/src/taimen/suites/checkcodes/checkcodes.go", LineNumber: 88}, FailureNodeType: types.NodeTypeIt,
		TimelineLocation: types.TimelineLocation{Time: at(20).Add(150 * time.Microsecond)}},
	"RC-011": {Message: "needs an emulated card"},
	"TM-010": {Message: "A spec timeout occurred", Location: types.CodeLocation{FileName: "/src/taimen/suites/timing/timing.go", LineNumber: 319}, FailureNodeType: types.NodeTypeIt},
}

// syntheticReport is synthetic() with its failures attached.
func syntheticReport() types.Report {
	r := synthetic()
	for i, sr := range r.SpecReports {
		for id, f := range syntheticFailures {
			if strings.HasPrefix(sr.LeafNodeText, id+" ") {
				r.SpecReports[i].Failure = f
			}
		}
	}
	return r
}

var testOptions = Options{Tool: Tool{Name: "taimen", Version: "v1.2.3-test", Go: "go1.26", Ginkgo: "2.34.0"},
	Target: Target{ATR: "3BE000FF8131FE4514"}}
