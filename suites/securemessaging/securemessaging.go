// Package securemessaging is the conformance area for the text application's
// secure messaging (CARD.md §4.1): SET SESSION KEY after the PIN, AES-128-CBC
// with a counter-derived IV, CLA 08 and no MAC; a wrong counter gives 6988 and
// kills the session (69FC); the other applications refuse key delivery.
package securemessaging

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"io"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/apdu/sm"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/layout"
	"github.com/taimen-dev/taimen/reader"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

const area = "sm"

// seeds supplies the SET SESSION KEY seeds; tests replace it to force a
// session key whose stale commands go unnoticed.
var seeds io.Reader = rand.Reader

// session selects the text AP, verifies the PIN and opens an SM session.
func session(ctx context.Context, c *target.Card) *sm.TextTerminal {
	ExpectSW(ctx, c, "select text AP", SelectApp(myna.TextAP), apdu.SWSuccess)
	ExpectSW(ctx, c, "verify text PIN", Verify(myna.TextPINRef, Need(Current().Codes.TextPIN, "text PIN").Bytes()), apdu.SWSuccess)
	pub := sessionKey(ctx, c)
	seed := make([]byte, sm.TextSeedLen)
	_, err := io.ReadFull(seeds, seed)
	Expect(err).NotTo(HaveOccurred(), "session seed")
	term, cmd, err := sm.NewTextSessionWithSeed(pub, seed, rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	ExpectSW(ctx, c, "SET SESSION KEY after the PIN", cmd, apdu.SWSuccess)
	return term
}

func sessionKey(ctx context.Context, c *target.Card) *rsa.PublicKey {
	raw := ExpectSW(ctx, c, "read EF 0006 (session-key public key)", ReadSFI(myna.TextSessionKey, apdu.MaxExtendedNe), apdu.SWSuccess)
	pub, err := layout.ParseSessionKey(raw)
	Expect(err).NotTo(HaveOccurred(), "EF 0006 layout")
	return pub
}

// maxStaleSessions bounds staleCommand: a session fails to give a noticeable
// stale command about once in 256, so 8 in a row happen once in 2^64.
const maxStaleSessions = 8

// staleCommand opens sessions until stale builds a command under a wrong
// counter that a correct card can notice. stale returns the command and the
// counter the card will expect when it arrives. Without a MAC the card only
// sees bad padding, and a one-block cryptogram under a wrong IV still ends in
// valid padding about once in 256 (CARD.md §4.1): then no card can tell, so
// the spec takes a new session key instead of expecting the impossible.
func staleCommand(ctx context.Context, c *target.Card, stale func(*sm.TextTerminal) (apdu.Command, uint64)) (*sm.TextTerminal, apdu.Command) {
	for attempt := 1; ; attempt++ {
		term := session(ctx, c)
		w, n := stale(term)
		if term.Noticeable(w, n) {
			return term, w
		}
		Expect(attempt).To(BeNumerically("<", maxStaleSessions), "every session key gave a stale command with valid padding: the session keys are not random")
		By("the stale command would decrypt to valid padding under the card's counter (about 1 in 256): a new session")
	}
}

// secure wraps cmd, sends it and unwraps the answer.
func secure(ctx context.Context, c *target.Card, term *sm.TextTerminal, step string, cmd apdu.Command) apdu.Response {
	w, err := term.WrapCommand(cmd)
	Expect(err).NotTo(HaveOccurred(), "%s: wrap", step)
	r := Send(ctx, c, w)
	plain, err := term.UnwrapResponse(r)
	Expect(err).NotTo(HaveOccurred(), "%s: unwrap the card's answer (%v)", step, r.SW)
	return plain
}

// oldSessionRefused verifies the text PIN again (plain) on the selected text AP and checks
// that a read wrapped in the session term belonged to answers 6982: after what ended it, the
// session is gone, not only the PIN's verification.
func oldSessionRefused(ctx context.Context, c *target.Card, term *sm.TextTerminal, after string) {
	ExpectSW(ctx, c, "verify the text PIN again after "+after, Verify(myna.TextPINRef, Need(Current().Codes.TextPIN, "text PIN").Bytes()), apdu.SWSuccess)
	w, err := term.WrapCommand(ReadSFI(myna.TextBasicFour, 256))
	Expect(err).NotTo(HaveOccurred(), "wrap a read in the old session")
	ExpectSW(ctx, c, "a command of the old session after "+after+" and a new VERIFY", w, apdu.SWSecurityNotSatisfied)
}

// rawSMRead is a CLA 08 READ BINARY by SFI with DO'96' (no session state needed to build it).
func rawSMRead(id myna.FileID) apdu.Command {
	p1, _ := id.ReadBinaryP1()
	return apdu.Command{CLA: 0x08, INS: 0xB0, P1: p1, Data: []byte{0x96, 0x03, 0x00, 0x00, 0x00}, Ne: apdu.MaxExtendedNe, Extended: true}
}

var _ = Describe("secure messaging", Label(area), func() {
	BeforeEach(func() {
		if !ExtendedLength() {
			Skip("the card declares no extended length: SET SESSION KEY needs an extended Lc of 256 bytes (CARD.md §4.1)")
		}
	})

	Spec(Meta{ID: "SM-001", Title: "a session after the PIN reads the same data as plain reads", Area: area, App: "text",
		Checks: "the text flow over SM (SET SESSION KEY, CLA 08 READ BINARY with DO'96', answers in DO'86') against the same flow in the clear",
		Expect: "identical individual number and four facts; integrity and signatures verify either way"},
		func(ctx context.Context, c *target.Card) {
			pin := Need(Current().Codes.TextPIN, "text PIN")
			opts := reader.ReadOptions{Anchors: Current().Anchors}
			plain, err := reader.ReadText(ctx, c.Session(), pin, opts)
			Expect(err).NotTo(HaveOccurred())
			Expect(c.Reset(ctx)).To(Succeed())
			secureRead, err := reader.ReadTextSM(ctx, c.Session(), pin, opts)
			Expect(err).NotTo(HaveOccurred())
			Expect(secureRead.SecureMsg).To(BeTrue())
			Expect(secureRead.Authenticity.Err()).NotTo(HaveOccurred())
			Expect(cmp.Diff(plain.Four, secureRead.Four)).To(BeEmpty(), "four facts (-plain +secure)")
			Expect(secureRead.Number == plain.Number).To(BeTrue(), "individual number differs between plain and secure reads")
		})

	Spec(Meta{ID: "SM-002", Title: "a skipped counter gives 6988 and kills the session", Area: area, App: "text",
		Checks: "a SELECT EF protected under n+1 instead of n, then a correct CLA 08 READ BINARY",
		Expect: "6988; then 69FC for every SM command"},
		func(ctx context.Context, c *target.Card) {
			_, w := staleCommand(ctx, c, func(term *sm.TextTerminal) (apdu.Command, uint64) {
				term.ShiftCounter(1)
				w, err := term.WrapCommand(SelectEF(myna.TextBasicFour))
				Expect(err).NotTo(HaveOccurred())
				return w, term.Counter() - 2 // the card still expects the skipped n
			})
			Expect(Send(ctx, c, w).SW).To(Equal(apdu.SWSMObjectsIncorrect), "command under a skipped counter")
			Expect(Send(ctx, c, rawSMRead(myna.TextBasicFour)).SW).To(Equal(apdu.SWSMSessionClosed), "SM after the counter error")
			Expect(Send(ctx, c, rawSMRead(myna.TextIndividualNumber)).SW).To(Equal(apdu.SWSMSessionClosed), "and again")
		})

	Spec(Meta{ID: "SM-003", Title: "a replayed command gives 6988", Area: area, App: "text",
		Checks: "the same protected SELECT EF sent twice (the second under a stale counter)",
		Expect: "9000 the first time, 6988 the second, then 69FC"},
		func(ctx context.Context, c *target.Card) {
			_, w := staleCommand(ctx, c, func(term *sm.TextTerminal) (apdu.Command, uint64) {
				w, err := term.WrapCommand(SelectEF(myna.TextBasicFour))
				Expect(err).NotTo(HaveOccurred())
				return w, term.Counter() // what the card expects once it has accepted w
			})
			first := Send(ctx, c, w)
			Expect(first.SW).To(Equal(apdu.SWSuccess), "first protected SELECT")
			Expect(Send(ctx, c, w).SW).To(Equal(apdu.SWSMObjectsIncorrect), "the replayed SELECT")
			Expect(Send(ctx, c, rawSMRead(myna.TextBasicFour)).SW).To(Equal(apdu.SWSMSessionClosed))
		})

	Spec(Meta{ID: "SM-004", Title: "secure messaging without the PIN is refused", Area: area, App: "text",
		Checks: "SET SESSION KEY right after SELECT, after check code A, after check code B; a CLA 08 READ BINARY without a session",
		Expect: "6982 each time (only the PIN opens key delivery)"},
		func(ctx context.Context, c *target.Card) {
			codes := Current().Codes
			ExpectSW(ctx, c, "select text AP", SelectApp(myna.TextAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "verify B", Verify(myna.TextCheckCodeBRef, Need(codes.B, "check code B").Bytes()), apdu.SWSuccess)
			_, cmd, err := sm.NewTextSession(sessionKey(ctx, c))
			Expect(err).NotTo(HaveOccurred())
			ExpectSW(ctx, c, "SET SESSION KEY after check code B", cmd, apdu.SWSecurityNotSatisfied)
			Reselect(ctx, c, myna.TextAP)
			ExpectSW(ctx, c, "verify A", Verify(myna.TextCheckCodeARef, Need(codes.A, "check code A").Bytes()), apdu.SWSuccess)
			ExpectSW(ctx, c, "SET SESSION KEY after check code A", cmd, apdu.SWSecurityNotSatisfied)
			Reselect(ctx, c, myna.TextAP)
			ExpectSW(ctx, c, "SET SESSION KEY with nothing verified", cmd, apdu.SWSecurityNotSatisfied)
			ExpectSW(ctx, c, "CLA 08 without a session", rawSMRead(myna.TextBasicFour), apdu.SWSecurityNotSatisfied)
		})

	Spec(Meta{ID: "SM-005", Title: "the other applications refuse SET SESSION KEY", Area: area, App: "card",
		Checks: "SET SESSION KEY (256-byte extended Lc) on the card-surface, common, JPKI and juki applications",
		Expect: "66F1 on card-surface and common; 6982 on JPKI and juki"},
		func(ctx context.Context, c *target.Card) {
			ssk := apdu.Command{CLA: 0x80, INS: 0xAE, Data: make([]byte, 256)}
			for _, tc := range []struct {
				app  myna.App
				want apdu.StatusWord
			}{{myna.CardSurfaceAP, apdu.SWKeyDeliveryNotConfigured}, {myna.CommonAP, apdu.SWKeyDeliveryNotConfigured},
				{myna.JPKIAP, apdu.SWSecurityNotSatisfied}, {myna.JukiAP, apdu.SWSecurityNotSatisfied}} {
				ExpectSW(ctx, c, "select "+tc.app.String(), SelectApp(tc.app), apdu.SWSuccess)
				ExpectSW(ctx, c, "SET SESSION KEY on "+tc.app.String(), ssk, tc.want)
			}
		})

	Spec(Meta{ID: "SM-006", Title: "CLA 0C is refused on the text AP, CLA 08 on JPKI", Area: area, App: "card",
		Checks: "a CLA 0C READ BINARY (MAC requested) inside a session on the text AP; a CLA 08 READ BINARY on JPKI",
		Expect: "6987 (no MAC on this card) without killing the session; 69FC on JPKI"},
		func(ctx context.Context, c *target.Card) {
			term := session(ctx, c)
			mac := rawSMRead(myna.TextBasicFour)
			mac.CLA = 0x0C
			Expect(Send(ctx, c, mac).SW).To(Equal(apdu.SWSMObjectsMissing), "CLA 0C")
			r := secure(ctx, c, term, "read after the CLA 0C refusal", apdu.Command{INS: 0xB0, P1: 0x82, Ne: apdu.MaxExtendedNe, Extended: true})
			Expect(r.SW).To(Equal(apdu.SWSuccess), "the session survives a CLA 0C refusal")
			ExpectSW(ctx, c, "select JPKI", SelectApp(myna.JPKIAP), apdu.SWSuccess)
			Expect(Send(ctx, c, rawSMRead(myna.JPKIAuthCert)).SW).To(Equal(apdu.SWSMSessionClosed), "CLA 08 on JPKI")
		})

	Spec(Meta{ID: "SM-007", Title: "selecting an application ends the session", Area: area, App: "text",
		Checks: "open a session, re-SELECT the text AP, send a CLA 08 READ BINARY; then VERIFY the PIN again (plain) and send a command wrapped in the old session",
		Expect: "6982 both times: the session is gone, not only the PIN's verification"},
		func(ctx context.Context, c *target.Card) {
			term := session(ctx, c)
			ExpectSW(ctx, c, "re-select", SelectApp(myna.TextAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "CLA 08 after re-selection", rawSMRead(myna.TextBasicFour), apdu.SWSecurityNotSatisfied)
			oldSessionRefused(ctx, c, term, "re-selection")
		})

	Spec(Meta{ID: "SM-009", Title: "a reset ends the session", Area: area, App: "text",
		Checks: "open a session, reset the card, SELECT the text AP, VERIFY the PIN (plain), send a command wrapped in the old session",
		Expect: "6982: a reset ends the session with the rest of the security state (CARD.md §9)"},
		func(ctx context.Context, c *target.Card) {
			term := session(ctx, c)
			Expect(c.Reset(ctx)).To(Succeed(), "reset the card")
			ExpectSW(ctx, c, "select text AP after the reset", SelectApp(myna.TextAP), apdu.SWSuccess)
			oldSessionRefused(ctx, c, term, "the reset")
		})

	Spec(Meta{ID: "SM-008", Title: "key delivery with a CCS key or garbage is refused", Area: area, App: "text",
		Checks: "after the PIN: SET SESSION KEY whose RSA-OAEP plaintext carries 81 (a CCS key) instead of 80; then 256 random bytes",
		Expect: "6A80 for the CCS form; 6A80 or 6F00 for garbage; no session opens (CLA 08 then answers 6982)"},
		func(ctx context.Context, c *target.Card) {
			ExpectSW(ctx, c, "select text AP", SelectApp(myna.TextAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "verify text PIN", Verify(myna.TextPINRef, Need(Current().Codes.TextPIN, "text PIN").Bytes()), apdu.SWSuccess)
			pub := sessionKey(ctx, c)
			seed := make([]byte, 32)
			_, _ = rand.Read(seed)
			ccs := append([]byte{0xA0, 0x22, 0x81, 0x20}, seed...)
			wrapped, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, ccs, nil)
			Expect(err).NotTo(HaveOccurred())
			ExpectSW(ctx, c, "SET SESSION KEY with a CCS key", apdu.Command{CLA: 0x80, INS: 0xAE, Data: wrapped, Extended: true}, apdu.SWWrongData)
			junk := make([]byte, 256)
			_, _ = rand.Read(junk)
			junk[0] &= 0x7F // below the modulus most of the time
			Expect(Send(ctx, c, apdu.Command{CLA: 0x80, INS: 0xAE, Data: junk, Extended: true}).SW).To(BeElementOf(apdu.SWWrongData, apdu.SWNoPreciseDiagnosis))
			ExpectSW(ctx, c, "CLA 08 with no session", rawSMRead(myna.TextBasicFour), apdu.SWSecurityNotSatisfied)
		})
})
