package sm

import "github.com/taimen-dev/taimen/apdu"

// Terminal is the reader's side of a secure-messaging session.
type Terminal interface {
	// WrapCommand protects a plain command for the card.
	WrapCommand(apdu.Command) (apdu.Command, error)
	// UnwrapResponse checks and decrypts the card's answer to the last wrapped command.
	UnwrapResponse(apdu.Response) (apdu.Response, error)
}

// Card is the card's side of a secure-messaging session.
type Card interface {
	// UnwrapCommand checks and decrypts a protected command, or returns the
	// secure-messaging error whose status word (StatusFor) the card answers.
	UnwrapCommand(apdu.Command) (apdu.Command, error)
	// WrapResponse protects the answer to the last unwrapped command.
	WrapResponse(apdu.Response) apdu.Response
}

var (
	_ Terminal = (*TextTerminal)(nil)
	_ Card     = (*TextCard)(nil)
	_ Terminal = (*ICAOTerminal)(nil)
	_ Card     = (*ICAOCard)(nil)
)

// probeWindow is how far from the expected counter a card or terminal looks,
// after a failure, for the counter the peer actually used (diagnostics only).
const probeWindow = 8

// probe calls ok for want-1, want+1, want-2, want+2, … up to probeWindow away
// and returns the first counter it accepts.
func probe(want uint64, ok func(uint64) bool) (uint64, bool) {
	for d := uint64(1); d <= probeWindow; d++ {
		if want >= d && ok(want-d) {
			return want - d, true
		}
		if want+d > want && ok(want+d) {
			return want + d, true
		}
	}
	return 0, false
}
