package emulator

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/cvc"
	"github.com/taimen-dev/taimen/myna/layout"
)

// term is a minimal terminal for tests: it builds commands and checks status words.
type term struct {
	t *testing.T
	c *Card
}

func (s term) send(cmd apdu.Command) apdu.Response {
	s.t.Helper()
	raw := cmd.MustBytes()
	rsp := s.c.Transmit(raw)
	r, err := apdu.ParseResponse(rsp)
	if err != nil {
		s.t.Fatalf("%02X %02X: %v", cmd.CLA, cmd.INS, err)
	}
	return apdu.Response{Data: bytes.Clone(r.Data), SW: r.SW}
}

func (s term) expect(cmd apdu.Command, want apdu.StatusWord) []byte {
	s.t.Helper()
	r := s.send(cmd)
	if r.SW != want {
		s.t.Fatalf("%02X %02X %02X %02X: got %v, want %v", cmd.CLA, cmd.INS, cmd.P1, cmd.P2, r.SW, want)
	}
	return r.Data
}

func (s term) selectApp(app myna.App) { s.t.Helper(); s.expect(selApp(app), apdu.SWSuccess) }
func selApp(app myna.App) apdu.Command {
	return apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: app.AID()}
}
func selEF(id myna.FileID) apdu.Command {
	return apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(id >> 8), byte(id)}}
}
func readSFI(id myna.FileID, ne int) apdu.Command {
	return apdu.Command{INS: 0xB0, P1: 0x80 | byte(id), Ne: ne}
}

// readAll reads the current EF in chunks of n bytes until a short answer.
func (s term) readAll(n int) []byte {
	s.t.Helper()
	var out []byte
	for off := 0; ; off += n {
		r := s.send(apdu.Command{INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: n})
		if (r.SW == apdu.SWWrongP1P2 || r.SW == apdu.SWEndOfFile) && off > 0 { // the profile chooses which
			return out
		}
		if r.SW != apdu.SWSuccess {
			s.t.Fatalf("READ BINARY at %d: %v", off, r.SW)
		}
		out = append(out, r.Data...)
		if len(r.Data) < n {
			return out
		}
	}
}

func TestSelectEveryApplication(t *testing.T) {
	s := term{t, newCard(t, "p01-showa", Options{})}
	for _, app := range myna.Apps() {
		s.expect(selApp(app), apdu.SWSuccess)
		s.expect(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x00, Data: app.AID(), Ne: 256}, apdu.SWSuccess)
	}
	s.expect(apdu.Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x02}}, apdu.SWFileNotFound)
}

// Every free file reads without a credential; every protected one answers 6982 until
// a key that opens it is verified, and then reads — exactly as myna's access map says.
func TestAccessMap(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	for _, desc := range myna.Applications() {
		if desc.App == myna.GPISD {
			continue
		}
		for _, d := range desc.EFs {
			if !d.Kind.IsData() {
				continue
			}
			t.Run(fmt.Sprintf("%s/%s", desc.App, d.ID), func(t *testing.T) {
				s := term{t, newCard(t, "p01-showa", Options{})}
				read := readSFI(d.ID, 256)
				if d.Kind == myna.EFRecord {
					read = apdu.Command{INS: 0xB2, P1: 1, P2: byte(d.ID)<<3 | 4, Ne: 256}
				}
				s.selectApp(desc.App)
				switch {
				case d.Access.IsFree():
					s.expect(read, apdu.SWSuccess)
					return
				case d.Access.IsNever():
					s.expect(read, apdu.SWSecurityNotSatisfied)
					return
				}
				s.expect(read, apdu.SWSecurityNotSatisfied)
				for _, key := range desc.KeyRefs() {
					if !key.Secret.Valid() {
						continue
					}
					s.selectApp(desc.App) // clears the verified set
					s.expect(myna.Verify(key.ID, p.Secret(key.Secret).Bytes()), apdu.SWSuccess)
					want := apdu.SWSecurityNotSatisfied
					if d.Access.Opens(func(f myna.FileID) bool { return f == key.ID }) {
						want = apdu.SWSuccess
					}
					s.expect(read, want)
				}
			})
		}
	}
}

