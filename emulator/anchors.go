package emulator

import (
	"crypto"
	"fmt"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/cvc"
)

// TestAnchors returns the trust anchors of a profile set's test CA: what a
// reader must use to validate an emulated card. They are never production anchors.
func TestAnchors(p *myna.Profile) (*cvc.AnchorSet, error) {
	var anchors []cvc.TrustAnchor
	for _, a := range []struct {
		role, name string
		id         cvc.KeyID
	}{
		{myna.RoleCVCAKenkaku, "taimen test CA 9000023 (card-surface AP)", TestCAKenkaku},
		{myna.RoleCVCAKenhojo, "taimen test CA 9000033 (text AP)", TestCAKenhojo},
	} {
		k, ok := p.Key(a.role)
		if !ok {
			return nil, fmt.Errorf("profile %s: no %s key", p.ID, a.role)
		}
		var pub crypto.PublicKey = &k.PublicKey
		if a.role == myna.RoleCVCAKenkaku {
			// the card-surface CA is of the generation's data signature algorithm: the
			// provisional next-generation card's is an ECDSA P-384 test CA.
			ca, _, ok := p.SurfaceSigners()
			if !ok {
				return nil, fmt.Errorf("profile %s: no %s key", p.ID, a.role)
			}
			pub = ca.Public()
			if alg := p.Generation.DataSignatureAlgorithm; !alg.IsRSA() {
				a.id = TestCAKenkakuP384
				a.name = fmt.Sprintf("taimen test CA %s (card-surface AP, %s, provisional)", a.id, alg.KeyType())
			}
		}
		anchor, err := cvc.NewTestAnchor(a.name, a.id, pub)
		if err != nil {
			return nil, err
		}
		anchors = append(anchors, anchor)
	}
	return cvc.NewAnchorSet(anchors...)
}
