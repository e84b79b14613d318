// Package robustness is the conformance area for robustness: malformed and
// out-of-place commands must each get their ISO/IEC 7816-4 status word
// (CARD.md §3, §4.1, §8) and leave the card answering; long runs of valid
// reads must always return the same bytes; random command sequences from a
// seeded generator must never crash or hang the card, raise a counter or
// change a free file.
//
// Every malformed command is sent as raw bytes through the target's
// transport, then the card must still answer SELECT with 9000. Some byte
// strings cannot cross PC/SC: see carry for which, and why. The seeds of the
// random specs are fixed (SeedReads, SeedSequences) and printed, so that a
// failure can be replayed.
package robustness

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

const area = "robustness"

// Seeds of the random specs (math/rand/v2 PCG), fixed so that a run can be replayed.
const (
	SeedReads     uint64 = 0x7A1_0E14 // RB-014
	SeedSequences uint64 = 0x7A1_0E15 // RB-015, RB-016
)

// carry says how a malformed byte string travels to the card on each target.
type carry uint8

const (
	// carried: every transport delivers it; the card must answer.
	carried carry = iota
	// readerMayRefuse: shorter than an APDU header. pcscd and vpcd deliver 2-
	// and 3-byte strings (measured), so the emulated targets must answer; a
	// physical reader's driver may refuse them, and there a transport error
	// is accepted (the card is then reset).
	readerMayRefuse
	// notOverVPCD: one byte. vpcd frames a 1-byte payload as its own control
	// message (00 power off, 01 on, 02 reset, 04 ATR), so the card process
	// cannot tell it from one and pcscd then waits for an answer that never
	// comes: not sent via vpcd. In-process the card must answer; a physical
	// reader may refuse it.
	notOverVPCD
	// inProcessOnly: zero bytes. ebfe/scard's Transmit indexes the first
	// byte of the command and panics on an empty one, so it is not sent
	// through PC/SC.
	inProcessOnly
)

// bad is one command the card must refuse with want.
type bad struct {
	name  string
	app   myna.App // selected before sending; 0 keeps the card as it is
	raw   []byte
	want  apdu.StatusWord
	carry carry
}

