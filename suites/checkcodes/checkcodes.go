// Package checkcodes is the conformance area for check codes and PINs as the
// card judges them (CARD.md §3, §4, "taimen's defaults"): every wrong form of
// check code B on the card-surface AP (key 0012) and the text AP (0015) with
// its exact status word and its effect on that counter and on no other; check
// code A, the birth-date key and the text PIN wrong and right; the empty
// VERIFY and a VERIFY with a wrong P1, which spend nothing; and the reader's
// side: a malformed or misplaced code never reaches the card, and a rejected
// one is never sent again.
//
// Every spec compares the whole map of retry counters before and after (on
// emulated cards also against the emulator's own counters). No spec prints a
// check code or PIN: wrong values are derived from the right ones in memory
// and described in words.
package checkcodes

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

const area = "checkcodes"

// forEachB runs a wrong-then-right story on both applications' check code B
// keys; sampled (a physical card), on one of them, chosen by what, so that
// the specs share their tries between the two applications.
func forEachB(ctx context.Context, c *target.Card, value []byte, what string, wrongLen bool) {
	keys := Present(bKeys...)
	if Sampled() && len(keys) > 1 {
		keys = keys[len(what)%2 : len(what)%2+1]
	}
	NeedTries(Counters(ctx, c, "at the start"), 1, keys...)
	for _, k := range keys {
		if wrongLen {
			wrongLengthThenRight(ctx, c, k, value, what)
		} else {
			wrongThenRight(ctx, c, k, value, what)
		}
	}
}

