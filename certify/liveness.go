package certify

import (
	"crypto/sha256"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
)

// minLivenessData is the least data a liveness signature (80 2A 00 00) may
// carry: 16 bytes (128 bits) is the smallest nonce that cannot be guessed, and
// a SHA-256 DigestInfo over a nonce is 51 bytes.
const minLivenessData = 16

// isLivenessSign reports whether e is a card-key signature request: 80 2A 00 00.
func (e Exchange) isLivenessSign() bool {
	return e.Event == "" && e.cla == 0x80 && e.ins == 0x2A && e.p1 == 0x00 && e.p2 == 0x00
}

// signedSum is what the recorder keeps of a signature request's data: its
// SHA-256, to tell a fresh nonce from a repeated one across scenarios.
func signedSum(data []byte) *[32]byte {
	s := sha256.Sum256(data)
	return &s
}

// liveness reports whether the reader proved the chip live: an 80 2A 00 00
// answered 9000 over data of at least minLivenessData bytes that no earlier
// signature of this certification (this scenario or an earlier one) carried.
// The data is the reader's own nonce, or a digest over the card's GET
// CHALLENGE; either way it must be fresh, since a recorded signature over a
// constant or repeating nonce passes a replay of it.
func (ev *evidence) liveness() (bool, string) {
	seen := map[[32]byte]bool{}
	why := "no card-key signature 80 2A 00 00 answered 9000: the chip's liveness was not proved"
	for _, e := range ev.trace {
		if !e.isLivenessSign() || !e.answered || e.sw != apdu.SWSuccess || e.signed == nil {
			continue
		}
		switch before, again := ev.signedBefore[*e.signed]; {
		case e.Lc < minLivenessData:
			why = fmt.Sprintf("the card-key signature (#%d) was over %d bytes, fewer than the %d of an unpredictable nonce: liveness was not proved", e.Seq, e.Lc, minLivenessData)
		case again:
			why = fmt.Sprintf("the card-key signature (#%d) was over the same data as in scenario %s: a constant or repeating nonce lets a recorded signature be replayed, so liveness was not proved", e.Seq, before)
		case seen[*e.signed]:
			why = fmt.Sprintf("the card-key signature (#%d) repeated an earlier one's data: a repeating nonce lets a recorded signature be replayed, so liveness was not proved", e.Seq)
		default:
			return true, fmt.Sprintf("the card signed fresh data with its key (80 2A 00 00, #%d)", e.Seq)
		}
		seen[*e.signed] = true
	}
	return false, why
}

// rememberSigned adds the data of the scenario's signature requests to seen
// (sum → the scenario's name), for the freshness check of later scenarios.
func rememberSigned(seen map[[32]byte]string, scenario string, trace []Exchange) {
	for _, e := range trace {
		if e.isLivenessSign() && e.signed != nil {
			if _, ok := seen[*e.signed]; !ok {
				seen[*e.signed] = scenario
			}
		}
	}
}
