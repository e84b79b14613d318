// Package reads is the conformance area for reads: every file of every
// application, their layouts and signatures, chunked and extended reads, the
// access map, and the status words of reads that must fail (CARD.md §2, §5, §9).
package reads

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"image/png"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/cvc"
	"github.com/taimen-dev/taimen/myna/layout"
	"github.com/taimen-dev/taimen/reader"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

const area = "reads"

// readFace verifies check code B and reads the whole card-surface file.
func readFace(ctx context.Context, c *target.Card) []byte {
	codes := Current().Codes
	ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
	ExpectSW(ctx, c, "VERIFY check code B", Verify(myna.SurfaceCheckCodeBRef, Need(codes.B, "check code B").Bytes()), apdu.SWSuccess)
	return ReadEF(ctx, c, myna.SurfaceFace, "extended READ BINARY of EF 0002")
}

// surfaceCert reads and parses the card-surface AP's CV certificate and checks it against the target's anchors.
func surfaceCert(ctx context.Context, c *target.Card, app myna.App, id myna.FileID) (*cvc.Certificate, cvc.TrustAnchor) {
	raw := ReadEF(ctx, c, id, "read CV certificate")
	cert, err := cvc.Parse(raw)
	Expect(err).NotTo(HaveOccurred(), "CV certificate of %s", app)
	anchor, err := Current().Anchors.Verify(cert)
	Expect(err).NotTo(HaveOccurred(), "CV certificate of %s against the target's anchors", app)
	return cert, anchor
}

