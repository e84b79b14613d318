package reads

import (
	"context"
	"crypto/rsa"
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

// issuerKeys are the licence issuer keys the target's signature must verify under: the
// profile's test key (none on a physical card, whose prefecture keys are not public).
func issuerKeys() []*rsa.PublicKey {
	if p := Current().Profile; p != nil && p.Licence != nil {
		return []*rsa.PublicKey{&p.Licence.IssuerKey().PublicKey}
	}
	return nil
}

var _ = Describe("driving-licence application", Label(area, "licence"), func() {
	Spec(Meta{ID: "RD-101", Title: "the licence data opens with the PIN and its signature verifies", Area: area, App: "licence",
		Checks: "SELECT the licence application (A0 00 00 02 31 06 00 …, 16 bytes); READ BINARY of EF 001A, EF 001B and EF 001C without the PIN; " +
			"VERIFY the PIN (or **** when EF 001A says none was set) by SFI (00 20 00 86); read EF 001B and EF 001C whole",
		Expect: "9000; EF 001A is C1 01 01 (a PIN was set) or C1 01 00 and agrees with the profile; EF 001B answers the profile's protected-read status " +
			"(6982) before the PIN and 9000 after; EF 001B parses (era-coded dates, JIS X 0201 digits) and holds the profile's licence; " +
			"EF 001C's SHA-256/RSA-2048 PKCS#1 v1.5 signature verifies over it under the issuing prefecture's key (docs/LICENCE.md)"},
		func(ctx context.Context, c *target.Card) {
			NeedLicence(ctx, c)
			ExpectSW(ctx, c, "select the licence application", SelectApp(myna.LicenceAP), apdu.SWSuccess)
			set, err := myna.ParsePINSetting(ReadEF(ctx, c, myna.LicencePINSetting, "EF 001A (PIN-setting flag, free)"))
			Expect(err).NotTo(HaveOccurred(), "EF 001A must be C1 01 00/01 (DLC_Starter)")
			protected := apdu.StatusWord(ProfileBehaviour().ProtectedRead)
			Expect(Send(ctx, c, ReadSFI(myna.LicenceData, 16)).SW).To(Equal(protected), "EF 001B before the PIN: the licence data needs it")
			pin := SecretOf(myna.SecretLicencePIN)
			if p := Current().Profile; p != nil {
				Expect(set).To(Equal(p.Licence.PINSet()), "EF 001A says whether the holder set a PIN (the profile's licence.pin)")
			}
			if !set {
				pin, _ = myna.ParseLicencePIN(myna.LicencePINNotSet)
			}
			ExpectSW(ctx, c, "VERIFY the licence PIN by SFI (00 20 00 86)", Verify(myna.LicencePINRef, pin.Bytes()), apdu.SWSuccess)
			rec, err := myna.ParseLicenceData(ReadEF(ctx, c, myna.LicenceData, "EF 001B (licence data)"))
			Expect(err).NotTo(HaveOccurred(), "EF 001B must parse (docs/LICENCE.md)")
			if p := Current().Profile; p != nil {
				Expect(rec.Number == p.Licence.Number && rec.Expiry.Equal(p.Licence.Expiry) && rec.Issued.Equal(p.Licence.Issued)).
					To(BeTrue(), "EF 001B holds the profile's licence number and dates (values not shown)")
			}
			sig, _, err := myna.ParseLicenceSignature(ReadEF(ctx, c, myna.LicenceSignature, "EF 001C (signature)"))
			Expect(err).NotTo(HaveOccurred(), "EF 001C must hold a signature")
			keys := issuerKeys()
			if len(keys) == 0 {
				Skip("the issuing prefecture's key of a physical card is not public: the signature was read, not checked")
			}
			Expect(myna.VerifyLicenceSignature(rec.Signed, sig, keys[0])).To(Succeed(),
				"EF 001C must verify over EF 001B under the issuing prefecture's key: changed licence data does not")
		})

	Spec(Meta{ID: "RD-102", Title: "a card without the licence application answers 6A82 and the reader says so", Area: area, App: "licence",
		Checks: "SELECT the licence application's AID on a card whose holder linked no licence; then reader.ReadLicence",
		Expect: "6A82 (file or application not found); the reader stops with \"no licence on this card\" before any VERIFY: no counter moves"},
		func(ctx context.Context, c *target.Card) {
			NoLicence(ctx, c)
			var before map[string]int
			if !Sampled() { // a physical card's counters are read by the run before its first spec and after its last
				before = Counters(ctx, c, "at the start")
			}
			ExpectSW(ctx, c, "select the licence application", SelectApp(myna.LicenceAP), apdu.SWFileNotFound)
			_, err := reader.ReadLicence(ctx, reader.NewSession(c.T, Current().Guard()), reader.LicenceOptions{})
			Expect(errors.Is(err, reader.ErrNoLicence)).To(BeTrue(), "reader.ReadLicence must answer ErrNoLicence, got %v", err)
			Expect(err.Error()).To(ContainSubstring("no licence on this card"))
			if before != nil {
				ExpectCounters(0, "after the refused read", before, Counters(ctx, c, "at the end"))
			}
		})

	Spec(Meta{ID: "RD-103", Title: "the reader's licence flow checks the signature", Area: area, App: "licence",
		Checks: "reader.ReadLicence with the card's PIN and the issuing prefecture's key",
		Expect: "the licence is read, its signature verified (SignatureOK); the PIN counter is back at its limit"},
		func(ctx context.Context, c *target.Card) {
			NeedLicence(ctx, c)
			keys := issuerKeys()
			if len(keys) == 0 {
				Skip("the issuing prefecture's key of a physical card is not public")
			}
			l, err := reader.ReadLicence(ctx, reader.NewSession(c.T, Current().Guard()), reader.LicenceOptions{
				PIN: func() (myna.Secret, error) { return SecretOf(myna.SecretLicencePIN), nil }, IssuerKeys: keys})
			Expect(err).NotTo(HaveOccurred(), "read the licence")
			Expect(l.SignatureErr).NotTo(HaveOccurred(), "the licence data's signature must verify")
			Expect(Counters(ctx, c, "after the read")[LicenceKey.ID()]).To(Equal(RetryLimit(myna.SecretLicencePIN)), "the right PIN leaves the counter at its limit")
		})
})
