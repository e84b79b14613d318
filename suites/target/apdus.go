package target

import (
	"context"
	"maps"
	"sync/atomic"

	"github.com/taimen-dev/taimen/reader"
)

// countingTransport counts the APDUs sent through the transport it wraps: the
// card's own transport, under the floor guard and every wrapper a spec adds,
// so that the count is what the card received. Each APDU is counted for the
// spec's card and for the whole target.
type countingTransport struct {
	reader.Transport
	card, target *atomic.Int64
}

// Transmit counts cmd and passes it on.
func (t countingTransport) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	t.card.Add(1)
	t.target.Add(1)
	return t.Transport.Transmit(ctx, cmd)
}

// counted wraps the card's transport in the card's APDU counter.
func (c *Card) counted(t reader.Transport) reader.Transport {
	return countingTransport{Transport: t, card: &c.apdus, target: &c.target.apdus}
}

// APDUs returns the number of APDUs sent to the card so far through its
// transport (every spec wrapper, the floor guard and its restores included).
func (c *Card) APDUs() int { return int(c.apdus.Load()) }

// APDUs returns the number of APDUs sent to the target's cards so far.
func (t *Target) APDUs() int { return int(t.apdus.Load()) }

// triesMemo is the last reading of a physical card's counters and the target's
// APDU count just after it.
type triesMemo struct {
	tries map[string]int
	at    int64
}

// remember keeps a physical card's counters as just read.
func (t *Target) remember(m map[string]int) {
	if t.Physical() {
		t.memo.Store(&triesMemo{tries: maps.Clone(m), at: t.apdus.Load()})
	}
}

// remembered returns a copy of a physical card's counters as last read when
// no APDU reached the card since, else nil. Emulated cards are always read:
// a spec may change their state without an APDU (restart, power cut).
func (t *Target) remembered() map[string]int {
	m := t.memo.Load()
	if !t.Physical() || m == nil || m.at != t.apdus.Load() {
		return nil
	}
	return maps.Clone(m.tries)
}

// SetKnown records counters a spec just checked on a physical card (each of
// them read back, or the answer to the VERIFY that moved it checked): until
// another APDU reaches the card, Tries answers with them. It does nothing on
// an emulated card.
func (c *Card) SetKnown(m map[string]int) { c.target.remember(m) }

// restamp keeps a physical card's remembered counters valid across APDUs that
// are known to have changed none of them (the floor guard's tries queries).
func (t *Target) restamp() {
	if m := t.memo.Load(); m != nil {
		t.memo.Store(&triesMemo{tries: m.tries, at: t.apdus.Load()})
	}
}