// The access facts of CARD.md §9 tests 6 and 7, spelled out.
func TestCheckCodeAccessFacts(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	s := term{t, newCard(t, "p01-showa", Options{})}
	B, A := p.CheckCodeB().Bytes(), p.CheckCodeA().Bytes()
	s.selectApp(myna.CardSurfaceAP)
	s.expect(myna.Verify(myna.SurfaceCheckCodeBRef, B), apdu.SWSuccess)
	s.expect(readSFI(myna.SurfaceFace, 256), apdu.SWSuccess)
	s.expect(readSFI(myna.SurfaceNumberImage, 256), apdu.SWSecurityNotSatisfied)
	s.selectApp(myna.CardSurfaceAP)
	s.expect(myna.Verify(myna.SurfaceCheckCodeARef, A), apdu.SWSuccess)
	s.expect(readSFI(myna.SurfaceFace, 256), apdu.SWSuccess)
	s.expect(readSFI(myna.SurfaceNumberImage, 256), apdu.SWSuccess)

	s.selectApp(myna.TextAP)
	s.expect(myna.Verify(myna.TextCheckCodeBRef, B), apdu.SWSuccess)
	s.expect(readSFI(myna.TextBasicFour, 256), apdu.SWSuccess)
	s.expect(readSFI(myna.TextIndividualNumber, 256), apdu.SWSecurityNotSatisfied)
	s.selectApp(myna.TextAP)
	s.expect(myna.Verify(myna.TextCheckCodeARef, A), apdu.SWSuccess)
	s.expect(readSFI(myna.TextBasicFour, 256), apdu.SWSecurityNotSatisfied)
	if got := s.expect(apdu.Command{INS: 0xB0, P1: 0x81, P2: 3, Ne: 12}, apdu.SWSuccess); string(got) != p.CheckCodeA().Reveal() {
		t.Error("00 B0 81 03 0C does not return the 12 digits")
	}
	s.selectApp(myna.TextAP)
	s.expect(myna.Verify(myna.TextPINRef, p.TextPIN().Bytes()), apdu.SWSuccess)
	s.expect(readSFI(myna.TextBasicFour, 256), apdu.SWSuccess)
	s.expect(readSFI(myna.TextIndividualNumber, 256), apdu.SWSuccess)
	// Check code B of one application opens nothing in the other.
	s.selectApp(myna.CardSurfaceAP)
	s.expect(readSFI(myna.SurfaceFace, 256), apdu.SWSecurityNotSatisfied)
}

