package robustness

import (
	"bytes"
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

var _ = Describe("driving-licence application robustness", Label(area, "licence"), func() {
	Spec(Meta{ID: "RB-101", Title: "the licence application refuses malformed commands without spending or opening anything", Area: area, App: "licence",
		Checks: "SELECT of the licence AID cut to 15 bytes and of the ELF and EXE AIDs (…31 04 00 …, …31 05 00 …); READ BINARY of EF 001B by SFI without the PIN; " +
			"VERIFY of the PIN with 5 bytes; SELECT of EF 0002 (the PIN EF one appendix of the specification names); after the right PIN, " +
			"READ BINARY of EF 001B in 84-byte pieces (one field reader's limit) and at its end",
		Expect: "6A82 for the three AIDs (DLC_Starter measured 6A82 for ELF and EXE); the protected-read status; the wrong-length VERIFY as behaviour.wrong_length_verify " +
			"(a spent try, 63C9, by default; 6700 when the profile says so); 6A82 for EF 0002; 84-byte pieces equal the whole file; the offset past the end answers the profile's past-end status",
		Destructive: true},
		func(ctx context.Context, c *target.Card) {
			NeedLicence(ctx, c)
			before := Counters(ctx, c, "at the start")
			aid := myna.LicenceAP.AID()
			ExpectSW(ctx, c, "SELECT the licence AID cut to 15 bytes", apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: aid[:15]}, apdu.SWFileNotFound)
			for _, b := range []byte{0x04, 0x05} {
				other := bytes.Clone(aid)
				other[5] = b
				ExpectSW(ctx, c, "SELECT of the ELF/EXE AID", apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: other}, apdu.SWFileNotFound)
			}
			ExpectSW(ctx, c, "select the licence application", SelectApp(myna.LicenceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "EF 001B without the PIN", ReadSFI(myna.LicenceData, 16), apdu.StatusWord(ProfileBehaviour().ProtectedRead))
			want, spent := apdu.RetriesLeft(before[LicenceKey.ID()]-1), 1
			if ProfileBehaviour().WrongLengthVerify == myna.WrongLengthRejects {
				want, spent = apdu.SWWrongLength, 0
			}
			ExpectSW(ctx, c, "VERIFY of the licence PIN with 5 bytes", Verify(myna.LicencePINRef, []byte("12345")), want)
			ExpectSW(ctx, c, "SELECT EF 0002 (別添3-1's PIN EF; the card's is 0006)", SelectEF(0x0002), apdu.SWFileNotFound)
			ExpectCounters(0, "after the malformed commands", Minus(before, LicenceKey, spent), Counters(ctx, c, "after the malformed commands"))
			ExpectSW(ctx, c, "select the licence application", SelectApp(myna.LicenceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY the right PIN", Verify(myna.LicencePINRef, SecretOf(myna.SecretLicencePIN).Bytes()), apdu.SWSuccess)
			whole := ReadEF(ctx, c, myna.LicenceData, "EF 001B whole")
			ExpectSW(ctx, c, "SELECT EF 001B", SelectEF(myna.LicenceData), apdu.SWSuccess)
			var pieces []byte
			for off := 0; off < len(whole); off += 84 {
				pieces = append(pieces, ExpectSW(ctx, c, "READ BINARY of 84 bytes", ReadAt(off, 84), apdu.SWSuccess)...)
			}
			Expect(pieces).To(Equal(whole), "84-byte pieces must equal the whole EF 001B")
			Expect(IsPastEnd(Send(ctx, c, ReadAt(len(whole), 1)).SW)).To(BeTrue(), "READ BINARY at the end of EF 001B answers the past-end status")
			ExpectCounters(0, "at the end: the right PIN restored the counter", before, Counters(ctx, c, "at the end"))
		})
})
