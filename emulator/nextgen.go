package emulator

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// A card key of another algorithm than today's RSA-2048 (the profile's
// generation.card_key_algorithm, e.g. the provisional next-generation card's
// ECDSA P-384) lives beside the RSA key of its EF: ef.alt signs in its place.

// altKey is a private-key EF's key of a non-RSA algorithm.
type altKey struct {
	alg    myna.SignatureAlgorithm
	signer crypto.Signer
}

// cardAltKey returns the profile's card key when the generation declares a non-RSA algorithm
// for it, or nil for today's card.
func cardAltKey(p *myna.Profile, role string) *altKey {
	if role != myna.RoleCard || p.Generation.CardKeyAlgorithm.IsRSA() {
		return nil
	}
	s, ok := p.CardSigner()
	if !ok {
		return nil
	}
	return &altKey{alg: p.Generation.CardKeyAlgorithm, signer: s}
}

// signAlt answers 80 2A with a non-RSA key: P1 00 signs the data as a digest of the
// algorithm's hash (what a reader sends, myna.SignatureAlgorithm.SignInput), P1 01 hashes the
// data first; the other P1 values are RSA paddings and answer 6A86.
func (c *Card) signAlt(e *ef, cmd apdu.Command) result {
	k := e.alt
	if cmd.Ne < k.alg.SignatureLen() {
		return fail(apdu.SWWrongLength)
	}
	var digest []byte
	switch cmd.P1 {
	case 0x00:
		if len(cmd.Data) != k.alg.Hash().Size() {
			return fail(apdu.SWWrongLength)
		}
		digest = cmd.Data
	case 0x01:
		digest = k.alg.Digest(cmd.Data)
	default:
		return fail(apdu.SWIncorrectP1P2)
	}
	signer := k.signer
	if c.faults.has(FaultClone) && e == c.cur.defaultKey {
		// a copied dump cannot sign with the card's key: any other key of the curve.
		other, err := ecdsa.GenerateKey(elliptic.P384(), c.rand)
		if err != nil {
			return fail(apdu.SWNoPreciseDiagnosis)
		}
		signer = other
	}
	sig, err := k.alg.SignDigest(signer, digest)
	if err != nil {
		return fail(apdu.SWWrongData)
	}
	return ok(sig)
}