// The card face reads identically in every chunk size and with one extended READ
// BINARY, its offsets and signature verify, and its certificate chains to the test CA.
func TestCardFaceContentAndSignature(t *testing.T) {
	for _, id := range profileIDs {
		t.Run(id, func(t *testing.T) {
			p := loadProfile(t, id)
			s := term{t, newCard(t, id, Options{})}
			s.selectApp(myna.CardSurfaceAP)
			s.expect(myna.Verify(myna.SurfaceCheckCodeBRef, p.CheckCodeB().Bytes()), apdu.SWSuccess)
			var whole []byte
			if p.Behaviour.ExtendedLength {
				whole = s.expect(apdu.Command{INS: 0xB0, P1: 0x82, Ne: 65536}, apdu.SWSuccess)
			} else {
				s.expect(apdu.Command{INS: 0xB0, P1: 0x82, Ne: 65536}, apdu.SWWrongLength)
				s.expect(selEF(myna.SurfaceFace), apdu.SWSuccess)
				whole = s.readAll(256)
			}
			for _, n := range []int{1, 7, 100, 255, 256} {
				s.expect(selEF(myna.SurfaceFace), apdu.SWSuccess)
				if got := s.readAll(n); !bytes.Equal(got, whole) {
					t.Fatalf("chunks of %d: %d bytes differ from the extended read (%d)", n, len(got), len(whole))
				}
			}
			face, err := layout.ParseCardFace(whole)
			if err != nil {
				t.Fatal(err)
			}
			want := layout.CardFaceSigned{BirthDate: p.Person.BirthDateDigits(), Sex: p.Person.Sex.Digit(), NamePNG: p.Images.Name, AddressPNG: p.Images.Address, PhotoJP2: p.Images.Face}
			if diff := cmp.Diff(want, face.Signed, cmpopts.IgnoreFields(layout.CardFaceSigned{}, "CardKey")); diff != "" {
				t.Errorf("signed fields differ from the profile (-want +got):\n%s", diff)
			}
			if face.Unsigned.Expiry != p.Card.ExpiryDigits() || !bytes.Equal(face.Unsigned.SecurityCodePNG, p.Images.SecurityCode) {
				t.Error("unsigned fields differ from the profile")
			}
			s.expect(selEF(myna.SurfaceCVCert), apdu.SWSuccess)
			cv, err := cvc.Parse(s.readAll(256))
			if err != nil {
				t.Fatal(err)
			}
			ca, _ := p.Key(myna.RoleCVCAKenkaku)
			if err := cv.Verify(&ca.PublicKey); err != nil {
				t.Fatalf("CV certificate does not verify under the test CA: %v", err)
			}
			if !cv.Issuer.TestRange() {
				t.Fatalf("issuer %s is not in the test range", cv.Issuer)
			}
			for _, anchor := range cvc.ProductionAnchors() {
				if cv.Verify(anchor.Key) == nil {
					t.Fatalf("an emulated card's certificate verifies under production anchor %s", anchor.Name)
				}
			}
			if _, err := face.Verify(cv.PublicKey()); err != nil {
				t.Fatalf("DF28 does not verify: %v", err)
			}
			// Liveness: the card key from the signed data verifies a fresh challenge signature.
			challenge := s.expect(apdu.Command{INS: 0x84, Ne: 16}, apdu.SWSuccess)
			digest := sha256.Sum256(challenge)
			di := append([]byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, digest[:]...)
			sig := s.expect(apdu.Command{CLA: 0x80, INS: 0x2A, Data: di, Ne: 256}, apdu.SWSuccess)
			if err := rsa.VerifyPKCS1v15(face.Signed.CardKey, crypto.SHA256, digest[:], sig); err != nil {
				t.Fatalf("challenge signature: %v", err)
			}
		})
	}
}

func TestTextAPIntegrity(t *testing.T) {
	p := loadProfile(t, "p02-long-address")
	s := term{t, newCard(t, "p02-long-address", Options{})}
	s.selectApp(myna.TextAP)
	s.expect(myna.Verify(myna.TextPINRef, p.TextPIN().Bytes()), apdu.SWSuccess)
	number := s.expect(readSFI(myna.TextIndividualNumber, 256), apdu.SWSuccess)
	if len(number) != 17 {
		t.Fatalf("individual-number file is %d bytes, want 17", len(number))
	}
	four := s.expect(readSFI(myna.TextBasicFour, 65536), apdu.SWSuccess)
	bf, err := layout.ParseBasicFour(four)
	if err != nil {
		t.Fatal(err)
	}
	if bf.Name != p.Person.Name || bf.Address != p.Person.Address {
		t.Error("basic four differ from the profile")
	}
	rec, err := layout.ParseIntegrity(s.expect(readSFI(myna.TextIntegrity, 65536), apdu.SWSuccess))
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.CheckMyNumberFile(number); err != nil {
		t.Error(err)
	}
	if err := rec.CheckBasicFour(bf); err != nil {
		t.Error(err)
	}
	cv, err := cvc.Parse(s.expect(readSFI(myna.TextCVCert, 65536), apdu.SWSuccess))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Verify(cv.PublicKey()); err != nil {
		t.Fatalf("DF33: %v", err)
	}
}

