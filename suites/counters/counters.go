// Package counters is the conformance area for retry counters (CARD.md §3,
// §9, "taimen's defaults"; DESIGN.md "Rules of the domain"): one try spent
// per wrong value, reset only by a right one, blocked at zero — the
// exhausting try answers 63C0, every later VERIFY with data 6984 (the right
// value too), the empty VERIFY the profile's blocked-status answer — and
// blocked still after re-SELECT, reset, power cycle and restart; counters
// independent per key and per application; a power cut in the middle of a
// VERIFY that never buys a free try; the JPKI PIN and signing password; the
// text AP's key 0012 that arrives blocked; and the reader's refusals around
// a blocked key and its safety floor.
//
// Every spec compares the whole map of retry counters (on emulated cards also
// against the emulator's own counters). Specs that drive a counter down are
// destructive; those that block a key cannot be undone on a physical card.
package counters

import (
	"context"
	"errors"
	"fmt"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

const area = "counters"

// checkCodeKeys are the check-code keys (limit 10 by default); pinKeys the PINs.
var (
	checkCodeKeys = []Key{SurfaceBKey, TextBKey, SurfaceAKey, TextAKey, SurfaceBirthKey}
	pinKeys       = []Key{TextPINKey, jpkiAuth, jpkiSign}
)

// countDownThenRight spends all but one try of k, checking each answer and
// the tries query after each, then presents the right value.
func countDownThenRight(ctx context.Context, c *target.Card, k Key) {
	initial := Counters(ctx, c, "at the start")
	n := initial[k.ID()]
	if Current().Profile != nil {
		Expect(n).To(Equal(RetryLimit(k.Kind)), "a fresh emulated card starts %s at the profile's limit", k)
	}
	ExpectSW(ctx, c, "select "+k.App.String(), SelectApp(k.App), apdu.SWSuccess)
	wrong := WrongFor(k)
	for i := 1; i < n; i++ {
		ExpectSW(ctx, c, fmt.Sprintf("wrong try %d of %d on %s (CARD.md §3: one try per wrong value, 63Cx with x = tries left)", i, n-1, k),
			Verify(k.Ref, wrong), apdu.RetriesLeft(n-i))
		ExpectSW(ctx, c, fmt.Sprintf("tries query after wrong try %d on %s", i, k), TriesQuery(k.Ref), apdu.RetriesLeft(n-i))
	}
	ExpectCounters(0, fmt.Sprintf("after %d wrong tries: only %s moved, to 1", n-1, k.ID()), Minus(initial, k, n-1), Counters(ctx, c, "after the wrong tries"))
	RightTry(ctx, c, k, initial, "on its last try")
}

// tornVerify arms a power cut after the next durable decrement and sends
// VERIFY value to k: the command must get no answer — never 9000 and never a
// 63Cx — and the transport must report the card removed.
func tornVerify(ctx context.Context, c *target.Card, k Key, value []byte, what string) {
	if !slices.Contains(CurrentSpecReport().Labels(), "power-cut") {
		Fail("a spec that cuts the card's power must say so (Meta.PowerCut, label power-cut)")
	}
	ExpectSW(ctx, c, "select "+k.App.String(), SelectApp(k.App), apdu.SWSuccess)
	emu := c.Emulated()
	emu.TearAfterNextDecrement()
	step := fmt.Sprintf("VERIFY %s with %s, torn after the decrement", k, what)
	r, err := apdu.Exchange(ctx, c.T, Verify(k.Ref, value), apdu.ExchangeLimits{})
	if err == nil {
		Fail(fmt.Sprintf("%s answered %v: a card that lost power answers nothing (the transport must report it removed)", step, r.SW.String()))
	}
	Expect(err).To(MatchError(reader.ErrCardRemoved), "%s: the transport must report the card removed", step)
	Expect(emu.Powered()).To(BeFalse(), "%s: the card lost power", step)
}

var _ = Describe("retry counters", Label(area), func() {
	Spec(Meta{ID: "RC-001", Title: "check codes count down by one per wrong try", Area: area, App: "card",
		Checks:      "on 0012 and 0015 (B), 0013 and 0014 (A) and the birth-date key 0011: every try but the last spent with a wrong value, a tries query after each, then the right value",
		Expect:      "63C9, 63C8 … 63C1 with the profile's limit of 10, the query agreeing each time; only that counter moves; the right value answers 9000 and resets it",
		Destructive: true},
		func(ctx context.Context, c *target.Card) {
			for _, k := range Present(checkCodeKeys...) {
				countDownThenRight(ctx, c, k)
			}
		})

	Spec(Meta{ID: "RC-002", Title: "PINs count down by one per wrong try", Area: area, App: "card",
		Checks:      "the text PIN 0011, the JPKI authentication PIN 0018 and the signing password 001B: every try but the last spent with a wrong value, then the right one",
		Expect:      "63C2, 63C1 for the PINs (limit 3), 63C4 … 63C1 for the password (limit 5); only that counter moves; the right value answers 9000 and resets it",
		Destructive: true},
		func(ctx context.Context, c *target.Card) {
			for _, k := range Present(pinKeys...) {
				countDownThenRight(ctx, c, k)
			}
		})

	Spec(Meta{ID: "RC-003", Title: "only a right code resets a spent counter", Area: area, App: "surface",
		Checks:      "three wrong check codes B on 0012, then re-SELECT, a reset, a power cycle and tries queries; then the right code",
		Expect:      "the counter stays three lower through all of them (CARD.md §3: it resets only on a successful VERIFY); then 9000 and back at the limit",
		Destructive: true},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			n := initial[SurfaceBKey.ID()]
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			countDown(ctx, c, SurfaceBKey, n, 3)
			spent := Minus(initial, SurfaceBKey, 3)
			ExpectSW(ctx, c, "re-select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "tries query after re-SELECT", TriesQuery(SurfaceBKey.Ref), apdu.RetriesLeft(n-3))
			ExpectCounters(0, "after re-SELECT", spent, Counters(ctx, c, "after re-SELECT"))
			Expect(c.Reset(ctx)).To(Succeed(), "reset the card")
			ExpectCounters(0, "after a reset", spent, Counters(ctx, c, "after a reset"))
			Expect(c.PowerCycle(ctx)).To(Succeed(), "power-cycle the card")
			ExpectCounters(0, "after a power cycle", spent, Counters(ctx, c, "after a power cycle"))
			RightTry(ctx, c, SurfaceBKey, initial, "after three wrong ones")
		})

	Spec(Meta{ID: "RC-004", Title: "the exhausting try answers 63C0", Area: area, App: "surface",
		Checks: "every try of card-surface 0012 spent with a wrong check code B",
		Expect: "63C9 … 63C1, then 63C0 for the last (CARD.md §3), not 6983 or 6984; 0012 alone is at 0", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			block(ctx, c, SurfaceBKey)
		})

	Spec(Meta{ID: "RC-005", Title: "a blocked key answers 6984 to a wrong value", Area: area, App: "surface",
		Checks: "three more wrong check codes B on blocked 0012",
		Expect: "6984 each time (CARD.md §3, not 6983 and not 63C0); no counter moves", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			block(ctx, c, SurfaceBKey)
			before := Counters(ctx, c, "after blocking")
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			for i := range 3 {
				ExpectSW(ctx, c, fmt.Sprintf("wrong check code B %d of 3 on blocked 0012 (CARD.md §3: 6984)", i+1), Verify(SurfaceBKey.Ref, WrongFor(SurfaceBKey)), apdu.SWReferenceDataBlocked)
			}
			ExpectCounters(0, "after wrong values on a blocked key", before, Counters(ctx, c, "at the end"))
		})

	Spec(Meta{ID: "RC-006", Title: "a blocked key refuses the right value", Area: area, App: "surface",
		Checks: "the right check code B on blocked 0012, then READ BINARY of EF 0002",
		Expect: "6984 (CARD.md §3: any VERIFY after blocking), then 6982: nothing is opened; no counter moves", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			block(ctx, c, SurfaceBKey)
			before := Counters(ctx, c, "after blocking")
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "right check code B on blocked 0012 (CARD.md §3: 6984)", Verify(SurfaceBKey.Ref, SecretOf(myna.SecretCheckCodeB).Bytes()), apdu.SWReferenceDataBlocked)
			ExpectSW(ctx, c, "read EF 0002 after the refused right code", ReadSFI(myna.SurfaceFace, 256), apdu.SWSecurityNotSatisfied)
			ExpectCounters(0, "after the right value on a blocked key", before, Counters(ctx, c, "at the end"))
		})

	Spec(Meta{ID: "RC-007", Title: "the tries query of a blocked key", Area: area, App: "surface",
		Checks: "5 empty VERIFYs by SFI and 5 after SELECT EF 0012 on blocked 0012",
		Expect: "the profile's blocked-status answer every time (default 63C0, CARD.md \"taimen's defaults\"); nothing moves; still blocked", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			block(ctx, c, SurfaceBKey)
			before := Counters(ctx, c, "after blocking")
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			for i := range 5 {
				ExpectSW(ctx, c, fmt.Sprintf("empty VERIFY %d of 5 by SFI on blocked 0012", i+1), TriesQuery(SurfaceBKey.Ref), blockedQuery())
			}
			ExpectSW(ctx, c, "select EF 0012", SelectEF(SurfaceBKey.Ref), apdu.SWSuccess)
			for i := range 5 {
				ExpectSW(ctx, c, fmt.Sprintf("empty VERIFY %d of 5 after SELECT EF on blocked 0012", i+1), myna.VerifySelected(nil), blockedQuery())
			}
			ExpectCounters(0, "after the queries", before, Counters(ctx, c, "after the queries"))
			expectBlocked(ctx, c, SurfaceBKey, "after the queries")
		})

	Spec(Meta{ID: "RC-008", Title: "still blocked after re-SELECT", Area: area, App: "surface",
		Checks: "block 0012, select the text AP, the card-surface AP again and EF 0012",
		Expect: "query: the blocked-status answer; right code: 6984 (CARD.md §9: blocked stays blocked across re-select)", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			block(ctx, c, SurfaceBKey)
			ExpectSW(ctx, c, "select text AP", SelectApp(myna.TextAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "select EF 0012", SelectEF(SurfaceBKey.Ref), apdu.SWSuccess)
			expectBlocked(ctx, c, SurfaceBKey, "after re-SELECT")
		})

	Spec(Meta{ID: "RC-009", Title: "still blocked after a reset", Area: area, App: "surface",
		Checks: "block 0012, reset the card (PC/SC: reconnect with reset)",
		Expect: "query: the blocked-status answer; right code: 6984", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			block(ctx, c, SurfaceBKey)
			Expect(c.Reset(ctx)).To(Succeed(), "reset the card")
			expectBlocked(ctx, c, SurfaceBKey, "after a reset")
		})

	Spec(Meta{ID: "RC-010", Title: "still blocked after a power cycle", Area: area, App: "surface",
		Checks: "block 0012, remove and restore power (as leaving and re-entering the field)",
		Expect: "query: the blocked-status answer; right code: 6984", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			block(ctx, c, SurfaceBKey)
			Expect(c.PowerCycle(ctx)).To(Succeed(), "power-cycle the card")
			expectBlocked(ctx, c, SurfaceBKey, "after a power cycle")
		})

	Spec(Meta{ID: "RC-011", Title: "still blocked after an emulator restart", Area: area, App: "surface",
		Checks:  "block 0012 on a card with a state directory, end the card process and start a new one on the same state",
		Expect:  "the new card's counters equal the old one's (0012 at 0); query: the blocked-status answer; right code: 6984",
		Targets: EmulatedOnly, Destructive: true, Durable: true},
		func(ctx context.Context, c *target.Card) {
			initial := block(ctx, c, SurfaceBKey)
			Expect(c.Restart(ctx)).To(Succeed(), "restart the emulated card on its state directory")
			ExpectCounters(0, "after the restart", Minus(initial, SurfaceBKey, initial[SurfaceBKey.ID()]), Counters(ctx, c, "after the restart"))
			expectBlocked(ctx, c, SurfaceBKey, "after a restart")
		})

	Spec(Meta{ID: "RC-012", Title: "blocking card-surface B leaves every other key usable", Area: area, App: "card",
		Checks: "block card-surface 0012, then the right values on text 0015, card-surface 0013 and 0011, and the JPKI authentication PIN",
		Expect: "only surface/0012 is at 0 (whole map); each other key answers 9000 and stays at its limit", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			initial := block(ctx, c, SurfaceBKey)
			blocked := Minus(initial, SurfaceBKey, initial[SurfaceBKey.ID()])
			for _, k := range []Key{TextBKey, SurfaceAKey, SurfaceBirthKey, jpkiAuth} {
				RightTry(ctx, c, k, blocked, "while card-surface 0012 is blocked")
			}
			expectBlocked(ctx, c, SurfaceBKey, "after the other keys were used")
		})

	Spec(Meta{ID: "RC-013", Title: "blocking text B leaves card-surface B usable", Area: area, App: "card",
		Checks: "block text 0015, then the right check code B on card-surface 0012 and READ BINARY of its EF 0002",
		Expect: "only text/0015 is at 0 (whole map); 0012 answers 9000 and the card face reads 9000", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			NeedApps(myna.TextAP)
			initial := block(ctx, c, TextBKey)
			RightTry(ctx, c, SurfaceBKey, Minus(initial, TextBKey, initial[TextBKey.ID()]), "while text 0015 is blocked")
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY card-surface 0012", Verify(SurfaceBKey.Ref, SecretOf(myna.SecretCheckCodeB).Bytes()), apdu.SWSuccess)
			ExpectSW(ctx, c, "read the card face", ReadSFI(myna.SurfaceFace, 256), apdu.SWSuccess)
			expectBlocked(ctx, c, TextBKey, "after card-surface B was used")
		})

	Spec(Meta{ID: "RC-014", Title: "interleaved wrong tries spend only their own key", Area: area, App: "card",
		Checks:      "two rounds of one wrong value on each of the eight keys in turn (B, A and the birth-date key; the text PIN, JPKI PIN and password), then the right values",
		Expect:      "each answer is 63Cx for that key's own count; after each round every counter is exactly two, then one… lower as expected (whole map); the right values restore all",
		Destructive: true},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			keys := Present(append(append([]Key{}, checkCodeKeys...), pinKeys...)...)
			want := initial
			for round := 1; round <= 2; round++ {
				for _, k := range keys {
					want = Minus(want, k, 1)
					ExpectSW(ctx, c, "select "+k.App.String(), SelectApp(k.App), apdu.SWSuccess)
					ExpectSW(ctx, c, fmt.Sprintf("round %d: wrong value on %s (its own count, CARD.md §3)", round, k), Verify(k.Ref, WrongFor(k)), apdu.RetriesLeft(want[k.ID()]))
				}
				ExpectCounters(0, fmt.Sprintf("after round %d", round), want, Counters(ctx, c, fmt.Sprintf("after round %d", round)))
			}
			for _, k := range keys {
				want = RightTry(ctx, c, k, want, "after the interleaved wrong tries")
			}
		})

	Spec(Meta{ID: "RC-015", Title: "a power cut during a right VERIFY spends the try", Area: area, App: "surface",
		Checks:  "tear VERIFY of the RIGHT check code B on 0012 after its decrement is durable, then restart the card process on its state",
		Expect:  "no answer (card removed); after the restart 0012 is one lower, nothing else moved, nothing is open (6982); the right code then resets it",
		Targets: EmulatedOnly, Destructive: true, PowerCut: true, Durable: true},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			tornVerify(ctx, c, SurfaceBKey, SecretOf(myna.SecretCheckCodeB).Bytes(), "the right check code B")
			Expect(c.Restart(ctx)).To(Succeed(), "restart the emulated card on its state directory")
			ExpectCounters(0, "after the torn VERIFY and a restart (DESIGN.md: the decrement is durable before the comparison)", Minus(initial, SurfaceBKey, 1), Counters(ctx, c, "after the restart"))
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "read EF 0002 after the torn VERIFY", ReadSFI(myna.SurfaceFace, 256), apdu.SWSecurityNotSatisfied)
			RightTry(ctx, c, SurfaceBKey, initial, "after the torn one")
		})

	Spec(Meta{ID: "RC-016", Title: "a power cut during a wrong VERIFY spends the try", Area: area, App: "surface",
		Checks:  "tear VERIFY of a wrong check code B on 0012 after its decrement is durable, then reset the card",
		Expect:  "no answer (card removed); after the reset 0012 is one lower and nothing else moved: tearing buys no free try",
		Targets: EmulatedOnly, Destructive: true, PowerCut: true},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			tornVerify(ctx, c, SurfaceBKey, WrongFor(SurfaceBKey), "a wrong check code B")
			Expect(c.Reset(ctx)).To(Succeed(), "reset the card after the power cut")
			ExpectCounters(0, "after the torn wrong VERIFY and a reset", Minus(initial, SurfaceBKey, 1), Counters(ctx, c, "after the reset"))
			RightTry(ctx, c, SurfaceBKey, initial, "after the torn wrong one")
		})

	Spec(Meta{ID: "RC-017", Title: "a power cut on the last try leaves the key blocked", Area: area, App: "surface",
		Checks:  "spend all but one try of 0012, tear a VERIFY of the RIGHT check code B on the last, then power-cycle",
		Expect:  "no answer; after the power cycle 0012 is at 0: the query answers the blocked-status answer and the right code 6984",
		Targets: EmulatedOnly, Destructive: true, PowerCut: true},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			n := initial[SurfaceBKey.ID()]
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			countDown(ctx, c, SurfaceBKey, n, n-1)
			tornVerify(ctx, c, SurfaceBKey, SecretOf(myna.SecretCheckCodeB).Bytes(), "the right check code B on its last try")
			Expect(c.PowerCycle(ctx)).To(Succeed(), "power-cycle the card after the power cut")
			ExpectCounters(0, "after the torn last try and a power cycle", Minus(initial, SurfaceBKey, n), Counters(ctx, c, "after the power cycle"))
			expectBlocked(ctx, c, SurfaceBKey, "after a torn last try")
		})

	Spec(Meta{ID: "RC-018", Title: "JPKI authentication PIN: three tries, then blocked", Area: area, App: "jpki",
		Checks: "three wrong PINs on JPKI 0018, then the tries query and the right PIN",
		Expect: "63C2, 63C1, 63C0 (limit 3, CARD.md §3); then the blocked-status answer and 6984; only jpki/0018 at 0", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			initial := block(ctx, c, jpkiAuth)
			if Current().Profile != nil {
				Expect(initial[jpkiAuth.ID()]).To(Equal(RetryLimit(jpkiAuth.Kind)), "JPKI 0018 starts at the profile's limit")
			}
			expectBlocked(ctx, c, jpkiAuth, "after three wrong PINs")
		})

	Spec(Meta{ID: "RC-019", Title: "JPKI signing password: five tries, then blocked", Area: area, App: "jpki",
		Checks: "five wrong passwords on JPKI 001B, then the tries query and the right password",
		Expect: "63C4 … 63C0 (limit 5, CARD.md §3); then the blocked-status answer and 6984; only jpki/001B at 0", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			initial := block(ctx, c, jpkiSign)
			if Current().Profile != nil {
				Expect(initial[jpkiSign.ID()]).To(Equal(RetryLimit(jpkiSign.Kind)), "JPKI 001B starts at the profile's limit")
			}
			expectBlocked(ctx, c, jpkiSign, "after five wrong passwords")
		})

	Spec(Meta{ID: "RC-020", Title: "text PIN: three tries, then blocked", Area: area, App: "text",
		Checks: "three wrong PINs on text 0011, then the tries query and the right PIN, then check code B on text 0015",
		Expect: "63C2, 63C1, 63C0; then the blocked-status answer and 6984; only text/0011 at 0, and B still opens 0015", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			initial := block(ctx, c, TextPINKey)
			expectBlocked(ctx, c, TextPINKey, "after three wrong PINs")
			RightTry(ctx, c, TextBKey, Minus(initial, TextPINKey, initial[TextPINKey.ID()]), "while the text PIN is blocked")
		})

	Spec(Meta{ID: "RC-021", Title: "the text AP's key 0012 arrives blocked", Area: area, App: "text",
		Checks: "on a card as issued: empty VERIFY on text 0012 (by SFI and after SELECT EF); only if that says blocked, VERIFY with 4 and 14 digits",
		Expect: "the blocked-status answer (default 63C0, CARD.md §2.2), then 6984 for any data; no counter moves"},
		func(ctx context.Context, c *target.Card) {
			before := Counters(ctx, c, "at the start")
			Expect(before).To(HaveKeyWithValue(textBlocked.ID(), 0), "text/0012 arrives blocked (CARD.md §2.2)")
			ExpectSW(ctx, c, "select text AP", SelectApp(myna.TextAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "empty VERIFY on text 0012 by SFI", TriesQuery(textBlocked.Ref), blockedQuery())
			ExpectSW(ctx, c, "select EF 0012", SelectEF(textBlocked.Ref), apdu.SWSuccess)
			ExpectSW(ctx, c, "empty VERIFY on text 0012 after SELECT EF", myna.VerifySelected(nil), blockedQuery())
			for _, v := range [][]byte{[]byte("0000"), []byte("00000000000000")} {
				ExpectSW(ctx, c, fmt.Sprintf("VERIFY text 0012 with %d digits (CARD.md §2.2: 6984)", len(v)), Verify(textBlocked.Ref, v), apdu.SWReferenceDataBlocked)
			}
			ExpectCounters(0, "after VERIFYs on the blocked key", before, Counters(ctx, c, "at the end"))
		})

	Spec(Meta{ID: "RC-022", Title: "the reader refuses a blocked key", Area: area, App: "surface",
		Checks: "block 0012, then the reader's Session.Verify with the right check code B",
		Expect: "an error matching reader.ErrBlocked after the tries query alone: no VERIFY with data is sent", Destructive: true},
		func(ctx context.Context, c *target.Card) {
			block(ctx, c, SurfaceBKey)
			ct := CountAPDUs(c)
			s := c.Session()
			Expect(s.SelectApp(ctx, myna.CardSurfaceAP)).To(Succeed(), "the reader selects the card-surface AP")
			err := s.Verify(ctx, SurfaceBKey.Ref, SecretOf(myna.SecretCheckCodeB))
			Expect(err).To(MatchError(reader.ErrBlocked), "Session.Verify on a blocked key")
			_, data, all := ct.Counts()
			Expect(data).To(BeZero(), "VERIFY commands with data sent to a blocked key (DESIGN.md: read the tries first)")
			Expect(all).To(Equal(1), "VERIFY commands sent: the tries query alone")
		})

	Spec(Meta{ID: "RC-024", Title: "a card that cannot store a try answers 6581 and changes nothing", Area: area, App: "card",
		Checks: "with the next durable write made to fail (a full or worn memory): a wrong and then the right check code B on card-surface 0012; " +
			"after the text PIN is verified and changed once, a second change that cannot be stored; then a restart of the card",
		Expect: "6581 each time, never 63Cx or 9000: the card answers nothing about the value; no counter moves and EF 0002 stays closed; " +
			"the right code then answers 9000; the PIN of the first change still verifies, also after the restart",
		Targets: EmulatedOnly, Durable: true},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			emu := c.Emulated()
			right := SecretOf(myna.SecretCheckCodeB).Bytes()
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			for _, t := range []struct {
				what  string
				value []byte
			}{{"a wrong check code B", WrongFor(SurfaceBKey)}, {"the right check code B", right}} {
				emu.FailNextWrite()
				ExpectSW(ctx, c, "VERIFY 0012 with "+t.what+" when the decrement cannot be stored", Verify(SurfaceBKey.Ref, t.value), apdu.SWMemoryFailure)
				ExpectSW(ctx, c, "READ BINARY of EF 0002 after the failed VERIFY", ReadSFI(myna.SurfaceFace, 1), apdu.SWSecurityNotSatisfied)
				ExpectCounters(0, "after the failed write of "+t.what, initial, Counters(ctx, c, "after the failed write"))
				ExpectSW(ctx, c, "select card-surface AP after the tries queries", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			}
			ExpectSW(ctx, c, "VERIFY 0012 with the right check code B once writes work again", Verify(SurfaceBKey.Ref, right), apdu.SWSuccess)

			pin := SecretOf(myna.SecretTextPIN).Bytes()
			first := WrongValue(pin)
			second := WrongValue(first)
			p2, _ := TextPINKey.Ref.KeyRefP2()
			change := func(v []byte) apdu.Command { return apdu.Command{INS: 0x24, P1: 0x01, P2: p2, Data: v} }
			ExpectSW(ctx, c, "select the text AP", SelectApp(myna.TextAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY the text PIN", Verify(TextPINKey.Ref, pin), apdu.SWSuccess)
			ExpectSW(ctx, c, "CHANGE REFERENCE DATA of the text PIN", change(first), apdu.SWSuccess)
			emu.FailNextWrite()
			ExpectSW(ctx, c, "a second CHANGE REFERENCE DATA that cannot be stored", change(second), apdu.SWMemoryFailure)
			ExpectSW(ctx, c, "VERIFY the PIN of the first change (the failed one changed nothing)", Verify(TextPINKey.Ref, first), apdu.SWSuccess)
			Expect(c.Restart(ctx)).To(Succeed(), "restart the emulated card on its state directory")
			ExpectSW(ctx, c, "select the text AP after the restart", SelectApp(myna.TextAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY the PIN of the first change after the restart", Verify(TextPINKey.Ref, first), apdu.SWSuccess)
			ExpectCounters(0, "at the end", initial, Counters(ctx, c, "at the end"))
		})

	Spec(Meta{ID: "RC-023", Title: "the reader's guard keeps its floor", Area: area, App: "surface",
		Checks:      "spend all but one try of 0012, then Session.Verify with a guard of floor 1 (a physical card's default), with a wrong and with the right code",
		Expect:      "both refused (reader.ErrRefused) with no VERIFY with data sent; 0012 stays at 1; the right code sent directly then resets it",
		Destructive: true},
		func(ctx context.Context, c *target.Card) {
			initial := Counters(ctx, c, "at the start")
			n := initial[SurfaceBKey.ID()]
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			countDown(ctx, c, SurfaceBKey, n, n-1)
			ct := CountAPDUs(c)
			s := reader.NewSession(c.T, reader.Guard{Floor: 1})
			Expect(s.SelectApp(ctx, myna.CardSurfaceAP)).To(Succeed(), "the reader selects the card-surface AP")
			wrong, err := myna.ParseCheckCodeB(string(WrongFor(SurfaceBKey)))
			Expect(err).NotTo(HaveOccurred(), "a check code B with another security code is well-formed")
			for _, t := range []struct {
				what string
				code myna.Secret
			}{{"a wrong check code B", wrong}, {"the right check code B", SecretOf(myna.SecretCheckCodeB)}} {
				err := s.Verify(ctx, SurfaceBKey.Ref, t.code)
				var refused *reader.RefusedError
				Expect(errors.As(err, &refused)).To(BeTrue(), "Session.Verify with %s on the last try under floor 1: want a RefusedError, got %v", t.what, err)
				Expect(refused.Tries).To(Equal(1), "tries the guard read")
			}
			_, data, _ := ct.Counts()
			Expect(data).To(BeZero(), "VERIFY commands with data sent past the guard")
			ExpectCounters(0, "after the refusals: 0012 still at 1", Minus(initial, SurfaceBKey, n-1), Counters(ctx, c, "after the refusals"))
			RightTry(ctx, c, SurfaceBKey, initial, "sent directly on its last try")
		})
})
