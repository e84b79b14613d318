package main

import (
	"fmt"
	"slices"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna/cvc"
	"github.com/taimen-dev/taimen/vectors"
)

// testCAAnchors is what --test-ca trusts: the test CAs of the profile ref names, then those of
// every built-in profile under an ID not yet trusted. A reader configured with taimen's test CAs
// thus validates every emulated card of the set, the provisional next-generation card's ECDSA
// P-384 CA (emulator.TestCAKenkakuP384) among them, whichever profile --test-ca names.
func testCAAnchors(ref string) ([]cvc.TrustAnchor, error) {
	p, err := resolveProfile(ref)
	if err != nil {
		return nil, err
	}
	set, err := emulator.TestAnchors(p)
	if err != nil {
		return nil, setupError{fmt.Errorf("--test-ca %s: %w", ref, err)}
	}
	out := set.Anchors()
	for _, id := range vectors.ProfileIDs() {
		q, err := vectors.LoadProfile(id)
		if err != nil {
			return nil, setupError{fmt.Errorf("built-in profile %s: %w", id, err)}
		}
		qs, err := emulator.TestAnchors(q)
		if err != nil {
			return nil, setupError{fmt.Errorf("built-in profile %s: %w", id, err)}
		}
		out = addAnchors(out, qs.Anchors())
	}
	return out, nil
}

// addAnchors appends to dst the anchors of src under a key ID dst does not hold yet: the
// first anchor given for an ID wins.
func addAnchors(dst, src []cvc.TrustAnchor) []cvc.TrustAnchor {
	for _, a := range src {
		if !slices.ContainsFunc(dst, func(b cvc.TrustAnchor) bool { return b.KeyID == a.KeyID }) {
			dst = append(dst, a)
		}
	}
	return dst
}