func TestJPKI(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	s := term{t, newCard(t, "p01-showa", Options{})}
	s.selectApp(myna.JPKIAP)
	token := s.expect(readSFI(myna.JPKITokenInfo, 32), apdu.SWSuccess)
	if !bytes.HasPrefix(token, []byte("JPKIAPICCTOKEN2 ")) {
		t.Fatalf("token label %q", token)
	}
	s.expect(readSFI(myna.JPKISignCert, 256), apdu.SWSecurityNotSatisfied)
	authDER := s.expect(readSFI(myna.JPKIAuthCert, 65536), apdu.SWSuccess)
	caDER := s.expect(readSFI(myna.JPKIAuthCACert, 65536), apdu.SWSuccess)
	auth, err := x509.ParseCertificate(authDER)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("auth certificate does not chain to its CA: %v", err)
	}
	digest := sha256.Sum256([]byte("message"))
	signAuth := apdu.Command{CLA: 0x80, INS: 0x2A, P1: 0x02, P2: 0x80 | byte(myna.JPKIAuthKey), Data: digest[:], Ne: 256}
	s.expect(signAuth, apdu.SWSecurityNotSatisfied)
	s.expect(myna.Verify(myna.JPKIAuthPINRef, p.AuthPIN().Bytes()), apdu.SWSuccess)
	for p1 := byte(0); p1 <= 5; p1++ {
		cmd := signAuth
		cmd.P1 = p1
		var want func([]byte) error
		pub := auth.PublicKey.(*rsa.PublicKey)
		msg := []byte("message")
		switch p1 {
		case 0:
			cmd.Data = append([]byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, digest[:]...)
			want = func(sig []byte) error { return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) }
		case 1:
			cmd.Data = msg
			want = func(sig []byte) error { return rsa.VerifyPKCS1v15(pub, 0, digest[:], sig) }
		case 2:
			want = func(sig []byte) error { return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) }
		case 3:
			cmd.Data = msg
			want = func(sig []byte) error { return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) }
		case 4:
			want = func(sig []byte) error { return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, nil) }
		case 5:
			cmd.Data = msg
			want = func(sig []byte) error { return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, nil) }
		}
		sig := s.expect(cmd, apdu.SWSuccess)
		if err := want(sig); err != nil {
			t.Errorf("P1=%02X: signature does not verify: %v", p1, err)
		}
	}
	bad := signAuth
	bad.P1 = 6
	s.expect(bad, apdu.SWIncorrectP1P2)
	// The signing key needs the password, and the password opens the signing certificate.
	signKey := apdu.Command{CLA: 0x80, INS: 0x2A, P1: 0x02, P2: 0x80 | byte(myna.JPKISignKey), Data: digest[:], Ne: 256}
	s.expect(signKey, apdu.SWSecurityNotSatisfied)
	s.expect(myna.Verify(myna.JPKISignPasswordRef, p.SignPassword().Bytes()), apdu.SWSuccess)
	s.expect(signKey, apdu.SWSuccess)
	signDER := s.expect(readSFI(myna.JPKISignCert, 65536), apdu.SWSuccess)
	if _, err := x509.ParseCertificate(signDER); err != nil {
		t.Fatal(err)
	}
	// INTERNAL AUTHENTICATE is refused on the 券面 keys and answered by 共通AP 0019.
	s.selectApp(myna.CardSurfaceAP)
	s.expect(apdu.Command{INS: 0x88, P2: 0x80 | byte(myna.SurfaceSigningKey), Data: []byte{1, 2, 3}, Ne: 256}, apdu.SWConditionsNotSatisfied)
	s.selectApp(myna.CommonAP)
	ia := s.expect(apdu.Command{INS: 0x88, P2: 0x99, Data: []byte{1, 2, 3}, Ne: 256}, apdu.SWSuccess)
	iaKey, _ := p.Key(myna.RoleCommonIA)
	h := sha256.Sum256([]byte{1, 2, 3})
	if err := rsa.VerifyPKCS1v15(&iaKey.PublicKey, crypto.SHA256, h[:], ia); err != nil {
		t.Fatalf("INTERNAL AUTHENTICATE: %v", err)
	}
	rec := s.expect(apdu.Command{INS: 0xB2, P1: 1, P2: 0x0C, Ne: 256}, apdu.SWSuccess)
	if _, err := layout.ParseCommonInfo(rec); err != nil {
		t.Fatalf("共通AP record: %v", err)
	}
}

