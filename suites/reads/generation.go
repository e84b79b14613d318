package reads

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/layout"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

// Specs that catch a card (or a reader's assumption) of one card generation: today's card has
// an RSA-2048 card key, the provisional next-generation card (p10; AIDs and layout invented,
// to be replaced by the published specification) an ECDSA P-384 one.
var _ = Describe("reads: card generation", Label(area), func() {
	Spec(Meta{ID: "RD-027", Title: "the card key signs in the algorithm of its key, not assumed RSA", Area: area, App: "surface",
		Checks: "DF24's key decides the algorithm (RSA-2048 with SHA-256, or ECDSA P-384 with SHA-384); on an emulated card it is the profile's generation.card_key_algorithm; " +
			"GET CHALLENGE, 80 2A 00 00 with the digest in that algorithm's form, verified with DF24's key; the other algorithm's form is refused or does not verify",
		Expect: "the signature verifies under DF24's key in its own algorithm only"},
		func(ctx context.Context, c *target.Card) {
			face, err := layout.ParseCardFace(readFace(ctx, c))
			Expect(err).NotTo(HaveOccurred())
			key := face.Signed.PublicCardKey()
			alg, err := myna.AlgorithmOf(key)
			Expect(err).NotTo(HaveOccurred(), "DF24 card key")
			if p := Current().Profile; p != nil {
				Expect(alg.String()).To(Equal(p.Generation.CardKeyAlgorithm.String()), "DF24's key is not of the profile's card_key_algorithm")
			}
			sign := func(a myna.SignatureAlgorithm) ([]byte, []byte, apdu.StatusWord) {
				ch := ExpectSW(ctx, c, "GET CHALLENGE", apdu.Command{INS: 0x84, Ne: 16}, apdu.SWSuccess)
				d := a.Digest(ch)
				r := Send(ctx, c, apdu.Command{CLA: 0x80, INS: 0x2A, Data: a.SignInput(d), Ne: 256})
				return d, r.Data, r.SW
			}
			d, sig, sw := sign(alg)
			Expect(sw).To(Equal(apdu.SWSuccess), "80 2A in %s form", alg)
			Expect(alg.VerifyDigest(key, d, sig)).To(Succeed(), "challenge signature under DF24's %s key", alg.KeyType())
			for _, other := range myna.SignatureAlgorithms() {
				if other == alg {
					continue
				}
				d, sig, sw := sign(other)
				if sw == apdu.SWSuccess {
					Expect(alg.VerifyDigest(key, d, sig)).NotTo(Succeed(),
						fmt.Sprintf("a %s-form input was signed so that it verifies as %s", other, alg))
				}
			}
		})
})