func h(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// cat joins byte strings.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

var (
	aidSurface = []byte(myna.CardSurfaceAP.AID())
	aidText    = []byte(myna.TextAP.AID())
)

// sent reports whether b is sent on the current target, noting it when not.
func sent(b bad) bool {
	k := Current().Kind
	skip := (b.carry == inProcessOnly && k != target.Emulator) || (b.carry == notOverVPCD && k == target.VPCD)
	if skip {
		GinkgoWriter.Printf("not sent on target %s (the transport cannot carry it): %s\n", k, b.name)
	}
	return !skip
}

// abbrev formats a command for a message: its first 16 bytes in hex.
func abbrev(raw []byte) string {
	if len(raw) <= 16 {
		return fmt.Sprintf("[% X]", raw)
	}
	return fmt.Sprintf("[% X … (%d bytes)]", raw[:16], len(raw))
}

// extendedOK reports whether the card is expected to accept extended length:
// CARD.md §6 says it does [C2]; an emulated card's profile may say otherwise
// (behaviour extended_length false), and then every extended APDU answers 6700.
func extendedOK() bool { return ProfileBehaviour().ExtendedLength }

// isExtended reports whether raw is a well-formed extended-length APDU.
func isExtended(raw []byte) bool {
	c, err := apdu.ParseCommand(raw)
	return err == nil && c.Extended
}

// refuse sends b and checks the card's answer, then that the card still
// answers SELECT of the card-surface AP with 9000.
func refuse(ctx context.Context, c *target.Card, b bad) {
	if !sent(b) {
		return
	}
	if !extendedOK() && isExtended(b.raw) {
		b.want = apdu.SWWrongLength
	}
	// The card-surface AP fresh from stillAnswers' SELECT is the state a SELECT would give.
	if b.app != 0 && !(b.app == myna.CardSurfaceAP && justSelected == selectedAt{c, c.APDUs()}) {
		ExpectSW(ctx, c, b.name+": select "+b.app.String(), SelectApp(b.app), apdu.SWSuccess)
	}
	raw, err := c.T.Transmit(ctx, b.raw)
	switch {
	case err != nil && b.carry != carried && Current().Kind == target.PCSC &&
		(errors.Is(err, reader.ErrTransport) || errors.Is(err, reader.ErrCardRemoved)):
		GinkgoWriter.Printf("%s %s: the reader refused it (%v); accepted for a string shorter than an APDU header\n", b.name, abbrev(b.raw), err)
		ExpectWithOffset(1, c.Reset(ctx)).To(Succeed(), "%s: reset after the reader refused it", b.name)
	case err != nil:
		Fail(fmt.Sprintf("%s %s: no answer from the card: %v", b.name, abbrev(b.raw), err), 1)
	default:
		r, perr := apdu.ParseResponse(raw)
		ExpectWithOffset(1, perr).NotTo(HaveOccurred(), "%s %s: the answer %s is not a response APDU", b.name, abbrev(b.raw), abbrev(raw))
		ExpectWithOffset(1, r.SW).To(Equal(b.want), "%s %s: the card answered %s, CARD.md/ISO 7816-4 want %s", b.name, abbrev(b.raw), r.SW.String(), b.want.String())
		ExpectWithOffset(1, r.Data).To(BeEmpty(), "%s: a refusal carried %d data bytes", b.name, len(r.Data))
	}
	stillAnswers(ctx, c, b.name)
}

// stillAnswers checks that the card answers SELECT of the card-surface AP with 9000.
func stillAnswers(ctx context.Context, c *target.Card, after string) {
	r, err := apdu.Exchange(ctx, c.T, SelectApp(myna.CardSurfaceAP), apdu.ExchangeLimits{})
	ExpectWithOffset(2, err).NotTo(HaveOccurred(), "after %s: SELECT got no answer: the card stopped responding", after)
	ExpectWithOffset(2, r.SW).To(Equal(apdu.SWSuccess), "after %s: SELECT of the card-surface AP answered %s", after, r.SW.String())
	justSelected = selectedAt{c, c.APDUs()}
}

// selectedAt is a card and its APDU count just after stillAnswers' SELECT of
// the card-surface AP answered 9000: while the count has not moved, that is
// the card's last command and refuse need not select the AP again.
type selectedAt struct {
	card  *target.Card
	apdus int
}

// justSelected is the last stillAnswers' card (specs run one at a time in a process).
var justSelected selectedAt

func refuseAll(ctx context.Context, c *target.Card, bs []bad) {
	for _, b := range bs {
		refuse(ctx, c, b)
	}
}

// badCLA, badINS and badP1P2 are shared by RB-001…RB-004 and RB-012.
var (
	badCLA = []bad{
		{name: "CLA A0 (SIM class)", raw: cat(h("A0A4040C0A"), aidSurface), want: apdu.SWCLANotSupported},
		{name: "CLA 90 (proprietary, chaining bit)", raw: h("90B0830000"), want: apdu.SWCLANotSupported},
		{name: "CLA 70 (further interindustry)", raw: h("70B0830000"), want: apdu.SWCLANotSupported},
		{name: "CLA E0", raw: h("E084000010"), want: apdu.SWCLANotSupported},
		{name: "CLA 40 on a case 1 command", raw: h("40200092"), want: apdu.SWCLANotSupported},
		// An unsupported class is refused before its channel bits are read (taimen's default, CARD.md).
		{name: "CLA 11 (chaining bit, channel 1)", raw: h("11B0830000"), want: apdu.SWCLANotSupported},
		{name: "CLA 8D (proprietary with SM bits, channel 1)", raw: h("8D2A000000"), want: apdu.SWCLANotSupported},
	}
	badChannel = []bad{
		{name: "SELECT on channel 1", raw: cat(h("01A4040C0A"), aidSurface), want: apdu.SWChannelNotSupported},
		{name: "READ BINARY on channel 2", raw: h("02B0830000"), want: apdu.SWChannelNotSupported},
		{name: "GET CHALLENGE on channel 3", raw: h("0384000010"), want: apdu.SWChannelNotSupported},
		{name: "proprietary 80 2A on channel 1", raw: h("812A000003010203FF"), want: apdu.SWChannelNotSupported},
	}
	badINS = []bad{
		{name: "INS 00", raw: h("00000000"), want: apdu.SWINSNotSupported},
		{name: "ERASE BINARY 0E", raw: h("000E0000"), want: apdu.SWINSNotSupported},
		{name: "UPDATE BINARY D6", raw: h("00D6000002AAAA"), want: apdu.SWINSNotSupported},
		{name: "CREATE FILE E0", raw: h("00E0000002AAAA"), want: apdu.SWINSNotSupported},
		{name: "ACTIVATE FILE 44", raw: h("00440000"), want: apdu.SWINSNotSupported},
		{name: "MUTUAL AUTHENTICATE 82 (the residence card's, not this card's)", raw: cat(h("0082000028"), make([]byte, 40), h("28")), want: apdu.SWINSNotSupported},
		{name: "proprietary 80 10", raw: h("80100000"), want: apdu.SWINSNotSupported},
		{name: "proprietary 80 F0 with data", raw: h("80F0000001AA00"), want: apdu.SWINSNotSupported},
	}
	badP1P2 = []bad{
		{name: "SELECT P1=01 (child DF by FID)", raw: h("00A4010C020001"), app: myna.CardSurfaceAP, want: apdu.SWIncorrectP1P2},
		{name: "SELECT P1=08 (path from MF)", raw: h("00A4080C0400020003"), want: apdu.SWIncorrectP1P2},
		{name: "SELECT by AID P2=04", raw: cat(h("00A404040A"), aidSurface), want: apdu.SWIncorrectP1P2},
		{name: "VERIFY P1=01", raw: h("00200192"), app: myna.CardSurfaceAP, want: apdu.SWIncorrectP1P2},
		{name: "VERIFY P2=12 (no 80 bit: a global reference)", raw: h("00200012"), app: myna.CardSurfaceAP, want: apdu.SWIncorrectP1P2},
		{name: "VERIFY P2=B2 (reserved bits)", raw: h("002000B2"), app: myna.CardSurfaceAP, want: apdu.SWIncorrectP1P2},
		{name: "READ BINARY P1=A3 (SFI form with reserved bits)", raw: h("00B0A30000"), app: myna.CardSurfaceAP, want: apdu.SWIncorrectP1P2},
		{name: "READ RECORD record 0", raw: h("00B2000C00"), app: myna.CommonAP, want: apdu.SWIncorrectP1P2},
		{name: "GET CHALLENGE P1=01", raw: h("0084010010"), app: myna.CardSurfaceAP, want: apdu.SWIncorrectP1P2},
		{name: "80 2A P1=06 (no such scheme; CARD.md §2.1)", raw: cat(h("802A060033"), digestInfo(), h("00")), app: myna.CardSurfaceAP, want: apdu.SWIncorrectP1P2},
		{name: "SET SESSION KEY P1=01", raw: cat(h("80AE0100000100"), make([]byte, 256)), app: myna.TextAP, want: apdu.SWIncorrectP1P2},
	}
	badLength = []bad{
		{name: "SELECT by AID, P2=0C (no FCI) with an Le", raw: cat(h("00A4040C0A"), aidSurface, h("00")), want: apdu.SWWrongLength},
		{name: "SELECT by AID without an AID", raw: h("00A4040C"), want: apdu.SWWrongLength},
		{name: "SELECT EF with a 1-byte FID", raw: h("00A4020C0102"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "SELECT EF with a 3-byte FID", raw: h("00A4020C03000200"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "READ BINARY without an Le (case 1)", raw: h("00B08300"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "READ BINARY with data (case 3)", raw: h("00B08300020000"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "READ BINARY with data and Le (case 4)", raw: h("00B0830002000000"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "empty VERIFY with an Le", raw: h("0020009200"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "empty VERIFY with an extended Le", raw: h("00200092000100"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "GET CHALLENGE without an Le", raw: h("00840000"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "GET CHALLENGE with data", raw: h("008400000401020304"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "80 2A without data (case 2)", raw: h("802A000000"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "GET DATA 00F2 without an Le (case 1)", raw: h("00CA00F2"), want: apdu.SWWrongLength},
		{name: "GET DATA 00F2 with data (case 4)", raw: h("00CA00F2010000"), want: apdu.SWWrongLength},
		{name: "READ RECORD 1 by SFI without an Le (case 1)", raw: h("00B2010C"), app: myna.CommonAP, want: apdu.SWWrongLength},
		{name: "READ RECORD 1 by SFI with data (case 4)", raw: h("00B2010C010000"), app: myna.CommonAP, want: apdu.SWWrongLength},
		{name: "80 2A with an Le shorter than the signature", raw: cat(h("802A000033"), digestInfo(), h("80")), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "80 A2 with 256 junk bytes (CARD.md §2.1)", raw: cat(h("80A200C1000100"), bytes.Repeat([]byte{0x5A}, 256)), app: myna.JPKIAP, want: apdu.SWWrongLength},
	}
	badEncoding = []bad{
		{name: "zero bytes", raw: []byte{}, want: apdu.SWWrongLength, carry: inProcessOnly},
		{name: "one byte", raw: h("00"), want: apdu.SWWrongLength, carry: notOverVPCD},
		{name: "two bytes", raw: h("00A4"), want: apdu.SWWrongLength, carry: readerMayRefuse},
		{name: "three bytes", raw: h("00A404"), want: apdu.SWWrongLength, carry: readerMayRefuse},
		{name: "header and Lc without the data", raw: h("00A4040C0A"), want: apdu.SWWrongLength},
		{name: "Lc 10 with 2 data bytes", raw: h("00A4040C0AD392"), want: apdu.SWWrongLength},
		{name: "Lc 2 with 2 data bytes and 2 more", raw: h("00A4020C0200020000"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "truncated extended Le (00 01)", raw: h("00B083000001"), app: myna.CardSurfaceAP, want: apdu.SWWrongLength},
		{name: "extended Lc 0 followed by data", raw: h("00A4040C000000D392"), want: apdu.SWWrongLength},
		{name: "extended Lc 10 with 3 data bytes", raw: h("00A4040C00000AD39210"), want: apdu.SWWrongLength},
		{name: "extended Lc with a 1-byte Le", raw: cat(h("00A4040C00000A"), aidSurface, h("00")), want: apdu.SWWrongLength},
	}
)

// digestInfo is a fixed DigestInfo(SHA-256) of 51 bytes, the form 80 2A signs.
func digestInfo() []byte {
	return DigestInfoSHA256(bytes.Repeat([]byte{0xA5}, 32))
}

var _ = Describe("robustness", Label(area), func() {
	Spec(Meta{ID: "RB-001", Title: "unsupported classes answer 6E00", Area: area, App: "card",
		Checks: "commands with CLA A0, 90, 70, E0 and 40, and with CLA 11 and 8D, unsupported classes with channel bits (each followed by SELECT of the card-surface AP)",
		Expect: "6E00 (class not supported) for each, the class judged before the channel (taimen's default); SELECT still 9000"},
		func(ctx context.Context, c *target.Card) { refuseAll(ctx, c, badCLA) })

	Spec(Meta{ID: "RB-002", Title: "logical channels other than 0 answer 6881", Area: area, App: "card",
		Checks: "SELECT, READ BINARY, GET CHALLENGE and 80 2A with CLA 01, 02, 03 and 81 (CARD.md §6: channel 0 only)",
		Expect: "6881 (logical channel not supported) for each; SELECT on channel 0 still 9000"},
		func(ctx context.Context, c *target.Card) { refuseAll(ctx, c, badChannel) })

	Spec(Meta{ID: "RB-003", Title: "unknown instructions answer 6D00", Area: area, App: "card",
		Checks: "INS 00, 0E, D6, E0, 44 and 82 in the ISO class, 10 and F0 in the proprietary class",
		Expect: "6D00 (instruction not supported) for each; SELECT still 9000"},
		func(ctx context.Context, c *target.Card) { refuseAll(ctx, c, badINS) })

	Spec(Meta{ID: "RB-004", Title: "wrong P1/P2 answer 6A86", Area: area, App: "card",
		Checks: "SELECT P1=01/08 and P2=04; VERIFY P1=01, P2=12, P2=B2; READ BINARY P1=A3; READ RECORD 0; GET CHALLENGE P1=01; 80 2A P1=06; SET SESSION KEY P1=01",
		Expect: "6A86 (incorrect P1-P2) for each; SELECT still 9000"},
		func(ctx context.Context, c *target.Card) { refuseAll(ctx, c, badP1P2) })

	Spec(Meta{ID: "RB-005", Title: "Lc and Le that contradict the command answer 6700", Area: area, App: "card",
		Checks: "well-formed APDUs of the wrong case: SELECT P2=0C with Le or without AID, SELECT EF with 1 or 3 bytes, READ BINARY without Le or with data, VERIFY with (extended) Le, GET CHALLENGE without Le or with data, 80 2A without data or with a short Le, GET DATA and READ RECORD without Le or with data, 80 A2 with 256 junk bytes",
		Expect: "6700 (wrong length) for each; SELECT still 9000"},
		func(ctx context.Context, c *target.Card) { refuseAll(ctx, c, badLength) })

	Spec(Meta{ID: "RB-006", Title: "truncated and inconsistent encodings answer 6700", Area: area, App: "card",
		Checks: "0–3 bytes, header + Lc without data, Lc longer or shorter than the body, truncated extended Le, extended Lc 0 with data, extended Lc mismatched, extended Lc with a 1-byte Le; 0 bytes only in-process (ebfe/scard panics on it), 1 byte not via vpcd (a vpcd control frame)",
		Expect: "6700 for each; a physical reader may refuse the strings shorter than 4 bytes (transport error, then reset); SELECT still 9000"},
		func(ctx context.Context, c *target.Card) { refuseAll(ctx, c, badEncoding) })

	Spec(Meta{ID: "RB-007", Title: "GET CHALLENGE with an extended Le answers 6985", Area: area, App: "surface",
		Checks: "GET CHALLENGE 00 84 00 00 00 00 10 and with Le 0000 (65536), then a short GET CHALLENGE (CARD.md §3, [C1] MCARD)",
		Expect: "6985 (conditions of use not satisfied) for both extended forms; the short form still answers 16 bytes with 9000"},
		func(ctx context.Context, c *target.Card) {
			refuseAll(ctx, c, []bad{
				{name: "GET CHALLENGE, extended Le 16", raw: h("00840000000010"), app: myna.CardSurfaceAP, want: apdu.SWConditionsNotSatisfied},
				{name: "GET CHALLENGE, extended Le 65536", raw: h("00840000000000"), app: myna.CardSurfaceAP, want: apdu.SWConditionsNotSatisfied},
			})
			Expect(ExpectSW(ctx, c, "short GET CHALLENGE", apdu.Command{INS: 0x84, Ne: 16}, apdu.SWSuccess)).To(HaveLen(16))
		})

	Spec(Meta{ID: "RB-008", Title: "GET RESPONSE with nothing pending answers 6985", Area: area, App: "card",
		Checks: "00 C0 00 00 00 right after a reset, after a complete READ BINARY, and with Le 10",
		Expect: "6985 each time (this card never answers 61xx)"},
		func(ctx context.Context, c *target.Card) {
			Expect(c.Reset(ctx)).To(Succeed())
			refuse(ctx, c, bad{name: "GET RESPONSE after a reset", raw: h("00C0000000"), want: apdu.SWConditionsNotSatisfied})
			ExpectSW(ctx, c, "read EF 0003", ReadSFI(myna.SurfaceBasicInfo, 256), apdu.SWSuccess)
			refuse(ctx, c, bad{name: "GET RESPONSE after a complete read", raw: h("00C0000000"), want: apdu.SWConditionsNotSatisfied})
			refuse(ctx, c, bad{name: "GET RESPONSE with Le 10", raw: h("00C0000010"), app: myna.JPKIAP, want: apdu.SWConditionsNotSatisfied})
		})

	Spec(Meta{ID: "RB-009", Title: "no prefix or extension of check code B verifies", Area: area, App: "surface", Destructive: true,
		Checks: "VERIFY 0012 with the first 13 digits, with the 14 digits and one more, and with the first digit only; after each, READ BINARY of EF 0002 and the tries",
		Expect: "never 9000 and EF 0002 stays closed (6982); 63Cx with one try spent (profile \"count\", taimen's default) or 6700 with none (profile \"6700\"); a physical card either, consistent with its counter"},
		func(ctx context.Context, c *target.Card) {
			right := Need(Current().Codes.B, "check code B").Bytes()
			ExpectSW(ctx, c, "select", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY correct (restores the counter)", Verify(myna.SurfaceCheckCodeBRef, right), apdu.SWSuccess)
			limit := retries(ctx, c, "tries after the right value")
			counts, rejects := true, true // what the profile allows
			if Current().Knows("wrong_length_verify") {
				counts = ProfileBehaviour().WrongLengthVerify == myna.WrongLengthCounts
				rejects = !counts
			}
			for _, v := range []struct {
				name  string
				value []byte
			}{
				{"the first 13 digits", right[:13]},
				{"the 14 digits and one more", append(append([]byte(nil), right...), '0')},
				{"the first digit", right[:1]},
			} {
				Reselect(ctx, c, myna.CardSurfaceAP)
				r := Send(ctx, c, Verify(myna.SurfaceCheckCodeBRef, v.value))
				Expect(r.SW).NotTo(Equal(apdu.SWSuccess), "VERIFY with %s was accepted: the card compares only part of the value (or ignores the rest)", v.name)
				ExpectSW(ctx, c, "read EF 0002 after VERIFY with "+v.name, ReadSFI(myna.SurfaceFace, 256), apdu.SWSecurityNotSatisfied)
				left := retries(ctx, c, "tries after VERIFY with "+v.name)
				switch {
				case r.SW == apdu.SWWrongLength:
					Expect(rejects).To(BeTrue(), "VERIFY with %s answered 6700, but the profile says a wrong length counts as a wrong value", v.name)
					Expect(left).To(Equal(limit), "VERIFY with %s answered 6700 yet changed the counter", v.name)
				default:
					n, ok := r.SW.Retries()
					Expect(ok).To(BeTrue(), "VERIFY with %s answered %s, want 63Cx or 6700", v.name, r.SW.String())
					Expect(counts).To(BeTrue(), "VERIFY with %s spent a try (%s), but the profile says a wrong length answers 6700", v.name, r.SW.String())
					Expect(n).To(Equal(limit-1), "VERIFY with %s: tries left", v.name)
					Expect(left).To(Equal(limit-1), "counter after VERIFY with %s", v.name)
				}
				ExpectSW(ctx, c, "VERIFY correct (restores the counter)", Verify(myna.SurfaceCheckCodeBRef, right), apdu.SWSuccess)
			}
		})

	Spec(Meta{ID: "RB-010", Title: "SET SESSION KEY where the card delivers no key", Area: area, App: "card",
		Checks: "80 AE 00 00 with an extended Lc of 256 bytes on the card-surface and common APs, on JPKI and juki, and on the text AP before its PIN (CARD.md §4.1)",
		Expect: "card-surface and common: 66F1 (no key delivery); JPKI, juki and the text AP without PIN: 6982"},
		func(ctx context.Context, c *target.Card) {
			ssk := cat(h("80AE0000000100"), bytes.Repeat([]byte{0x3C}, 256))
			refuseAll(ctx, c, []bad{
				{name: "SET SESSION KEY on the card-surface AP", raw: ssk, app: myna.CardSurfaceAP, want: apdu.SWKeyDeliveryNotConfigured},
				{name: "SET SESSION KEY on the common AP", raw: ssk, app: myna.CommonAP, want: apdu.SWKeyDeliveryNotConfigured},
				{name: "SET SESSION KEY on JPKI", raw: ssk, app: myna.JPKIAP, want: apdu.SWSecurityNotSatisfied},
				{name: "SET SESSION KEY on juki", raw: ssk, app: myna.JukiAP, want: apdu.SWSecurityNotSatisfied},
				{name: "SET SESSION KEY on the text AP before the PIN", raw: ssk, app: myna.TextAP, want: apdu.SWSecurityNotSatisfied},
			})
		})

	Spec(Meta{ID: "RB-011", Title: "secure messaging where the card has none", Area: area, App: "card",
		Checks: "CLA 0C (SM with a MAC) READ BINARY on the text AP; CLA 08 READ BINARY on JPKI (CARD.md §4.1)",
		Expect: "text AP: 6987 (no DO'8E' is ever accepted); JPKI: 69FC; SELECT still 9000"},
		func(ctx context.Context, c *target.Card) {
			refuseAll(ctx, c, []bad{
				{name: "CLA 0C READ BINARY on the text AP", raw: h("0CB0850000"), app: myna.TextAP, want: apdu.SWSMObjectsMissing},
				{name: "CLA 0C SELECT EF on the text AP", raw: h("0CA4020C020005"), app: myna.TextAP, want: apdu.SWSMObjectsMissing},
				{name: "CLA 08 READ BINARY on JPKI", raw: h("08B08A0000"), app: myna.JPKIAP, want: apdu.SWSMSessionClosed},
			})
		})

	Spec(Meta{ID: "RB-012", Title: "refused commands leave the verified state and the counters alone", Area: area, App: "surface",
		Checks: "after check code B: every malformed command of RB-001…RB-004 and RB-006 that selects nothing, sent in a row; then READ BINARY of EF 0002 and the tries of 0012",
		Expect: "each refused as in its own spec; EF 0002 still reads (9000) and the tries are unchanged"},
		func(ctx context.Context, c *target.Card) {
			ExpectSW(ctx, c, "select", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY check code B", Verify(myna.SurfaceCheckCodeBRef, Need(Current().Codes.B, "check code B").Bytes()), apdu.SWSuccess)
			before := Send(ctx, c, TriesQuery(myna.SurfaceCheckCodeBRef)).SW
			n := 0
			for _, group := range [][]bad{badCLA, badChannel, badINS, badP1P2, badEncoding} {
				for _, b := range group {
					if b.app != 0 || b.carry != carried || isSelect(b.raw) {
						continue // they select, or may not reach the card
					}
					raw, err := c.T.Transmit(ctx, b.raw)
					Expect(err).NotTo(HaveOccurred(), "%s: no answer", b.name)
					r, err := apdu.ParseResponse(raw)
					Expect(err).NotTo(HaveOccurred(), "%s: answer %s", b.name, abbrev(raw))
					if !extendedOK() && isExtended(b.raw) {
						b.want = apdu.SWWrongLength
					}
					Expect(r.SW).To(Equal(b.want), "%s %s: the card answered %s", b.name, abbrev(b.raw), r.SW.String())
					n++
				}
			}
			Expect(n).To(BeNumerically(">=", 15), "refused commands sent")
			ExpectSW(ctx, c, fmt.Sprintf("read EF 0002 after %d refused commands", n), ReadSFI(myna.SurfaceFace, 256), apdu.SWSuccess)
			Expect(Send(ctx, c, TriesQuery(myna.SurfaceCheckCodeBRef)).SW).To(Equal(before), "tries of 0012 after the refused commands")
		})

	Spec(Meta{ID: "RB-013", Title: "oversized and junk data", Area: area, App: "card",
		Checks: "SELECT by AID with 255 junk bytes and with an extended Lc of 1000; SELECT by AID with the AID plus one byte; SELECT EF of unknown FIDs; 80 A2 on JPKI with a 307-byte terminal certificate body of junk",
		Expect: "6A82 (not found) for each SELECT; 6A88 for the certificate no known terminal CA signed (taimen's default), never 9000; SELECT still 9000"},
		func(ctx context.Context, c *target.Card) {
			refuseAll(ctx, c, []bad{
				{name: "SELECT by AID, 255 junk bytes", raw: cat(h("00A4040CFF"), bytes.Repeat([]byte{0xD3}, 255)), want: apdu.SWFileNotFound},
				{name: "SELECT by AID, extended Lc 1000", raw: cat(h("00A4040C0003E8"), bytes.Repeat([]byte{0x92}, 1000)), want: apdu.SWFileNotFound},
				{name: "SELECT by AID, the card-surface AID and one more byte", raw: cat(h("00A4040C0B"), aidSurface, h("00")), want: apdu.SWFileNotFound},
				{name: "SELECT by AID, the text AID truncated by one byte", raw: cat(h("00A4040C09"), aidText[:9]), want: apdu.SWFileNotFound},
				{name: "SELECT EF 3F00", raw: h("00A4020C023F00"), app: myna.CardSurfaceAP, want: apdu.SWFileNotFound},
				{name: "SELECT EF FFFF", raw: h("00A4020C02FFFF"), app: myna.CardSurfaceAP, want: apdu.SWFileNotFound},
				{name: "SELECT EF 001F", raw: h("00A4020C02001F"), app: myna.CardSurfaceAP, want: apdu.SWFileNotFound},
			})
			// MCARD: 80 A2 takes a terminal CV certificate, body 307 bytes, extended Lc. No terminal CA is
			// known to the card's profile, so a well-sized body is unverifiable: refused, never 9000.
			refuse(ctx, c, bad{name: "80 A2 with a 307-byte body no known terminal CA signed", raw: cat(h("80A200C1000133"), bytes.Repeat([]byte{0x7F}, 307)), app: myna.JPKIAP, want: apdu.SWReferenceNotFound})
		})

	Spec(Meta{ID: "RB-014", Title: "thousands of valid reads always return the same bytes", Area: area, App: "card",
		Checks: "free EFs read once in full; then random (seed SeedReads) SELECT + READ BINARY by SFI or after SELECT EF, random offset and Le 1–256 or extended: 5,000 commands in-process, 1,000 via vpcd, 10 on a physical card",
		Expect: "every answer 9000 with exactly the reference bytes at that offset; SELECTs 9000"},
		func(ctx context.Context, c *target.Card) { manyReads(ctx, c) })

	Spec(Meta{ID: "RB-015", Title: "random command sequences without VERIFY data", Area: area, App: "card",
		Checks: "sequences of 16 random commands (seed SeedSequences; classes, instructions, parameters, lengths, some encodings corrupted; VERIFY only as the empty query): 200 sequences in-process, 40 via vpcd, 1 on a physical card; after each, SELECT, the counters and the free files (on a physical card the files; the run reads every counter after its last spec)",
		Expect: "every command answered with a well-formed response; after each sequence SELECT 9000, every counter unchanged, every free file identical"},
		func(ctx context.Context, c *target.Card) { sequences(ctx, c, false) })

	Spec(Meta{ID: "RB-016", Title: "random command sequences with wrong VERIFYs never raise a counter", Area: area, App: "card",
		Targets: EmulatedOnly, Destructive: true,
		Checks: "as RB-015 but VERIFY, CHANGE REFERENCE DATA and CHANGE KEY also carry data (never a right value: one byte is always ≥ 80), so counters fall and keys block",
		Expect: "every command answered; after each sequence SELECT 9000, no counter higher than before, every free file identical"},
		func(ctx context.Context, c *target.Card) { sequences(ctx, c, true) })

	Spec(Meta{ID: "RB-017", Title: "SELECT EF of every file ID near the card's", Area: area, App: "card",
		Checks: "in every application: SELECT EF (00 A4 02 0C) of each file ID 0000–0041 and of 00FF, 0100, 1F00, 3F00, FFFF; " +
			"on a physical card a sample: 0000, each file CARD.md lists in the application, the ID after the last, 3F00 and FFFF",
		Expect: "9000 for the files CARD.md lists in that application, 6A82 for every other ID (never a crash or another status)"},
		func(ctx context.Context, c *target.Card) {
			for _, app := range myna.Apps() {
				if app == myna.GPISD {
					continue
				}
				ExpectSW(ctx, c, "select "+app.String(), SelectApp(app), apdu.SWSuccess)
				for _, id := range fileIDsNear(app) {
					want := apdu.SWFileNotFound
					if _, ok := myna.LookupEF(app, id); ok {
						want = apdu.SWSuccess
					}
					ExpectSW(ctx, c, fmt.Sprintf("SELECT EF %04X in %s", uint16(id), app), SelectEF(id), want)
				}
			}
		})
})

var _ = Describe("power", Label(area), func() {
	Spec(Meta{ID: "RB-018", Title: "a card without power answers nothing until it is powered again", Area: area, App: "surface",
		Checks:  "read EF 0003 of the card-surface AP; cut the emulated card's power; SELECT of the card-surface AP; then a power cycle and the same SELECT and read",
		Expect:  "no answer while unpowered (the transport reports the card removed; behind pcscd the card answers 6F00), never 9000; after the power cycle 9000 again",
		Targets: EmulatedOnly},
		func(ctx context.Context, c *target.Card) {
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "READ BINARY of EF 0003", ReadSFI(myna.SurfaceBasicInfo, 1), apdu.SWSuccess)
			emu := c.Emulated()
			emu.PowerOff()
			Expect(emu.Powered()).To(BeFalse(), "the card reports power after PowerOff")
			raw, err := c.T.Transmit(ctx, SelectApp(myna.CardSurfaceAP).MustBytes())
			if err == nil {
				r, perr := apdu.ParseResponse(raw)
				Expect(perr).NotTo(HaveOccurred(), "SELECT to an unpowered card: the answer is not a response APDU")
				Expect(r.SW).To(Equal(apdu.SWNoPreciseDiagnosis), "SELECT to an unpowered card answered %s", r.SW)
			} else {
				Expect(err).To(MatchError(reader.ErrCardRemoved), "SELECT to an unpowered card: the transport must report the card removed")
			}
			Expect(c.PowerCycle(ctx)).To(Succeed(), "power the card again")
			ExpectSW(ctx, c, "select card-surface AP after the power cycle", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "READ BINARY of EF 0003 after the power cycle", ReadSFI(myna.SurfaceBasicInfo, 1), apdu.SWSuccess)
		})
})

// isSelect reports whether raw is a SELECT (it changes the current application or EF).
func isSelect(raw []byte) bool { return len(raw) >= 2 && raw[1] == 0xA4 }

// retries reads the tries of the card-surface check code B (the AP is selected).
func retries(ctx context.Context, c *target.Card, step string) int {
	r := Send(ctx, c, TriesQuery(myna.SurfaceCheckCodeBRef))
	n, ok := r.SW.Retries()
	ExpectWithOffset(1, ok).To(BeTrue(), "%s: tries query answered %s", step, r.SW.String())
	return n
}
