package certify

import (
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// evidence is everything a rule may look at for one scenario: the APDU stream
// the emulator recorded and what the reader command did.
type evidence struct {
	sc       Scenario
	trace    []Exchange
	verifies []verifyAttempt

	exitCode int  // -1 when killed by a signal
	timedOut bool // killed at the deadline
	deadline time.Duration
	stdout   []byte // as captured (bounded)
	stderr   []byte
	leaks    []Leak
	// personal is what RR-014 found in the files written outside the record
	// store; kept what it found inside it.
	personal, kept []PersonalFinding

	// written are the files the command wrote anywhere in its sandbox, named
	// "file " + the path as the reader saw it ("file ~/.cache/x.jp2",
	// "file /tmp/log.txt", "file {out}/result.json"), bounded as the
	// RR-011 search is.
	written []source
	// network lists the command's attempts to reach the network (RR-015);
	// netCut is true when the trace overflowed and may miss some.
	network []NetAttempt
	netCut  bool

	// expiry is the expiry date the card carries (YYYYMMDD), as the reader
	// would show it; "" when unknown.
	expiry string
	// result is the reader's {out}/result.json in the taimen.read/v1 schema;
	// nil when it wrote none or another (the phrases decide then).
	result *readResult
	// signedBefore holds the SHA-256 of the data every card-key signature of
	// the earlier scenarios carried, with the scenario's name (RR-007).
	signedBefore map[[32]byte]string
}

// verifyAttempt is one VERIFY command and what the reader knew of the key.
type verifyAttempt struct {
	seq         int
	key         string // "surface/0012"
	value       int    // 0: empty VERIFY (tries query)
	sw          apdu.StatusWord
	answered    bool
	triesBefore int  // the key's tries left before the command; -1 when unknown
	checkCodeB  bool // the data is the card's check code B
}

// rejected reports whether the card turned the value down (wrong or blocked).
func (v verifyAttempt) rejected() bool {
	if !v.answered || v.value == 0 {
		return false
	}
	_, wrong := v.sw.Retries()
	return wrong || v.sw == apdu.SWReferenceDataBlocked || v.sw == apdu.SWAuthMethodBlocked
}

// verifyAttempts lists the VERIFY commands of a trace with the tries left of
// their key before each: taken from the card before the reader started
// (initial, keyed "app/FID"), then from every answer (63Cx, 6984, and 9000,
// which resets the counter to its limit).
func verifyAttempts(trace []Exchange, initial map[string]int, limits myna.RetryLimits) []verifyAttempt {
	tries := map[string]int{}
	for k, v := range initial {
		tries[k] = v
	}
	var out []verifyAttempt
	for _, e := range trace {
		if e.ins != 0x20 || e.malformed { // VERIFY, in the clear or under secure messaging
			continue
		}
		before, known := tries[e.key]
		if !known {
			before = -1
		}
		out = append(out, verifyAttempt{seq: e.Seq, key: e.key, value: e.Value, sw: e.sw, answered: e.answered, triesBefore: before, checkCodeB: e.CheckCodeB})
		if !e.answered {
			delete(tries, e.key) // torn: the card may or may not have spent a try
			continue
		}
		if n, ok := e.sw.Retries(); ok {
			tries[e.key] = n
			continue
		}
		switch e.sw {
		case apdu.SWReferenceDataBlocked, apdu.SWAuthMethodBlocked:
			tries[e.key] = 0
		case apdu.SWSuccess:
			if e.Value != 0 {
				if limit := limitOf(e.key, limits); limit > 0 {
					tries[e.key] = limit
				} else {
					delete(tries, e.key)
				}
			}
		}
	}
	return out
}

// limitOf returns the retry limit of a key reference named "app/FID", or 0.
func limitOf(key string, limits myna.RetryLimits) int {
	ref, err := myna.ParseEFRef(key)
	if err != nil {
		return 0
	}
	d, ok := myna.LookupEF(ref.App, ref.ID)
	if !ok || !d.Secret.Valid() {
		return 0
	}
	return limits.For(d.Secret)
}

// output returns stdout followed by stderr.
func (ev *evidence) output() []byte {
	return append(append(make([]byte, 0, len(ev.stdout)+len(ev.stderr)+1), ev.stdout...), append([]byte{'\n'}, ev.stderr...)...)
}
