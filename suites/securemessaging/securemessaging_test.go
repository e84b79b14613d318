package securemessaging_test

import (
	"bytes"
	"crypto/rand"
	"io"
	mrand "math/rand/v2"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/apdu/sm"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/securemessaging"
	"github.com/taimen-dev/taimen/suites/target"
)

func TestSecureMessaging(t *testing.T) {
	RegisterFailHandler(Fail)
	suites.Register()
	RunSpecs(t, "taimen secure messaging")
}

// unnoticedSeed finds a session seed whose key makes a replayed SELECT EF
// (first sent under n = 1) decrypt to valid padding under n = 2: a replay no
// card can notice. About one seed in 256 is one.
func unnoticedSeed() []byte {
	rng := mrand.NewChaCha8([32]byte{'s', 'm', '-', '0', '0', '3'})
	for range 1 << 16 {
		seed := make([]byte, sm.TextSeedLen)
		_, _ = rng.Read(seed)
		term, err := sm.NewTextTerminal(seed[:sm.TextKeyLen])
		Expect(err).NotTo(HaveOccurred())
		w, err := term.WrapCommand(suites.SelectEF(myna.TextBasicFour))
		Expect(err).NotTo(HaveOccurred())
		if !term.Noticeable(w, term.Counter()) {
			return seed
		}
	}
	Fail("no seed with an unnoticeable replay in 65536")
	return nil
}

// The stale-counter specs (SM-002, SM-003) must not expect 6988 where no card
// can give it: a session key under which the stale command still decrypts
// to valid padding is replaced by a new one.
var _ = Describe("a stale command the card cannot notice", Label("sm"), func() {
	replay := func(term *sm.TextTerminal) (apdu.Command, uint64) {
		w, err := term.WrapCommand(suites.SelectEF(myna.TextBasicFour))
		Expect(err).NotTo(HaveOccurred())
		return w, term.Counter()
	}
	var c *target.Card
	BeforeEach(func(ctx SpecContext) {
		if !suites.ExtendedLength() {
			Skip("no extended length on this card: no secure messaging")
		}
		if p := suites.Current().Profile; p != nil && !p.Card.Form.Has(myna.TextAP) {
			Skip("no text application on this " + p.Card.Form.String() + ": no secure messaging")
		}
		var err error
		c, err = suites.Current().Card(ctx, target.CardOptions{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(c.Close)
	})

	It("is accepted by the card: the seed really is one of those", func(ctx SpecContext) {
		DeferCleanup(securemessaging.SetSeeds(bytes.NewReader(unnoticedSeed())))
		_, w := securemessaging.StaleCommand(ctx, c, func(term *sm.TextTerminal) (apdu.Command, uint64) {
			w, _ := replay(term)
			return w, 0 // claim it is noticeable, to get this very session back
		})
		Expect(suites.Send(ctx, c, w).SW).To(Equal(apdu.SWSuccess), "first send")
		Expect(suites.Send(ctx, c, w).SW).NotTo(Equal(apdu.SWSMObjectsIncorrect), "the replay decrypts to valid padding, so the card cannot answer 6988")
	})

	It("makes staleCommand take a second session key", func(ctx SpecContext) {
		DeferCleanup(securemessaging.SetSeeds(io.MultiReader(bytes.NewReader(unnoticedSeed()), rand.Reader)))
		sessions := 0
		term, w := securemessaging.StaleCommand(ctx, c, func(term *sm.TextTerminal) (apdu.Command, uint64) {
			sessions++
			return replay(term)
		})
		Expect(sessions).To(Equal(2), "sessions opened")
		Expect(term.Noticeable(w, term.Counter())).To(BeTrue())
		Expect(suites.Send(ctx, c, w).SW).To(Equal(apdu.SWSuccess), "first send")
		Expect(suites.Send(ctx, c, w).SW).To(Equal(apdu.SWSMObjectsIncorrect), "the replay")
	})
})
