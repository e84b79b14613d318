package reader

import "fmt"

// Permit applies the guard to a VERIFY that may spend a try on key with tries left: nil when
// it may be sent, a *RefusedError otherwise. Session.Verify and discover's spending probes
// share this one rule.
func (g Guard) Permit(key string, tries int) error {
	switch {
	case tries == 0:
		return &RefusedError{Key: key, Tries: tries, Reason: "the key is blocked"}
	case tries-1 < g.floor():
		return &RefusedError{Key: key, Tries: tries, Reason: fmt.Sprintf("a wrong value would leave %d tries, below the floor of %d", tries-1, g.floor())}
	}
	return nil
}