var _ = Describe("check codes", Label(area), func() {
	Spec(Meta{ID: "CC-001", Title: "wrong birth date in check code B", Area: area, App: "card",
		Checks: "VERIFY 0012 (card-surface) and 0015 (text) with check code B whose birth day is another valid day, then the right code",
		Expect: "63Cx with one try fewer, only that key's counter moves; the right code answers 9000 and resets it", SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			b := checkCodeB()
			v := WrongBirthDay(b)
			mustDiffer(v, SecretOf(myna.SecretCheckCodeB), "check code B with another birth day")
			forEachB(ctx, c, v, "check code B with a wrong birth day", false)
		})

	Spec(Meta{ID: "CC-002", Title: "birth year in the wrong calendar", Area: area, App: "card",
		Checks: "check code B built from the profile's birth date with the Western year instead of the era year printed on the card " +
			"(1980 → 80… instead of 昭和55 → 55…); for a foreign resident's card (Western date printed, so the Western form is right) the era year instead",
		Expect:  "63Cx with one try fewer on that key only (CARD.md §4: the first six digits are the date as printed); the right code then resets it",
		Targets: EmulatedOnly, SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			p := Current().Profile
			if p == nil {
				Skip("needs the holder's Gregorian birth date, which only a profile gives")
			}
			other, what := myna.DateFormWestern, "check code B with the Western birth year instead of the era year printed on the card"
			if p.Person.DateForm == myna.DateFormWestern {
				other, what = myna.DateFormEra, "check code B with the era birth year instead of the Western year printed on this foreign resident's card"
			}
			v, err := myna.NewCheckCodeB(p.Person.BirthDate, other, p.Card.Expiry.Year(), p.Card.SecurityCode)
			Expect(err).NotTo(HaveOccurred(), "build %s", what)
			mustDiffer(v.Bytes(), SecretOf(myna.SecretCheckCodeB), what)
			forEachB(ctx, c, v.Bytes(), what, false)
		})

	Spec(Meta{ID: "CC-003", Title: "wrong expiry year in check code B", Area: area, App: "card",
		Checks: "check code B with the expiry year one off, on 0012 and 0015, then the right code",
		Expect: "63Cx with one try fewer on that key only; the right code answers 9000 and resets it", SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			v := wrongExpiryYear(checkCodeB())
			mustDiffer(v, SecretOf(myna.SecretCheckCodeB), "check code B with another expiry year")
			forEachB(ctx, c, v, "check code B with a wrong expiry year", false)
		})

	Spec(Meta{ID: "CC-004", Title: "wrong security code in check code B", Area: area, App: "card",
		Checks: "check code B with every digit of the security code changed, on 0012 and 0015, then the right code",
		Expect: "63Cx with one try fewer on that key only; the right code answers 9000 and resets it", SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			v := WrongSecurityCode(checkCodeB())
			mustDiffer(v, SecretOf(myna.SecretCheckCodeB), "check code B with another security code")
			forEachB(ctx, c, v, "check code B with a wrong security code", false)
		})

	Spec(Meta{ID: "CC-005", Title: "two adjacent digits swapped", Area: area, App: "card",
		Checks: "check code B with the first pair of differing adjacent digits swapped, on 0012 and 0015, then the right code",
		Expect: "63Cx with one try fewer on that key only; the right code answers 9000 and resets it", SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			v, ok := swapAdjacent(checkCodeB())
			if !ok {
				Skip("every digit of this card's check code B is the same: no swap changes it")
			}
			mustDiffer(v, SecretOf(myna.SecretCheckCodeB), "check code B with two digits swapped")
			forEachB(ctx, c, v, "check code B with two adjacent digits swapped", false)
		})

	Spec(Meta{ID: "CC-006", Title: "check code B one digit short", Area: area, App: "card",
		Checks:    "the first 13 digits of check code B on 0012 and 0015, then the right code",
		Expect:    "taimen's default: a wrong try, 63Cx with one try fewer on that key only (a profile may choose 6700, nothing spent); the right code resets it",
		SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			forEachB(ctx, c, checkCodeB()[:13], "13 digits of check code B", true)
		})

	Spec(Meta{ID: "CC-007", Title: "check code B one digit too long", Area: area, App: "card",
		Checks:    "check code B followed by one more digit (15 digits) on 0012 and 0015, then the right code",
		Expect:    "taimen's default: a wrong try, 63Cx with one try fewer on that key only (a profile may choose 6700, nothing spent); the right code resets it",
		SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			forEachB(ctx, c, append(checkCodeB(), '0'), "check code B with a 15th digit", true)
		})

	Spec(Meta{ID: "CC-008", Title: "letters instead of digits", Area: area, App: "card",
		Checks: "14 ASCII letters (each digit of check code B mapped to a letter) on 0012 and 0015, then the right code",
		Expect: "a wrong value of the right length: 63Cx with one try fewer on that key only; the right code resets it", SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			forEachB(ctx, c, lettersFor(checkCodeB()), "14 letters in place of check code B", false)
		})

	Spec(Meta{ID: "CC-009", Title: "check code A sent to check code B's key", Area: area, App: "card",
		Checks:    "the 12-digit check code A presented to 0012 and 0015 (B's keys), then the right check code B",
		Expect:    "a value of the wrong length: taimen's default 63Cx with one try fewer on that key only (profile option 6700); A's own counters do not move",
		SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			forEachB(ctx, c, SecretOf(myna.SecretCheckCodeA).Bytes(), "check code A", true)
		})

	Spec(Meta{ID: "CC-010", Title: "check code B sent to the birth-date key", Area: area, App: "surface",
		Checks:    "the 14-digit check code B presented to the card-surface birth-date key 0011 (6 digits), then the right birth-date key",
		Expect:    "a value of the wrong length: taimen's default 63Cx with one try fewer on 0011 only (profile option 6700); 0012 does not move",
		SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			wrongLengthThenRight(ctx, c, SurfaceBirthKey, checkCodeB(), "the whole check code B")
		})

	Spec(Meta{ID: "CC-011", Title: "one check code B, two independent counters", Area: area, App: "card",
		Checks:    "a wrong check code B on card-surface 0012, then the right one on text 0015, then the right one on 0012",
		Expect:    "0012 one lower; B opens 0015 (9000) with 0012 still one lower; then 0012 answers 9000 and every counter is as at the start",
		SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			NeedTries(initial, 1, SurfaceBKey)
			v := WrongSecurityCode(checkCodeB())
			wrongTry(ctx, c, SurfaceBKey, v, "check code B with a wrong security code")
			RightTry(ctx, c, TextBKey, Minus(initial, SurfaceBKey, 1), "while card-surface 0012 is one lower (each application has its own counter)")
			RightTry(ctx, c, SurfaceBKey, initial, "after the text application's")
		})

	Spec(Meta{ID: "CC-012", Title: "birth-date key wrong, then right", Area: area, App: "surface",
		Checks: "the 6-digit birth-date key 0011 with another birth day, then the right one, then EF 0001 (age record)",
		Expect: "63Cx with one try fewer on 0011 only; the right key answers 9000, resets it and opens EF 0001", SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			v := WrongBirthDay(SecretOf(myna.SecretBirthDateKey).Bytes())
			mustDiffer(v, SecretOf(myna.SecretBirthDateKey), "a birth-date key with another birth day")
			wrongThenRight(ctx, c, SurfaceBirthKey, v, "a birth-date key with a wrong day")
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY the right birth-date key", Verify(SurfaceBirthKey.Ref, SecretOf(myna.SecretBirthDateKey).Bytes()), apdu.SWSuccess)
			ExpectSW(ctx, c, "read EF 0001 after the birth-date key (CARD.md §2.3)", ReadSFI(myna.SurfaceAgeRecord, 256), apdu.SWSuccess)
		})

	Spec(Meta{ID: "CC-013", Title: "check code A on the card-surface AP", Area: area, App: "surface",
		Checks: "card-surface 0013 with check code A whose last digit is changed, then the right check code A",
		Expect: "63Cx with one try fewer on 0013 only; the right code answers 9000 and resets it", SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			v := WrongValue(SecretOf(myna.SecretCheckCodeA).Bytes())
			wrongThenRight(ctx, c, SurfaceAKey, v, "check code A with a wrong last digit")
		})

	Spec(Meta{ID: "CC-014", Title: "check code A on the text AP", Area: area, App: "text",
		Checks: "text 0014 with check code A whose last digit is changed, then the right check code A",
		Expect: "63Cx with one try fewer on 0014 only; the right code answers 9000 and resets it", SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			v := WrongValue(SecretOf(myna.SecretCheckCodeA).Bytes())
			wrongThenRight(ctx, c, TextAKey, v, "check code A with a wrong last digit")
		})

	Spec(Meta{ID: "CC-015", Title: "text PIN wrong, then right", Area: area, App: "text",
		Checks: "text 0011 with a PIN whose last digit is changed, then the right PIN",
		Expect: "63Cx with one try fewer (a limit of 3: 63C2) on 0011 only; the right PIN answers 9000 and resets it", SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			v := WrongValue(SecretOf(myna.SecretTextPIN).Bytes())
			wrongThenRight(ctx, c, TextPINKey, v, "a text PIN with a wrong last digit")
		})

	Spec(Meta{ID: "CC-016", Title: "empty VERIFY reads the tries and spends nothing", Area: area, App: "card",
		Checks: "5 empty VERIFYs by SFI (00 20 00 8x) and 5 after SELECT EF (00 20 00 80) on each check code, the birth-date key and the text PIN (1 and 1 on a physical card)",
		Expect: "63Cx every time with x = that key's counter (CARD.md §3); no counter moves"},
		func(ctx context.Context, c *target.Card) {
			before := Counters(ctx, c, "before the empty VERIFYs")
			n := 5
			if Sampled() {
				n = 1
			}
			for _, k := range []Key{SurfaceBKey, SurfaceAKey, SurfaceBirthKey, TextBKey, TextAKey, TextPINKey} {
				want := apdu.RetriesLeft(before[k.ID()])
				ExpectSW(ctx, c, "select "+k.App.String(), SelectApp(k.App), apdu.SWSuccess)
				for i := range n {
					ExpectSW(ctx, c, fmt.Sprintf("empty VERIFY %d of %d on %s by SFI", i+1, n, k), TriesQuery(k.Ref), want)
				}
				ExpectSW(ctx, c, "select EF "+k.Ref.String(), SelectEF(k.Ref), apdu.SWSuccess)
				for i := range n {
					ExpectSW(ctx, c, fmt.Sprintf("empty VERIFY %d of %d on %s after SELECT EF", i+1, n, k), myna.VerifySelected(nil), want)
				}
			}
			ExpectCounters(0, fmt.Sprintf("after %d empty VERIFYs: no counter moves", 12*n), before, Counters(ctx, c, "after the empty VERIFYs"))
		})

	Spec(Meta{ID: "CC-017", Title: "VERIFY with P1 other than 00", Area: area, App: "card",
		Checks: "VERIFY 00 20 P1 8x with P1 = 01, 80, FF (01 and FF on a physical card) carrying the RIGHT check code B, on 0012 and 0015 (a card that ignored P1 would answer 9000 and spend nothing)",
		Expect: "6A86 (wrong P1/P2, CARD.md §3) every time; no counter moves"},
		func(ctx context.Context, c *target.Card) {
			for _, k := range Present(bKeys...) {
				p2, _ := k.Ref.KeyRefP2()
				p1s := []byte{0x01, 0x80, 0xFF}
				if Sampled() {
					p1s = []byte{0x01, 0xFF}
				}
				for _, p1 := range p1s {
					noSpend(ctx, c, k, apdu.Command{INS: 0x20, P1: p1, P2: p2, Data: checkCodeB()}, apdu.SWIncorrectP1P2,
						fmt.Sprintf("VERIFY with P1=%02X and the right check code B", p1))
				}
			}
		})

	Spec(Meta{ID: "CC-018", Title: "a right code after wrong ones resets to the limit", Area: area, App: "card",
		Checks:    "on 0012 and 0015: three different wrong forms of check code B, then the right one",
		Expect:    "63C(n−1), 63C(n−2), 63C(n−3); then 9000 and the counter back at the profile's limit (10 by default), every other counter untouched",
		SpendsTry: 3},
		func(ctx context.Context, c *target.Card) {
			b := checkCodeB()
			NeedTries(Counters(ctx, c, "at the start"), 3, Present(bKeys...)...)
			for _, k := range Present(bKeys...) {
				initial := Counters(ctx, c, "at the start")
				if Current().Profile != nil {
					Expect(initial[k.ID()]).To(Equal(RetryLimit(k.Kind)), "a fresh emulated card starts %s at the profile's limit", k)
				}
				now := wrongTryFrom(ctx, c, k, initial, WrongBirthDay(b), "check code B with a wrong birth day")
				now = wrongTryFrom(ctx, c, k, now, wrongExpiryYear(b), "check code B with a wrong expiry year")
				wrongTryFrom(ctx, c, k, now, WrongSecurityCode(b), "check code B with a wrong security code")
				RightTry(ctx, c, k, initial, "after three wrong ones")
			}
		})

	Spec(Meta{ID: "CC-019", Title: "malformed check code B never reaches the card", Area: area, App: "surface",
		Checks: "the reader's form validation (myna.ParseCheckCodeB, reader.SecretFromEnv, reader.CheckCodeBParts) on typos of the card's check code B, " +
			"and Session.Verify with no value, counted at the transport",
		Expect: "every malformed input is an error naming the rule, never the value; not one APDU is sent while parsing, and no VERIFY by the session"},
		func(ctx context.Context, c *target.Card) {
			ct := CountAPDUs(c)
			b := string(checkCodeB())
			fullWidth := strings.Map(func(r rune) rune { return r - '0' + '０' }, b)
			typos := []struct{ what, in string }{
				{"13 digits", b[:13]},
				{"15 digits", b + "0"},
				{"the letter O for a digit", b[:3] + "O" + b[4:]},
				{"full-width digits", fullWidth},
				{"spaces between the groups", b[:6] + " " + b[6:10] + " " + b[10:]},
				{"month 13", b[:2] + "13" + b[4:]},
				{"day 32", b[:4] + "32" + b[6:]},
				{"expiry year 2100", b[:6] + "2100" + b[10:]},
				{"nothing", ""},
			}
			for _, t := range typos {
				_, err := myna.ParseCheckCodeB(t.in)
				Expect(err).To(MatchError(myna.ErrForm), "ParseCheckCodeB with %s must fail with a form error", t.what)
				expectNoValue(err, t.in, "ParseCheckCodeB with "+t.what)
				_, ok, err := reader.SecretFromEnv(func(name string) string {
					if name == reader.EnvCheckCodeB {
						return t.in
					}
					return ""
				}, myna.SecretCheckCodeB, false)
				if t.in != "" {
					Expect(err).To(HaveOccurred(), "%s with %s must be rejected", reader.EnvCheckCodeB, t.what)
					expectNoValue(err, t.in, reader.EnvCheckCodeB+" with "+t.what)
				}
				Expect(ok).To(BeFalse(), "%s with %s must give no secret", reader.EnvCheckCodeB, t.what)
			}

			birth, year, sc, western := "1980-02-17", "2035", "2285", false // CARD.md §4's worked example
			if p := Current().Profile; p != nil {
				birth, year, sc, western = p.Person.BirthDate.Format("2006-01-02"), strconv.Itoa(p.Card.Expiry.Year()), p.Card.SecurityCode, p.Person.DateForm == myna.DateFormWestern
			}
			_, err := reader.CheckCodeBParts(birth, year, sc, western)
			Expect(err).NotTo(HaveOccurred(), "CheckCodeBParts with well-formed parts (the control for the typos below)")
			// bad is the one part each typo changes: the error must not repeat it.
			parts := []struct{ what, birth, year, sc, bad string }{
				{"a birth date written YYYY/MM/DD", strings.ReplaceAll(birth, "-", "/"), year, sc, strings.ReplaceAll(birth, "-", "/")},
				{"a birth date written YYMMDD", birth[2:4] + birth[5:7] + birth[8:10], year, sc, birth[2:4] + birth[5:7] + birth[8:10]},
				{"a 30 February birth date", birth[:5] + "02-30", year, sc, birth[:5] + "02-30"},
				{"a two-digit expiry year", birth, year[2:], sc, year[2:]},
				{"an expiry year with a letter", birth, year[:3] + "O", sc, year[:3] + "O"},
				{"a three-digit security code", birth, year, sc[:3], sc[:3]},
				{"a five-digit security code", birth, year, sc + "0", sc + "0"},
				{"a security code with a letter", birth, year, sc[:3] + "O", sc[:3] + "O"},
				{"a security code with a full-width digit", birth, year, sc[:3] + "０", sc[:3] + "０"},
			}
			for _, t := range parts {
				_, err := reader.CheckCodeBParts(t.birth, t.year, t.sc, western)
				Expect(err).To(HaveOccurred(), "CheckCodeBParts with %s must fail", t.what)
				expectNoValue(err, t.bad, "CheckCodeBParts with "+t.what)
			}
			n, _, _ := ct.Counts()
			Expect(n).To(BeZero(), "APDUs sent while validating the form (DESIGN.md: a typo must not cost a try)")

			s := c.Session()
			Expect(s.SelectApp(ctx, myna.CardSurfaceAP)).To(Succeed(), "the reader selects the card-surface AP")
			Expect(s.Verify(ctx, myna.SurfaceCheckCodeBRef, myna.CheckCodeB{})).NotTo(Succeed(), "Session.Verify with an unset check code B")
			Expect(s.Verify(ctx, myna.SurfaceCheckCodeBRef, nil)).NotTo(Succeed(), "Session.Verify with no secret")
			_, _, v := ct.Counts()
			Expect(v).To(BeZero(), "VERIFY commands sent for a missing value (not even the tries query)")
		})

	Spec(Meta{ID: "CC-020", Title: "the reader refuses a code of the wrong kind", Area: area, App: "card",
		Checks: "Session.Verify with check code A for 0012, check code B for 0013 and for the birth-date key 0011, the text PIN for 0015 and check code B for the text PIN",
		Expect: "each is an error before anything is sent: no VERIFY at all (not even the tries query), and no counter moves"},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			ct := CountAPDUs(c)
			s := c.Session()
			for _, t := range []struct {
				k      Key
				secret myna.SecretKind
			}{
				{SurfaceBKey, myna.SecretCheckCodeA}, {SurfaceAKey, myna.SecretCheckCodeB}, {SurfaceBirthKey, myna.SecretCheckCodeB},
				{TextBKey, myna.SecretTextPIN}, {TextPINKey, myna.SecretCheckCodeB},
			} {
				if !HasApp(t.k.App) {
					continue // not on this card generation
				}
				Expect(s.SelectApp(ctx, t.k.App)).To(Succeed(), "the reader selects %s", t.k.App)
				err := s.Verify(ctx, t.k.Ref, SecretOf(t.secret))
				Expect(err).To(HaveOccurred(), "Session.Verify of a %s for %s", t.secret, t.k)
				var wrong *reader.WrongCodeError
				Expect(errors.As(err, &wrong)).To(BeFalse(), "a %s for %s reached the card and was counted wrong", t.secret, t.k)
			}
			_, _, v := ct.Counts()
			Expect(v).To(BeZero(), "VERIFY commands sent for a code of the wrong kind")
			ExpectCounters(0, "after the refused codes", initial, Counters(ctx, c, "at the end"))
		})

	Spec(Meta{ID: "CC-021", Title: "the reader never resends a rejected value", Area: area, App: "surface",
		Checks:    "Session.Verify of a wrong (well-formed) check code B on 0012 twice, then the right code",
		Expect:    "the first is a WrongCodeError with one try fewer; the second is refused (ErrRefused) without a VERIFY with data; the right code then succeeds and resets the counter",
		SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			NeedTries(initial, 1, SurfaceBKey)
			wrong, err := myna.ParseCheckCodeB(string(WrongSecurityCode(checkCodeB())))
			Expect(err).NotTo(HaveOccurred(), "a check code B with another security code is well-formed")
			ct := CountAPDUs(c)
			s := c.Session()
			Expect(s.SelectApp(ctx, myna.CardSurfaceAP)).To(Succeed(), "the reader selects the card-surface AP")
			err = s.Verify(ctx, SurfaceBKey.Ref, wrong)
			var wce *reader.WrongCodeError
			Expect(errors.As(err, &wce)).To(BeTrue(), "first wrong check code B: want a WrongCodeError, got %v", err)
			Expect(wce.Remaining).To(Equal(initial[SurfaceBKey.ID()]-1), "tries left after the first wrong code")
			_, sent, _ := ct.Counts()
			Expect(sent).To(Equal(1), "VERIFY commands with data for the first wrong code")
			err = s.Verify(ctx, SurfaceBKey.Ref, wrong)
			Expect(err).To(MatchError(reader.ErrRefused), "the same wrong check code B again must be refused (DESIGN.md: never retry a wrong code)")
			_, sent, _ = ct.Counts()
			Expect(sent).To(Equal(1), "VERIFY commands with data after the repeated wrong code")
			ExpectCounters(0, "after the refused repeat: only 0012 one lower", Minus(initial, SurfaceBKey, 1), Counters(ctx, c, "after the repeat"))
			Expect(s.SelectApp(ctx, myna.CardSurfaceAP)).To(Succeed(), "the reader selects the card-surface AP")
			Expect(s.Verify(ctx, SurfaceBKey.Ref, SecretOf(myna.SecretCheckCodeB))).To(Succeed(), "the right check code B after the refusal")
			got := Counters(ctx, c, "at the end")
			ExpectCounters(0, "after the right code: 0012 back at its limit", ResetWant(initial, SurfaceBKey), got)
		})

	Spec(Meta{ID: "CC-022", Title: "the reader builds check code B from the printed date", Area: area, App: "surface",
		Checks:  "reader.CheckCodeBParts from the profile's Gregorian birth date, expiry year and security code (era or Western as the card prints it), then VERIFY on 0012 and 0015",
		Expect:  "the code equals the profile's check code B (compared in constant time, never printed) and the card answers 9000 on both keys",
		Targets: EmulatedOnly},
		func(ctx context.Context, c *target.Card) {
			p := Current().Profile
			if p == nil {
				Skip("needs the printed facts, which only a profile gives")
			}
			code, err := reader.CheckCodeBParts(p.Person.BirthDate.Format("2006-01-02"), strconv.Itoa(p.Card.Expiry.Year()), p.Card.SecurityCode, p.Person.DateForm == myna.DateFormWestern)
			Expect(err).NotTo(HaveOccurred(), "CheckCodeBParts")
			Expect(code.Equal(p.CheckCodeB())).To(BeTrue(), "check code B built from the printed date (%s form) differs from the profile's", p.Person.DateForm)
			initial := Counters(ctx, c, "at the start")
			s := c.Session()
			for _, k := range Present(bKeys...) {
				Expect(s.SelectApp(ctx, k.App)).To(Succeed(), "the reader selects %s", k.App)
				Expect(s.Verify(ctx, k.Ref, code)).To(Succeed(), "VERIFY %s with the built check code B", k)
			}
			ExpectCounters(0, "after the built code", initial, Counters(ctx, c, "at the end"))
		})

	Spec(Meta{ID: "CC-023", Title: "a wrong code opens nothing", Area: area, App: "card",
		Checks: "after a wrong check code B: READ BINARY of card-surface EF 0002, and of text EF 0002; then the right code restores the counters",
		Expect: "6982 for both reads (CARD.md §9: no verified state after a mismatch)", SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			NeedTries(initial, 1, SurfaceBKey, TextBKey)
			v := WrongSecurityCode(checkCodeB())
			mustDiffer(v, SecretOf(myna.SecretCheckCodeB), "check code B with another security code")
			for _, t := range []struct {
				k  Key
				ef myna.FileID
			}{{SurfaceBKey, myna.SurfaceFace}, {TextBKey, myna.TextBasicFour}} {
				ExpectSW(ctx, c, "select "+t.k.App.String(), SelectApp(t.k.App), apdu.SWSuccess)
				ExpectSW(ctx, c, fmt.Sprintf("VERIFY %s with a wrong check code B (CARD.md §3: 63Cx)", t.k), Verify(t.k.Ref, v), apdu.RetriesLeft(initial[t.k.ID()]-1))
				ExpectSW(ctx, c, fmt.Sprintf("read %s/%s right after the wrong check code B", t.k.App, t.ef), ReadSFI(t.ef, 256), apdu.SWSecurityNotSatisfied)
			}
			after := Counters(ctx, c, "after the wrong codes")
			ExpectCounters(0, "after one wrong code on each key", Minus(Minus(initial, SurfaceBKey, 1), TextBKey, 1), after)
			RightTry(ctx, c, SurfaceBKey, Minus(initial, TextBKey, 1), "to restore it")
			RightTry(ctx, c, TextBKey, initial, "to restore it")
		})

	Spec(Meta{ID: "CC-024", Title: "a wrong code closes what the right one opened", Area: area, App: "card",
		Checks:    "on 0012 and 0015: the right check code B, a read of the file it opens (card-surface EF 0002, text EF 0002), a wrong check code B, the same read, then the right code",
		Expect:    "9000 for the first read; after the wrong code 6982 (taimen's default, profile behaviour wrong_code_clears: CARD.md is silent), or 9000 when the profile says the status survives; the right code then restores the counter",
		SpendsTry: 1},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			NeedTries(initial, 1, Present(bKeys...)...)
			v := WrongSecurityCode(checkCodeB())
			mustDiffer(v, SecretOf(myna.SecretCheckCodeB), "check code B with another security code")
			want := apdu.SWSecurityNotSatisfied
			if !ProfileBehaviour().WrongCodeClears {
				want = apdu.SWSuccess
			}
			for _, t := range []struct {
				k  Key
				ef myna.FileID
			}{{SurfaceBKey, myna.SurfaceFace}, {TextBKey, myna.TextBasicFour}} {
				start := Counters(ctx, c, "before "+t.k.String())
				ExpectSW(ctx, c, "select "+t.k.App.String(), SelectApp(t.k.App), apdu.SWSuccess)
				ExpectSW(ctx, c, fmt.Sprintf("VERIFY %s with the right check code B", t.k), Verify(t.k.Ref, checkCodeB()), apdu.SWSuccess)
				ExpectSW(ctx, c, fmt.Sprintf("read %s/%s after the right code", t.k.App, t.ef), ReadSFI(t.ef, 1), apdu.SWSuccess)
				// No counter read in between: reading them selects every application, which
				// clears the verified status by itself. The right code reset the counter to its limit.
				ExpectSW(ctx, c, fmt.Sprintf("VERIFY %s with a wrong check code B after the right one", t.k), Verify(t.k.Ref, v), apdu.RetriesLeft(RetryLimit(t.k.Kind)-1))
				ExpectSW(ctx, c, fmt.Sprintf("read %s/%s after the wrong code (behaviour wrong_code_clears %v)", t.k.App, t.ef, ProfileBehaviour().WrongCodeClears),
					ReadSFI(t.ef, 1), want)
				RightTry(ctx, c, t.k, start, "to restore it")
			}
		})

	Spec(Meta{ID: "CC-025", Title: "changing a PIN: every refusal, then the new PIN for good", Area: area, App: "card",
		Checks: "text PIN 0011 with CHANGE REFERENCE DATA (00 24 01 80|SFI, new value only, CARD.md §3): before a VERIFY; with P1 00; with a 3-digit value; " +
			"on check code B 0015 (not changeable); then a valid new PIN; the old and the new PIN; a restart of the card; the PIN blocked. " +
			"住基 PIN 001C with CHANGE KEY (80 32 00 80) and with CHANGE REFERENCE DATA",
		Expect: "6982 before the VERIFY, 6A86 for P1 00, 6A80 for the bad value, 6985 for B and for the wrong command of each key; 9000 for the change; " +
			"the old PIN then answers 63Cx and the new one 9000, also after the restart; a blocked PIN refuses the change with 6984",
		Targets: EmulatedOnly, Destructive: true, Durable: true},
		func(ctx context.Context, c *target.Card) {
			p := Current().Profile
			old := SecretOf(myna.SecretTextPIN).Bytes()
			fresh := WrongValue(old) // another valid 4-digit PIN
			p2, _ := TextPINKey.Ref.KeyRefP2()
			change := func(p1, p2 byte, v []byte) apdu.Command { return apdu.Command{INS: 0x24, P1: p1, P2: p2, Data: v} }
			ExpectSW(ctx, c, "select the text AP", SelectApp(myna.TextAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "CHANGE REFERENCE DATA of the text PIN before it is verified", change(0x01, p2, fresh), apdu.SWSecurityNotSatisfied)
			ExpectSW(ctx, c, "VERIFY the text PIN", Verify(TextPINKey.Ref, old), apdu.SWSuccess)
			ExpectSW(ctx, c, "CHANGE REFERENCE DATA with P1 00 (CHANGE KEY's P1)", change(0x00, p2, fresh), apdu.SWIncorrectP1P2)
			ExpectSW(ctx, c, "CHANGE REFERENCE DATA with a 3-digit PIN", change(0x01, p2, fresh[:3]), apdu.SWWrongData)
			bp2, _ := TextBKey.Ref.KeyRefP2()
			ExpectSW(ctx, c, "VERIFY check code B on the text AP", Verify(TextBKey.Ref, checkCodeB()), apdu.SWSuccess)
			ExpectSW(ctx, c, "CHANGE REFERENCE DATA of check code B (printed on the card: not changeable)", change(0x01, bp2, WrongSecurityCode(checkCodeB())), apdu.SWConditionsNotSatisfied)
			ExpectSW(ctx, c, "CHANGE KEY (80 32) of the text PIN (it takes CHANGE REFERENCE DATA)", apdu.Command{CLA: 0x80, INS: 0x32, P1: 0x00, P2: p2, Data: fresh}, apdu.SWConditionsNotSatisfied)
			ExpectSW(ctx, c, "CHANGE REFERENCE DATA of the text PIN to a new PIN", change(0x01, p2, fresh), apdu.SWSuccess)
			limit := RetryLimit(myna.SecretTextPIN)
			ExpectSW(ctx, c, "VERIFY the old text PIN after the change", Verify(TextPINKey.Ref, old), apdu.RetriesLeft(limit-1))
			ExpectSW(ctx, c, "VERIFY the new text PIN", Verify(TextPINKey.Ref, fresh), apdu.SWSuccess)
			Expect(c.Restart(ctx)).To(Succeed(), "restart the emulated card on its state directory")
			ExpectSW(ctx, c, "select the text AP after the restart", SelectApp(myna.TextAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY the new text PIN after the restart (the change is durable)", Verify(TextPINKey.Ref, fresh), apdu.SWSuccess)
			for i := range limit {
				ExpectSW(ctx, c, fmt.Sprintf("VERIFY the old text PIN, %d of %d", i+1, limit), Verify(TextPINKey.Ref, old), apdu.RetriesLeft(limit-1-i))
			}
			ExpectSW(ctx, c, "CHANGE REFERENCE DATA of the blocked text PIN", change(0x01, p2, old), apdu.SWReferenceDataBlocked)

			juki := p.JukiPIN().Bytes()
			jp2, _ := myna.JukiPINRef.KeyRefP2()
			jfresh := WrongValue(juki)
			ExpectSW(ctx, c, "select the 住基 AP", SelectApp(myna.JukiAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY the 住基 PIN", Verify(myna.JukiPINRef, juki), apdu.SWSuccess)
			ExpectSW(ctx, c, "CHANGE REFERENCE DATA of the 住基 PIN (it takes CHANGE KEY)", change(0x01, jp2, jfresh), apdu.SWConditionsNotSatisfied)
			ExpectSW(ctx, c, "CHANGE KEY with P1 01", apdu.Command{CLA: 0x80, INS: 0x32, P1: 0x01, P2: jp2, Data: jfresh}, apdu.SWIncorrectP1P2)
			ExpectSW(ctx, c, "CHANGE KEY of the 住基 PIN", apdu.Command{CLA: 0x80, INS: 0x32, P1: 0x00, P2: jp2, Data: jfresh}, apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY the new 住基 PIN", Verify(myna.JukiPINRef, jfresh), apdu.SWSuccess)
		})
})

// expectNoValue fails when an error message repeats the value it rejected
// (errors name the rule, never the value). Neither is printed.
func expectNoValue(err error, value, step string) {
	if err == nil || len(value) < 3 {
		return
	}
	if strings.Contains(err.Error(), value) {
		Fail(fmt.Sprintf("%s: the error message repeats the rejected value (errors must name the rule, never the value)", step))
	}
}