func TestMFGetDataAndSessionKeyRefusals(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	s := term{t, newCard(t, "p01-showa", Options{})}
	if got := s.expect(apdu.Command{INS: 0xCA, P2: 0xF2, Ne: 256}, apdu.SWSuccess); string(got) != p.Card.ExpiryDigits() {
		t.Error("GET DATA F2 is not the expiry")
	}
	s.expect(apdu.Command{INS: 0xCA, P2: 0xF8, Ne: 256}, apdu.SWWrongLength)
	if got := s.expect(apdu.Command{INS: 0xCA, P2: 0xF8, Ne: 65536}, apdu.SWSuccess); len(got) != 568 {
		t.Errorf("GET DATA F8 extended: %d bytes", len(got))
	}
	r := s.send(apdu.Command{INS: 0xCA, P2: 0xF0, Ne: 2})
	if n, ok := r.SW.CorrectLe(); !ok || n != 5 {
		t.Errorf("GET DATA F0 with Le 2: %v, want 6C05", r.SW)
	}
	ssk := apdu.Command{CLA: 0x80, INS: 0xAE, Data: make([]byte, 256)}
	for app, want := range map[myna.App]apdu.StatusWord{
		myna.CardSurfaceAP: apdu.SWKeyDeliveryNotConfigured, myna.CommonAP: apdu.SWKeyDeliveryNotConfigured,
		myna.JPKIAP: apdu.SWSecurityNotSatisfied, myna.JukiAP: apdu.SWSecurityNotSatisfied, myna.TextAP: apdu.SWSecurityNotSatisfied,
	} {
		s.selectApp(app)
		s.expect(ssk, want)
		s.expect(apdu.Command{INS: 0xCA, P2: 0xF2, Ne: 256}, apdu.SWReferenceNotFound)
	}
	s.selectApp(myna.JPKIAP)
	s.expect(apdu.Command{CLA: 0x08, INS: 0xB0, Ne: 256}, apdu.SWSMSessionClosed)
	s.expect(apdu.Command{CLA: 0x80, INS: 0xA2, P2: 0xC1, Data: make([]byte, 256)}, apdu.SWWrongLength)
	s.expect(apdu.Command{INS: 0x84, Ne: 300}, apdu.SWConditionsNotSatisfied)
}

// Counters are independent per key reference and per application.
func TestCountersIndependent(t *testing.T) {
	c := newCard(t, "p01-showa", Options{})
	s := term{t, c}
	before := c.Tries()
	s.selectApp(myna.CardSurfaceAP)
	s.expect(myna.Verify(myna.SurfaceCheckCodeBRef, []byte("00000000000000")), apdu.RetriesLeft(9))
	after := c.Tries()
	want := map[string]int{}
	for k, v := range before {
		want[k] = v
	}
	want["surface/0012"] = 9
	if diff := cmp.Diff(want, after); diff != "" {
		t.Fatalf("counters after one wrong B (-want +got):\n%s", diff)
	}
	if after["text/0012"] != 0 {
		t.Errorf("text/0012 should arrive blocked, has %d", after["text/0012"])
	}
}

func parseCV(t *testing.T, b []byte) *cvc.Certificate {
	t.Helper()
	c, err := cvc.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// challenge has the card sign a fresh challenge and verifies it with DF24's key.
func challenge(s term, face *layout.CardFace) error {
	ch := s.expect(apdu.Command{INS: 0x84, Ne: 16}, apdu.SWSuccess)
	d := sha256.Sum256(ch)
	di := append([]byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, d[:]...)
	sig := s.expect(apdu.Command{CLA: 0x80, INS: 0x2A, Data: di, Ne: 256}, apdu.SWSuccess)
	return rsa.VerifyPKCS1v15(face.Signed.CardKey, crypto.SHA256, d[:], sig)
}