var _ = Describe("reads", Label(area), func() {
	Spec(Meta{ID: "RD-001", Title: "every application answers SELECT by AID", Area: area, App: "card",
		Checks: "SELECT 00 A4 04 0C of the five AIDs and the GP ISD, with P2=0C and P2=00 (FCI)",
		Expect: "9000 for each the card has (all on today's card; those its profile's generation declares on another), 6A82 for the others; an unknown AID answers 6A82"},
		func(ctx context.Context, c *target.Card) {
			for _, app := range myna.Apps() {
				if app != myna.GPISD && !HasApp(app) {
					ExpectSW(ctx, c, "select absent "+app.String(), SelectApp(app), apdu.SWFileNotFound)
					continue
				}
				ExpectSW(ctx, c, "select "+app.String(), SelectApp(app), apdu.SWSuccess)
				ExpectSW(ctx, c, "select "+app.String()+" with FCI", apdu.Command{INS: 0xA4, P1: 4, P2: 0, Data: app.AID(), Ne: 256}, apdu.SWSuccess)
			}
			ExpectSW(ctx, c, "select unknown AID", apdu.Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x02}}, apdu.SWFileNotFound)
		})

	Spec(Meta{ID: "RD-002", Title: "free files read without any verification", Area: area, App: "card",
		Checks: "READ BINARY of every EF the access map marks free, right after SELECT of its application",
		Expect: "9000 with data for each"},
		func(ctx context.Context, c *target.Card) {
			for _, app := range myna.Applications() {
				if !HasApp(app.App) {
					continue // not on this card generation (RD-001 checks its 6A82)
				}
				for _, ef := range app.EFs {
					if !ef.Kind.IsData() || !ef.Access.IsFree() {
						continue
					}
					ExpectSW(ctx, c, "select "+app.App.String(), SelectApp(app.App), apdu.SWSuccess)
					cmd := ReadSFI(ef.ID, 256)
					if ef.Kind == myna.EFRecord {
						p2, _ := ef.ID.ReadRecordP2()
						cmd = apdu.Command{INS: 0xB2, P1: 1, P2: p2, Ne: 256}
					}
					data := ExpectSW(ctx, c, fmt.Sprintf("read %s/%s", app.App, ef.ID), cmd, apdu.SWSuccess)
					Expect(data).NotTo(BeEmpty(), "%s/%s", app.App, ef.ID)
				}
			}
		})

	Spec(Meta{ID: "RD-003", Title: "protected files answer 6982 without their credential", Area: area, App: "card",
		Checks: "READ BINARY of every protected EF right after SELECT of its application, nothing verified",
		Expect: "6982 (security status not satisfied) for each"},
		func(ctx context.Context, c *target.Card) {
			for _, app := range myna.Applications() {
				if !HasApp(app.App) {
					continue // not on this card generation (RD-001 checks its 6A82)
				}
				for _, ef := range app.EFs {
					if !ef.Kind.IsData() || ef.Access.IsFree() {
						continue
					}
					ExpectSW(ctx, c, "select "+app.App.String(), SelectApp(app.App), apdu.SWSuccess)
					ExpectSW(ctx, c, fmt.Sprintf("read %s/%s unverified", app.App, ef.ID), ReadSFI(ef.ID, 256), apdu.SWSecurityNotSatisfied)
				}
			}
		})

	Spec(Meta{ID: "RD-004", Title: "the card-surface file has the CARD.md layout and matches the profile", Area: area, App: "surface",
		Checks: "EF 0002 after check code B parsed strictly: FF20, DF21 offsets pointing at DF22…DF2A, dates, sex, key; on an emulated card every field against the profile",
		Expect: "parses; DF21 offsets match the tag positions; fields equal the profile (go-cmp diff on failure)"},
		func(ctx context.Context, c *target.Card) {
			face, err := layout.ParseCardFace(readFace(ctx, c))
			Expect(err).NotTo(HaveOccurred(), "card face layout (offsets are checked against the tags)")
			p := Current().Profile
			if p == nil {
				return
			}
			want := layout.CardFaceSigned{BirthDate: p.Person.BirthDateDigits(), Sex: p.Person.Sex.Digit(), NamePNG: p.Images.Name, AddressPNG: p.Images.Address, PhotoJP2: p.Images.Face}
			Expect(cmp.Diff(want, face.Signed, cmpopts.IgnoreFields(layout.CardFaceSigned{}, "CardKey", "CardKeyEC"))).To(BeEmpty(), "signed fields (-profile +card)")
			Expect(cmp.Diff(layout.CardFaceUnsigned{Expiry: p.Card.ExpiryDigits(), SecurityCodePNG: p.Images.SecurityCode}, face.Unsigned)).To(BeEmpty(), "unsigned fields (-profile +card)")
		})

	Spec(Meta{ID: "RD-005", Title: "images decode or carry their format header", Area: area, App: "surface",
		Checks: "name, address and security-code images decode as PNG; the photo starts with the JP2 signature box",
		Expect: "all decode; the photo is JPEG 2000 in a JP2 container"},
		func(ctx context.Context, c *target.Card) {
			face, err := layout.ParseCardFace(readFace(ctx, c))
			Expect(err).NotTo(HaveOccurred())
			for name, b := range map[string][]byte{"name": face.Signed.NamePNG, "address": face.Signed.AddressPNG, "security code": face.Unsigned.SecurityCodePNG} {
				_, err := png.Decode(bytes.NewReader(b))
				Expect(err).NotTo(HaveOccurred(), "%s image", name)
			}
			Expect(layout.IsJP2(face.Signed.PhotoJP2)).To(BeTrue(), "photo JP2 signature box")
		})

	Spec(Meta{ID: "RD-006", Title: "the CV certificate chains to the target's anchor and DF28 verifies", Area: area, App: "surface",
		Checks: "EF 0004 against the anchors (test CA for emulated cards, J-LIS 5000023 for physical ones); DF28 over the three SHA-256 groups with the certified key",
		Expect: "the certificate verifies under exactly the expected kind of anchor; the signature verifies; an emulated card never validates as production"},
		func(ctx context.Context, c *target.Card) {
			face, err := layout.ParseCardFace(readFace(ctx, c))
			Expect(err).NotTo(HaveOccurred())
			cert, anchor := surfaceCert(ctx, c, myna.CardSurfaceAP, myna.SurfaceCVCert)
			Expect(anchor.Production).To(Equal(Current().Physical()), "anchor %s", anchor.Name)
			_, err = face.Verify(cert.PublicKey())
			Expect(err).NotTo(HaveOccurred(), "DF28 signature")
			if !Current().Physical() {
				_, err := cvc.ProductionSet().Verify(cert)
				Expect(err).To(HaveOccurred(), "an emulated card validated under the production J-LIS keys")
			}
		})

	Spec(Meta{ID: "RD-007", Title: "tampering breaks signed fields and not the expiry or security code", Area: area, App: "surface",
		Checks: "flip one byte in each of DF22…DF27 and in DF29/DF2A of the card face as read, verify again (CARD.md §5.3)",
		Expect: "each signed field's change fails verification; DF29 and DF2A changes still verify (they are unsigned)"},
		func(ctx context.Context, c *target.Card) {
			raw := readFace(ctx, c)
			face, err := layout.ParseCardFace(raw)
			Expect(err).NotTo(HaveOccurred())
			cert, _ := surfaceCert(ctx, c, myna.CardSurfaceAP, myna.SurfaceCVCert)
			for _, tag := range []apdu.Tag{0xDF22, 0xDF23, 0xDF24, 0xDF25, 0xDF26, 0xDF27, 0xDF29, 0xDF2A} {
				idx := int(face.Offsets[tag-0xDF22]) // DF21 holds the offsets of DF22…DF2A in order
				t, _, err := apdu.ParseTLV(raw[idx:])
				Expect(err).NotTo(HaveOccurred())
				pos := idx + t.HeaderLen() + len(t.Value) - 1 // last value byte: keeps the layout valid
				tampered := bytes.Clone(raw)
				tampered[pos] ^= 0x01
				f2, err := layout.ParseCardFace(tampered)
				if err != nil {
					Expect(tag).To(BeNumerically("<", 0xDF29), "tampered %s no longer parses", tag)
					continue
				}
				_, verr := f2.Verify(cert.PublicKey())
				if tag >= 0xDF29 {
					Expect(verr).NotTo(HaveOccurred(), "changing unsigned %s broke the signature", tag)
				} else {
					Expect(verr).To(HaveOccurred(), "changing signed %s did not break the signature", tag)
				}
			}
		})

	Spec(Meta{ID: "RD-008", Title: "the chip signs a fresh challenge with the key in the signed data", Area: area, App: "surface",
		Checks: "the reader's face-to-face flow: 80 2A 00 00 with the digest of the reader's own fresh nonce in the form of DF24's key (DigestInfo(SHA-256) for RSA-2048, the bare SHA-384 for ECDSA P-384), verified with that key",
		Expect: "the three authenticity claims hold: signature, anchor, liveness"},
		func(ctx context.Context, c *target.Card) {
			f, err := reader.ReadFace(ctx, c.Session(), Need(Current().Codes.B, "check code B"), reader.ReadOptions{Anchors: Current().Anchors})
			Expect(err).NotTo(HaveOccurred())
			Expect(f.Authenticity.Err()).NotTo(HaveOccurred())
		})

	Spec(Meta{ID: "RD-009", Title: "every chunk size and one extended read give the same bytes", Area: area, App: "surface",
		Checks: "EF 0002 read whole with short READ BINARY of every Le from 1 to 256 (the exhaustive sweep, on the in-process emulator only) and with one extended Le; " +
			"via vpcd and on a physical card a sample: the first and the last (partial) chunk with Le 1, 2, the TLV header sizes, 255 and 256, and an extended read from offset 1",
		Expect: "identical bytes; a short answer with 9000 ends the file"},
		func(ctx context.Context, c *target.Card) {
			checkChunks(ctx, c, readFace(ctx, c))
		})

	Spec(Meta{ID: "RD-010", Title: "card-surface access: B opens the face, only A opens the number image", Area: area, App: "surface",
		Checks: "after check code B: EF 0002 and EF 0005; after re-SELECT and check code A: both",
		Expect: "B: 0002 9000, 0005 6982; A: 0002 9000, 0005 9000"},
		func(ctx context.Context, c *target.Card) {
			codes := Current().Codes
			ExpectSW(ctx, c, "select", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "verify B", Verify(myna.SurfaceCheckCodeBRef, Need(codes.B, "check code B").Bytes()), apdu.SWSuccess)
			ExpectSW(ctx, c, "read face after B", ReadSFI(myna.SurfaceFace, 256), apdu.SWSuccess)
			ExpectSW(ctx, c, "read number image after B", ReadSFI(myna.SurfaceNumberImage, 256), apdu.SWSecurityNotSatisfied)
			Reselect(ctx, c, myna.CardSurfaceAP)
			ExpectSW(ctx, c, "verify A", Verify(myna.SurfaceCheckCodeARef, Need(codes.A, "check code A").Bytes()), apdu.SWSuccess)
			ExpectSW(ctx, c, "read face after A", ReadSFI(myna.SurfaceFace, 256), apdu.SWSuccess)
			img := ReadEF(ctx, c, myna.SurfaceNumberImage, "read number image after A")
			rec, err := layout.ParseMyNumberImage(img)
			Expect(err).NotTo(HaveOccurred())
			cert, _ := surfaceCert(ctx, c, myna.CardSurfaceAP, myna.SurfaceCVCert)
			_, err = rec.Verify(cert.PublicKey())
			Expect(err).NotTo(HaveOccurred(), "number image signature")
		})

	Spec(Meta{ID: "RD-011", Title: "text access: B opens the four facts, A the number, the PIN both", Area: area, App: "text",
		Checks: "on the text AP, after each credential in turn (re-SELECT between): EF 0001 and EF 0002",
		Expect: "B: 0002 9000 / 0001 6982; A: 0001 9000 / 0002 6982; PIN: both 9000"},
		func(ctx context.Context, c *target.Card) {
			codes := Current().Codes
			for _, step := range []struct {
				name      string
				key       myna.FileID
				secret    myna.Secret
				num, four apdu.StatusWord
			}{
				{"check code B", myna.TextCheckCodeBRef, codes.B, apdu.SWSecurityNotSatisfied, apdu.SWSuccess},
				{"check code A", myna.TextCheckCodeARef, codes.A, apdu.SWSuccess, apdu.SWSecurityNotSatisfied},
				{"text PIN", myna.TextPINRef, codes.TextPIN, apdu.SWSuccess, apdu.SWSuccess},
			} {
				Reselect(ctx, c, myna.TextAP)
				ExpectSW(ctx, c, "verify "+step.name, Verify(step.key, Need(step.secret, step.name).Bytes()), apdu.SWSuccess)
				ExpectSW(ctx, c, "read number after "+step.name, ReadSFI(myna.TextIndividualNumber, 256), step.num)
				ExpectSW(ctx, c, "read four facts after "+step.name, ReadSFI(myna.TextBasicFour, 256), step.four)
			}
		})

	Spec(Meta{ID: "RD-012", Title: "text application integrity record and four facts", Area: area, App: "text",
		Checks: "after the PIN: DF31 = SHA-256 of the 17 physical bytes of EF 0001, DF32 = SHA-256 of EF 0002 from DF22, DF33 verifies under EF 0004's key; the four facts equal the profile",
		Expect: "both digests match, DF33 verifies, the CV certificate chains to the target's anchor"},
		func(ctx context.Context, c *target.Card) {
			ExpectSW(ctx, c, "select text AP", SelectApp(myna.TextAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "verify PIN", Verify(myna.TextPINRef, Need(Current().Codes.TextPIN, "text PIN").Bytes()), apdu.SWSuccess)
			number := ExpectSW(ctx, c, "read EF 0001", ReadSFI(myna.TextIndividualNumber, 256), apdu.SWSuccess)
			Expect(number).To(HaveLen(17), "EF 0001 physical size")
			four, err := layout.ParseBasicFour(ReadEF(ctx, c, myna.TextBasicFour, "read EF 0002"))
			Expect(err).NotTo(HaveOccurred())
			rec, err := layout.ParseIntegrity(ReadEF(ctx, c, myna.TextIntegrity, "read EF 0003"))
			Expect(err).NotTo(HaveOccurred())
			Expect(rec.CheckMyNumberFile(number)).To(Succeed(), "DF31")
			Expect(rec.CheckBasicFour(four)).To(Succeed(), "DF32")
			cert, _ := surfaceCert(ctx, c, myna.TextAP, myna.TextCVCert)
			_, err = rec.Verify(cert.PublicKey())
			Expect(err).NotTo(HaveOccurred(), "DF33")
			if p := Current().Profile; p != nil {
				want := layout.BasicFour{Name: p.Person.Name, Address: p.Person.Address, BirthDate: p.Person.BirthDateDigits(), Sex: p.Person.Sex.Digit()}
				Expect(cmp.Diff(want, layout.BasicFour{Name: four.Name, Address: four.Address, BirthDate: four.BirthDate, Sex: four.Sex})).To(BeEmpty(), "four facts (-profile +card)")
			}
		})

	Spec(Meta{ID: "RD-013", Title: "reading at or past the end of a file", Area: area, App: "surface",
		Checks: "READ BINARY of the free EF 0004 at its size, past it, and with Le larger than what remains",
		Expect: "offset ≥ size: 6B00 (6282 tolerated on a physical card; an emulated card's profile chooses); Le beyond the end: the remaining bytes with 9000"},
		func(ctx context.Context, c *target.Card) {
			ExpectSW(ctx, c, "select", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			cert := ReadEF(ctx, c, myna.SurfaceCVCert, "read EF 0004")
			n := len(cert)
			ExpectSW(ctx, c, "select EF 0004", SelectEF(myna.SurfaceCVCert), apdu.SWSuccess)
			tail := ExpectSW(ctx, c, "read across the end", ReadAt(n-10, 256), apdu.SWSuccess)
			Expect(tail).To(Equal(cert[n-10:]))
			Expect(Send(ctx, c, ReadAt(n, 1)).SW).To(BeElementOf(PastEnd()), "read at the end")
			Expect(Send(ctx, c, ReadAt(n+100, 1)).SW).To(BeElementOf(PastEnd()), "read past the end")
		})

	Spec(Meta{ID: "RD-014", Title: "reset and re-selection clear the verified status", Area: area, App: "surface",
		Checks: "after check code B: read EF 0002; then after a card reset; then after selecting another application and coming back; then after re-selecting the same application",
		Expect: "9000 first; 6982 after the reset; 6982 after selecting the text AP and the card-surface AP again; on an emulated card, re-selecting the same AP clears or keeps it as the profile says"},
		func(ctx context.Context, c *target.Card) {
			readFace(ctx, c)
			Expect(c.Reset(ctx)).To(Succeed())
			ExpectSW(ctx, c, "select after reset", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "read after reset", ReadSFI(myna.SurfaceFace, 256), apdu.SWSecurityNotSatisfied)
			readFace(ctx, c)
			other := myna.TextAP
			if !HasApp(other) {
				other = myna.JPKIAP // the next-generation card has no text AP
			}
			ExpectSW(ctx, c, "select "+other.String()+" AP", SelectApp(other), apdu.SWSuccess)
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "read after another application", ReadSFI(myna.SurfaceFace, 256), apdu.SWSecurityNotSatisfied)
			if Current().Knows("reselect_same_ap_clears") { // CARD.md §10 leaves the same-AP case open: the profile or discovery decides
				clears := ProfileBehaviour().ReselectSameAPClears
				readFace(ctx, c)
				ExpectSW(ctx, c, "re-select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
				want := apdu.SWSuccess
				if clears {
					want = apdu.SWSecurityNotSatisfied
				}
				ExpectSW(ctx, c, fmt.Sprintf("read after re-selecting the same application (behaviour: reselect_same_ap_clears %v)", clears), ReadSFI(myna.SurfaceFace, 256), want)
			}
		})

	Spec(Meta{ID: "RD-015", Title: "short-EF-identifier forms behave like SELECT + command", Area: area, App: "surface",
		Checks: "READ BINARY 00 B0 83 00 vs SELECT EF 0003 + 00 B0 00 00; VERIFY 00 20 00 92 vs SELECT 0012 + 00 20 00 80",
		Expect: "identical data and status words"},
		func(ctx context.Context, c *target.Card) {
			ExpectSW(ctx, c, "select", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			bySFI := ExpectSW(ctx, c, "read 0003 by SFI", ReadSFI(myna.SurfaceBasicInfo, 256), apdu.SWSuccess)
			ExpectSW(ctx, c, "select 0003", SelectEF(myna.SurfaceBasicInfo), apdu.SWSuccess)
			Expect(ExpectSW(ctx, c, "read 0003 selected", ReadAt(0, 256), apdu.SWSuccess)).To(Equal(bySFI))
			q1 := Send(ctx, c, TriesQuery(myna.SurfaceCheckCodeBRef))
			ExpectSW(ctx, c, "select 0012", SelectEF(myna.SurfaceCheckCodeBRef), apdu.SWSuccess)
			q2 := Send(ctx, c, myna.VerifySelected(nil))
			Expect(q2.SW).To(Equal(q1.SW), "tries query by SFI and after SELECT")
		})

	Spec(Meta{ID: "RD-016", Title: "JPKI certificates and the password-protected signing certificate", Area: area, App: "jpki",
		Checks: "token label; authentication certificate chains to the CA certificate on the card; EF 0001 needs the signing password",
		Expect: "label JPKIAPICCTOKEN2 (a phone's token: JPKIAPGPSETOKEN on Android, JPKIAPIOSTOKEN on iPhone); chain verifies; EF 0001 answers 6982 before the password"},
		func(ctx context.Context, c *target.Card) {
			j, err := reader.ReadJPKI(ctx, c.Session(), reader.JPKIOptions{})
			Expect(err).NotTo(HaveOccurred())
			label := layout.TokenLabelCard
			if p := Current().Profile; p != nil {
				label = p.Card.Form.TokenLabel() // a phone's token: JPKIAPGPSETOKEN or JPKIAPIOSTOKEN
			}
			Expect(j.Token).To(Equal(label), "the token label of the card's form (FIELD.md)")
			Expect(j.ChainOK).To(BeTrue(), "authentication certificate under its CA")
			ExpectSW(ctx, c, "select JPKI", SelectApp(myna.JPKIAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "read signing certificate", ReadSFI(myna.JPKISignCert, 256), apdu.SWSecurityNotSatisfied)
			_, err = x509.ParseCertificate(j.AuthCert.Raw)
			Expect(err).NotTo(HaveOccurred())
		})

	Spec(Meta{ID: "RD-017", Title: "MF-level GET DATA objects", Area: area, App: "card",
		Checks: "GET DATA 00F0, 00F2, 5F51 at MF level; 00F8 with a short and an extended Le; 00F2 with Le 01, sent once; 00F2 with an application selected",
		Expect: "5 and 8 ASCII digits; 5F51 is the ATR without TS; 00F8 answers 6700 to a short Le and the certificate to an extended one; 6C08 to Le 01; 6A88 with an application selected"},
		func(ctx context.Context, c *target.Card) {
			Expect(c.Reset(ctx)).To(Succeed())
			city := ExpectSW(ctx, c, "GET DATA 00F0", apdu.Command{INS: 0xCA, P2: 0xF0, Ne: 5}, apdu.SWSuccess)
			Expect(string(city)).To(MatchRegexp(`^[0-9]{5}$`))
			exp := ExpectSW(ctx, c, "GET DATA 00F2", apdu.Command{INS: 0xCA, P2: 0xF2, Ne: 8}, apdu.SWSuccess)
			Expect(string(exp)).To(MatchRegexp(`^20[0-9]{6}$`))
			atr := ExpectSW(ctx, c, "GET DATA 5F51", apdu.Command{INS: 0xCA, P1: 0x5F, P2: 0x51, Ne: 256}, apdu.SWSuccess)
			Expect(atr).NotTo(BeEmpty())
			ExpectSW(ctx, c, "GET DATA 00F8 short", apdu.Command{INS: 0xCA, P2: 0xF8, Ne: 256}, apdu.SWWrongLength)
			if ExtendedLength() {
				Expect(ExpectSW(ctx, c, "GET DATA 00F8 extended", apdu.Command{INS: 0xCA, P2: 0xF8, Ne: apdu.MaxExtendedNe, Extended: true}, apdu.SWSuccess)).To(HaveLen(cvc.Len))
			} else {
				ExpectSW(ctx, c, "GET DATA 00F8 extended, on a card without extended length", apdu.Command{INS: 0xCA, P2: 0xF8, Ne: apdu.MaxExtendedNe, Extended: true}, apdu.SWWrongLength)
			}
			short := SendOnce(ctx, c, "GET DATA 00F2 with Le 01", apdu.Command{INS: 0xCA, P2: 0xF2, Ne: 1})
			Expect(short.SW).To(Equal(apdu.SWWrongLe|apdu.StatusWord(len(exp))), "GET DATA 00F2 with Le 01, shorter than the %d-byte expiry: CARD.md §3 wants 6Cxx with the right length", len(exp))
			Expect(short.Data).To(BeEmpty(), "a 6Cxx answer carries no data")
			ExpectSW(ctx, c, "select", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "GET DATA 00F2 in an application", apdu.Command{INS: 0xCA, P2: 0xF2, Ne: 8}, apdu.SWReferenceNotFound)
		})

	Spec(Meta{ID: "RD-018", Title: "the age record opens with the birth-date key and verifies", Area: area, App: "surface",
		Checks: "VERIFY the 6-digit birth-date key (era YYMMDD), read EF 0001, verify its signature with EF 0004's key",
		Expect: "9000; DF11 is the Gregorian birth date; the signature verifies; on an emulated card DF12 is the profile's card key (the one DF24 holds, CARD.md §5.4), of its generation's algorithm"},
		func(ctx context.Context, c *target.Card) {
			ExpectSW(ctx, c, "select", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "verify birth-date key", Verify(myna.SurfaceBirthDateKeyRef, Need(Current().Codes.BirthDate, "birth-date key").Bytes()), apdu.SWSuccess)
			rec, err := layout.ParseAgeRecord(ReadEF(ctx, c, myna.SurfaceAgeRecord, "read EF 0001"))
			Expect(err).NotTo(HaveOccurred())
			cert, _ := surfaceCert(ctx, c, myna.CardSurfaceAP, myna.SurfaceCVCert)
			_, err = rec.Verify(cert.PublicKey())
			Expect(err).NotTo(HaveOccurred())
			if p := Current().Profile; p != nil {
				Expect(rec.BirthDate).To(Equal(p.Person.BirthDateDigits()))
				expectProfileCardKey(p, "the age record's DF12", rec.PublicCardKey())
			}
		})

	Spec(Meta{ID: "RD-019", Title: "GET CHALLENGE returns fresh bytes", Area: area, App: "surface",
		Checks: "eight GET CHALLENGE 00 84 00 00 10 on the card-surface AP; then one with an extended Le",
		Expect: "16 bytes each, no two equal (a repeated challenge lets a recorded signature be replayed); extended Le answers 6985"},
		func(ctx context.Context, c *target.Card) {
			ExpectSW(ctx, c, "select", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			seen := map[string]bool{}
			for i := range 8 {
				ch := ExpectSW(ctx, c, fmt.Sprintf("GET CHALLENGE %d", i+1), apdu.Command{INS: 0x84, Ne: 16}, apdu.SWSuccess)
				Expect(ch).To(HaveLen(16))
				Expect(seen[string(ch)]).To(BeFalse(), "challenge %d repeats an earlier one", i+1)
				seen[string(ch)] = true
			}
			want := apdu.SWConditionsNotSatisfied
			if !ExtendedLength() {
				want = apdu.SWWrongLength // the card refuses every extended APDU first
			}
			ExpectSW(ctx, c, "GET CHALLENGE with an extended Le", apdu.Command{INS: 0x84, Ne: 300, Extended: true}, want)
		})

	Spec(Meta{ID: "RD-020", Title: "the remaining files match the profile", Area: area, App: "card", Targets: EmulatedOnly,
		Checks: "共通AP record (serial, municipality, expiry), card-surface AP information (municipality), the individual-number image and its card key (DF42, the one DF24 holds) after check code A, the text AP's individual number after the PIN, GET DATA 00F0/00F2 — each against the profile",
		Expect: "every field equals the profile (named, not printed: the values are personal data)"},
		func(ctx context.Context, c *target.Card) {
			p := Current().Profile
			codes := Current().Codes
			if HasApp(myna.CommonAP) { // not on the next-generation card
				ExpectSW(ctx, c, "select common AP", SelectApp(myna.CommonAP), apdu.SWSuccess)
				p2, _ := myna.CommonCardInfo.ReadRecordP2()
				info, err := layout.ParseCommonInfo(ExpectSW(ctx, c, "READ RECORD 1 of EF 0001", apdu.Command{INS: 0xB2, P1: 1, P2: p2, Ne: 256}, apdu.SWSuccess))
				Expect(err).NotTo(HaveOccurred())
				// Compared without printing: the values are personal data.
				Expect(info.Serial == p.Card.Serial).To(BeTrue(), "共通AP record: the serial differs from the profile's")
				Expect(info.Municipality == p.Person.MunicipalityCode).To(BeTrue(), "共通AP record: the municipality differs from the profile's")
				Expect(info.Expiry == p.Card.ExpiryDigits()).To(BeTrue(), "共通AP record: the expiry differs from the profile's")
			}

			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ap, err := layout.ParseSurfaceAPInfo(ReadEF(ctx, c, myna.SurfaceBasicInfo, "read EF 0003"))
			Expect(err).NotTo(HaveOccurred())
			Expect(ap.Municipality == p.Person.MunicipalityCode).To(BeTrue(), "DF34 municipality differs from the profile's")
			ExpectSW(ctx, c, "verify A", Verify(myna.SurfaceCheckCodeARef, codes.A.Bytes()), apdu.SWSuccess)
			img, err := layout.ParseMyNumberImage(ReadEF(ctx, c, myna.SurfaceNumberImage, "read EF 0005"))
			Expect(err).NotTo(HaveOccurred())
			Expect(bytes.Equal(img.NumberPNG, p.Images.Number)).To(BeTrue(), "individual-number image differs from the profile's")
			expectProfileCardKey(p, "the individual-number image's DF42", img.PublicCardKey())

			if HasApp(myna.TextAP) { // not on the next-generation card
				ExpectSW(ctx, c, "select text AP", SelectApp(myna.TextAP), apdu.SWSuccess)
				ExpectSW(ctx, c, "verify text PIN", Verify(myna.TextPINRef, codes.TextPIN.Bytes()), apdu.SWSuccess)
				num, err := layout.ParseMyNumberFile(ExpectSW(ctx, c, "read EF 0001", ReadSFI(myna.TextIndividualNumber, 256), apdu.SWSuccess))
				Expect(err).NotTo(HaveOccurred())
				Expect(num == p.Person.IndividualNumber.Reveal()).To(BeTrue(), "the individual number differs from the profile's")
			}

			Expect(c.Reset(ctx)).To(Succeed())
			Expect(string(ExpectSW(ctx, c, "GET DATA 00F0", apdu.Command{INS: 0xCA, P2: 0xF0, Ne: 5}, apdu.SWSuccess)) == p.Person.MunicipalityCode).To(BeTrue(), "GET DATA 00F0 differs from the profile's municipality")
			Expect(string(ExpectSW(ctx, c, "GET DATA 00F2", apdu.Command{INS: 0xCA, P2: 0xF2, Ne: 8}, apdu.SWSuccess)) == p.Card.ExpiryDigits()).To(BeTrue(), "GET DATA 00F2 differs from the profile's expiry")
		})

	Spec(Meta{ID: "RD-021", Title: "extended-length READ BINARY returns a whole file", Area: area, App: "surface",
		Checks: "after check code B: one READ BINARY by SFI with an extended Le of 65536 (00 B0 82 00 00 00 00) of the card face, against the same file read in 256-byte pieces (CARD.md §6: extended Le works on the card [C2])",
		Expect: "9000 with the whole file in one answer, equal to the pieces; a profile that declares no extended length expects 6700 instead"},
		func(ctx context.Context, c *target.Card) {
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "VERIFY check code B", Verify(myna.SurfaceCheckCodeBRef, Need(Current().Codes.B, "check code B").Bytes()), apdu.SWSuccess)
			if !ExtendedLength() {
				ExpectSW(ctx, c, "extended READ BINARY on a card declared without extended length", ReadSFI(myna.SurfaceFace, apdu.MaxExtendedNe), apdu.SWWrongLength)
				return
			}
			whole := ExpectSW(ctx, c, "extended READ BINARY of EF 0002", ReadSFI(myna.SurfaceFace, apdu.MaxExtendedNe), apdu.SWSuccess)
			ExpectSW(ctx, c, "select EF 0002", SelectEF(myna.SurfaceFace), apdu.SWSuccess)
			var pieces []byte
			for off := 0; ; off += 256 {
				r := Send(ctx, c, ReadAt(off, 256))
				if off > 0 && IsPastEnd(r.SW) {
					break
				}
				Expect(r.SW).To(Equal(apdu.SWSuccess), "READ BINARY at %d", off)
				pieces = append(pieces, r.Data...)
				if len(r.Data) < 256 {
					break
				}
			}
			Expect(bytes.Equal(whole, pieces)).To(BeTrue(), "the extended read (%d bytes) differs from the 256-byte pieces (%d bytes)", len(whole), len(pieces))
		})

	Spec(Meta{ID: "RD-022", Title: "the JPKI authentication key signs in every scheme", Area: area, App: "jpki",
		Checks: "after VERIFY of the authentication PIN: 80 2A P1 97 (the key by SFI) with P1 00–05 (CARD.md §3: DigestInfo as given, card hashes, given hash, card hashes and wraps, PSS over a given hash, card hashes and PSS); " +
			"P1 00 with 245 and 246 bytes; P1 06; SELECT EF 0017 then P2 80; before the PIN",
		Expect: "every signature verifies under the authentication certificate's key in its scheme; 246 bytes 6700; P1 06 6A86; 6982 before the PIN"},
		func(ctx context.Context, c *target.Card) {
			pin := SecretOf(myna.SecretAuthPIN)
			if pin == nil {
				Skip("needs the authentication PIN (" + reader.EnvAuthPIN + ")")
			}
			j, err := reader.ReadJPKI(ctx, c.Session(), reader.JPKIOptions{})
			Expect(err).NotTo(HaveOccurred(), "read the JPKI certificates")
			pub, ok := j.AuthCert.PublicKey.(*rsa.PublicKey)
			Expect(ok).To(BeTrue(), "the authentication certificate holds an RSA key")
			msg := []byte("taimen RD-022: a message to sign")
			h := sha256.Sum256(msg)
			digestInfo := DigestInfoSHA256(h[:])
			sfi := byte(0x80 | myna.JPKIAuthKey&0x1F)
			sign := func(p1, p2 byte, data []byte) apdu.Command {
				return apdu.Command{CLA: 0x80, INS: 0x2A, P1: p1, P2: p2, Data: data, Ne: 256}
			}
			ExpectSW(ctx, c, "select JPKI", SelectApp(myna.JPKIAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "sign with the authentication key before its PIN", sign(0x00, sfi, digestInfo), apdu.SWSecurityNotSatisfied)
			ExpectSW(ctx, c, "VERIFY the authentication PIN", Verify(myna.JPKIAuthPINRef, pin.Bytes()), apdu.SWSuccess)
			pss := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
			for _, t := range []struct {
				p1     byte
				data   []byte
				what   string
				verify func(sig []byte) error
			}{
				{0x00, digestInfo, "a DigestInfo signed as given", func(sig []byte) error { return rsa.VerifyPKCS1v15(pub, 0, digestInfo, sig) }},
				{0x01, msg, "the card hashes and signs the bare hash", func(sig []byte) error { return rsa.VerifyPKCS1v15(pub, 0, h[:], sig) }},
				{0x02, h[:], "a SHA-256 hash the card wraps in a DigestInfo", func(sig []byte) error { return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) }},
				{0x03, msg, "the card hashes and wraps", func(sig []byte) error { return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) }},
				{0x04, h[:], "PSS over a given SHA-256 hash", func(sig []byte) error { return rsa.VerifyPSS(pub, crypto.SHA256, h[:], sig, pss) }},
				{0x05, msg, "the card hashes and signs with PSS", func(sig []byte) error { return rsa.VerifyPSS(pub, crypto.SHA256, h[:], sig, pss) }},
			} {
				r := Send(ctx, c, sign(t.p1, sfi, t.data))
				Expect(r.SW).To(Equal(apdu.SWSuccess), "80 2A %02X 97: %s", t.p1, t.what)
				Expect(t.verify(r.Data)).To(Succeed(), "80 2A %02X: %s: the signature does not verify under the certificate's key", t.p1, t.what)
			}
			longest := make([]byte, pub.Size()-11)
			copy(longest, digestInfo)
			r := Send(ctx, c, sign(0x00, sfi, longest))
			Expect(r.SW).To(Equal(apdu.SWSuccess), "80 2A 00 97 with %d bytes, the most PKCS#1 v1.5 can carry", len(longest))
			Expect(rsa.VerifyPKCS1v15(pub, 0, longest, r.Data)).To(Succeed(), "the %d-byte signature input", len(longest))
			ExpectSW(ctx, c, fmt.Sprintf("80 2A 00 97 with %d bytes, one too many", len(longest)+1), sign(0x00, sfi, append(longest, 0)), apdu.SWWrongLength)
			ExpectSW(ctx, c, "80 2A 06 97: no such scheme", sign(0x06, sfi, digestInfo), apdu.SWIncorrectP1P2)
			ExpectSW(ctx, c, "SELECT EF 0017", SelectEF(myna.JPKIAuthKey), apdu.SWSuccess)
			r = Send(ctx, c, sign(0x00, 0x80, digestInfo))
			Expect(r.SW).To(Equal(apdu.SWSuccess), "80 2A 00 80: the current EF's key")
			Expect(rsa.VerifyPKCS1v15(pub, 0, digestInfo, r.Data)).To(Succeed(), "80 2A 00 80 after SELECT EF 0017")
		})

	Spec(Meta{ID: "RD-023", Title: "INTERNAL AUTHENTICATE of the common application", Area: area, App: "common",
		Checks: "00 88 00 99 with a 32-byte challenge and Le 256 on 共通AP key 0019; with P1 01; without a challenge; with Le 1; the same challenge twice",
		Expect: "9000 with 256 bytes (the same for the same challenge: PKCS#1 v1.5 is deterministic), 6A86 for P1 01, 6700 without a challenge, one byte for Le 1 (the first of the signature)"},
		func(ctx context.Context, c *target.Card) {
			ch := bytes.Repeat([]byte{0x5A}, 32)
			ia := func(p1 byte, data []byte, ne int) apdu.Command {
				return apdu.Command{INS: 0x88, P1: p1, P2: byte(0x80 | myna.CommonIAKey&0x1F), Data: data, Ne: ne}
			}
			ExpectSW(ctx, c, "select 共通AP", SelectApp(myna.CommonAP), apdu.SWSuccess)
			r := Send(ctx, c, ia(0x00, ch, 256))
			Expect(r.SW).To(Equal(apdu.SWSuccess), "INTERNAL AUTHENTICATE 00 88 00 99")
			Expect(r.Data).To(HaveLen(256), "a 2048-bit signature")
			again := Send(ctx, c, ia(0x00, ch, 256))
			Expect(again.Data).To(Equal(r.Data), "the same challenge signs to the same bytes")
			one := Send(ctx, c, ia(0x00, ch, 1))
			Expect(one.SW).To(Equal(apdu.SWSuccess), "INTERNAL AUTHENTICATE with Le 1")
			Expect(one.Data).To(Equal(r.Data[:1]), "Le 1 returns the first byte of the signature")
			ExpectSW(ctx, c, "INTERNAL AUTHENTICATE with P1 01", ia(0x01, ch, 256), apdu.SWIncorrectP1P2)
			ExpectSW(ctx, c, "INTERNAL AUTHENTICATE without a challenge", ia(0x00, nil, 256), apdu.SWWrongLength)
		})

	Spec(Meta{ID: "RD-024", Title: "READ RECORD by short EF identifier makes that EF current", Area: area, App: "common",
		Checks: "on 共通AP: READ RECORD 1 of EF 0001 before any EF is current (00 B2 01 04); by SFI (00 B2 01 0C); then of the current EF (00 B2 01 04); with Le 01, sent once; record 2",
		Expect: "6986 (no current EF) first; the same record by SFI and as the current EF (CARD.md §9: an SFI form is SELECT + command); " +
			"Le 01 gives the record's first byte with 9000, or 6Cxx with the record's length (ISO 7816-4 allows both), never 6700; 6A83 for record 2"},
		func(ctx context.Context, c *target.Card) {
			record := func(p2 byte, ne int) apdu.Command { return apdu.Command{INS: 0xB2, P1: 1, P2: p2, Ne: ne} }
			sfi := byte(myna.CommonCardInfo)<<3 | 0x04
			ExpectSW(ctx, c, "select 共通AP", SelectApp(myna.CommonAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "READ RECORD 1 of the current EF when none is current", record(0x04, 256), apdu.SWNoCurrentEF)
			bySFI := ExpectSW(ctx, c, "READ RECORD 1 of EF 0001 by SFI", record(sfi, 256), apdu.SWSuccess)
			Expect(bySFI).NotTo(BeEmpty(), "record 1 of EF 0001")
			Expect(ExpectSW(ctx, c, "READ RECORD 1 of the current EF after the SFI form", record(0x04, 256), apdu.SWSuccess)).To(Equal(bySFI), "the current EF is the one the SFI named")
			one := SendOnce(ctx, c, "READ RECORD 1 with Le 01", record(0x04, 1))
			switch one.SW {
			case apdu.SWSuccess:
				Expect(one.Data).To(Equal(bySFI[:1]), "READ RECORD with Le 01: the record's first byte")
			default:
				Expect(one.SW).To(Equal(apdu.SWWrongLe|apdu.StatusWord(len(bySFI)&0xFF)), "READ RECORD with Le 01: 9000 with one byte or 6Cxx with the record's length, not %s", one.SW)
			}
			ExpectSW(ctx, c, "READ RECORD 2 of EF 0001 (it holds one record)", apdu.Command{INS: 0xB2, P1: 2, P2: 0x04, Ne: 256}, apdu.SWRecordNotFound)
		})

	Spec(Meta{ID: "RD-025", Title: "SELECT MF and the issuer security domain", Area: area, App: "card",
		Checks: "after a reset: 00 A4 00 0C without data; then with 3F00 and with one byte; in the card-surface AP: 00 A4 00 0C, then READ BINARY of free EF 0003 by SFI; " +
			"SELECT of the GlobalPlatform ISD (A0 00 00 01 51 00 00); then GET DATA 00F2, 00 A4 00 0C and READ BINARY of EF 0003 by SFI",
		Expect: "6A86 at MF level, 6A82 for 3F00 and the one byte (CARD.md §2.5); 9000 in the AP, which stays selected (the read answers 9000); " +
			"9000 for the ISD, which returns the card to MF level: the expiry with 9000, 6A86 and 6A82 (no application)"},
		func(ctx context.Context, c *target.Card) {
			mf := func(data []byte) apdu.Command { return apdu.Command{INS: 0xA4, P1: 0x00, P2: 0x0C, Data: data} }
			Expect(c.Reset(ctx)).To(Succeed(), "reset the card")
			ExpectSW(ctx, c, "SELECT MF (00 A4 00 0C) after a reset", mf(nil), apdu.SWIncorrectP1P2)
			ExpectSW(ctx, c, "SELECT MF by FID 3F00", mf([]byte{0x3F, 0x00}), apdu.SWFileNotFound)
			ExpectSW(ctx, c, "SELECT MF with one byte of data", mf([]byte{0x3F}), apdu.SWFileNotFound)
			ExpectSW(ctx, c, "select card-surface AP", SelectApp(myna.CardSurfaceAP), apdu.SWSuccess)
			ExpectSW(ctx, c, "SELECT MF (00 A4 00 0C) in the card-surface AP", mf(nil), apdu.SWSuccess)
			ExpectSW(ctx, c, "READ BINARY of EF 0003 by SFI after SELECT MF (the AP is still selected)", ReadSFI(myna.SurfaceBasicInfo, 1), apdu.SWSuccess)
			ExpectSW(ctx, c, "SELECT the GlobalPlatform ISD", SelectApp(myna.GPISD), apdu.SWSuccess)
			exp := ExpectSW(ctx, c, "GET DATA 00F2 after SELECT of the ISD (MF level)", apdu.Command{INS: 0xCA, P2: 0xF2, Ne: 8}, apdu.SWSuccess)
			Expect(string(exp)).To(MatchRegexp(`^20[0-9]{6}$`), "GET DATA 00F2: the expiry")
			ExpectSW(ctx, c, "SELECT MF after SELECT of the ISD", mf(nil), apdu.SWIncorrectP1P2)
			ExpectSW(ctx, c, "READ BINARY of EF 0003 by SFI after SELECT of the ISD (no application)", ReadSFI(myna.SurfaceBasicInfo, 1), apdu.SWFileNotFound)
		})
	Spec(Meta{ID: "RD-026", Title: "the filler after a file's TLV is the profile's filler byte", Area: area, App: "card-surface",
		Checks: "verify check code B, read EF 0002 of the card-surface AP whole; every byte after its outer TLV",
		Expect: "each equals behaviour.filler (CARD.md default FF; p06 declares 00); a file without filler passes"},
		func(ctx context.Context, c *target.Card) {
			face := readFace(ctx, c)
			tlv, rest, err := apdu.ParseTLV(face)
			Expect(err).NotTo(HaveOccurred(), "outer TLV of EF 0002")
			want := ProfileBehaviour().Filler
			for i, b := range rest {
				Expect(b).To(Equal(want), "EF 0002 byte %d (after the %d-byte TLV): filler %02X, want behaviour.filler %02X", len(tlv.Raw)+i, len(tlv.Raw), b, want)
			}
		})
})

// expectProfileCardKey checks a copy of the card key (DF12, DF42) against the profile's card
// key: CARD.md §5.4 has the three copies (DF12, DF24, DF42) hold one key, of the card's
// generation (P-384 on the provisional next-generation card).
func expectProfileCardKey(p *myna.Profile, what string, got crypto.PublicKey) {
	GinkgoHelper()
	want, ok := p.CardSigner()
	Expect(ok).To(BeTrue(), "the profile has no card key")
	k, ok := got.(interface{ Equal(crypto.PublicKey) bool })
	Expect(ok).To(BeTrue(), "%s holds no card key of a known type (%T)", what, got)
	Expect(k.Equal(want.Public())).To(BeTrue(), "%s is not the profile's card key (a %T, want a %T)", what, got, want.Public())
}
