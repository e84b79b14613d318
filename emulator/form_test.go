package emulator

import (
	"bytes"
	"crypto/x509"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// A card that is not a My Number Card's face: a phone's JPKI-only token
// answers SELECT of the JPKI application only, a card with no My Number
// application answers none; both have their form's ATR and no MF-level data.
func TestForms(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	cases := []struct {
		form  myna.Form
		apps  []myna.App // applications that answer 9000
		label string     // JPKI token label, "" without JPKI
	}{
		{myna.FormCard, myna.Apps(), "JPKIAPICCTOKEN2"},
		{myna.FormJPKITokenAndroid, []myna.App{myna.JPKIAP}, "JPKIAPGPSETOKEN"},
		{myna.FormJPKITokenIOS, []myna.App{myna.JPKIAP}, "JPKIAPIOSTOKEN"},
		{myna.FormNotMyNumber, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.form.String(), func(t *testing.T) {
			c := newCard(t, "p01-showa", Options{Form: tc.form})
			s := term{t, c}
			wantATR := tc.form.ATR()
			if wantATR == nil {
				wantATR = p.Card.ATR()
			}
			if !bytes.Equal(c.ATR(), wantATR) {
				t.Errorf("ATR %X, want %X", c.ATR(), wantATR)
			}
			for _, app := range myna.Apps() {
				want := apdu.SWFileNotFound
				if bytesContain(tc.apps, app) {
					want = apdu.SWSuccess
				}
				s.expect(selApp(app), want)
				s.expect(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x00, Data: app.AID(), Ne: 256}, want)
			}
			// Nothing selected after a refused SELECT: a VERIFY names no key reference.
			if !bytesContain(tc.apps, myna.CardSurfaceAP) {
				c.PowerOn()
				s.expect(selApp(myna.CardSurfaceAP), apdu.SWFileNotFound)
				s.expect(myna.Verify(myna.SurfaceCheckCodeBRef, p.CheckCodeB().Bytes()), apdu.SWReferenceNotFound)
				c.PowerOn()
				s.expect(apdu.Command{INS: 0xCA, P1: 0x00, P2: 0x45, Ne: 256}, apdu.SWReferenceNotFound)
			}
			if tc.label == "" {
				if len(c.Tries()) != 0 {
					t.Errorf("key references %v on a card without applications", c.Tries())
				}
				return
			}
			s.selectApp(myna.JPKIAP)
			token := s.expect(readSFI(myna.JPKITokenInfo, 32), apdu.SWSuccess)
			if !bytes.HasPrefix(token, []byte(tc.label+" ")) {
				t.Errorf("token label %q, want %s", token, tc.label)
			}
			if _, err := x509.ParseCertificate(s.expect(readSFI(myna.JPKIAuthCert, 65536), apdu.SWSuccess)); err != nil {
				t.Errorf("authentication certificate: %v", err)
			}
			s.expect(myna.Verify(myna.JPKIAuthPINRef, p.AuthPIN().Bytes()), apdu.SWSuccess)
			if _, ok := c.Tries()["surface/0012"]; ok != tc.form.Has(myna.CardSurfaceAP) {
				t.Errorf("surface/0012 in the counters: %v", ok)
			}
		})
	}
}

func TestFormFromProfileAndUnknown(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	p.Card.Form = myna.FormJPKITokenAndroid
	c, err := New(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	term{t, c}.expect(selApp(myna.CardSurfaceAP), apdu.SWFileNotFound)
	c, err = New(p, Options{Form: myna.FormCard}) // the option wins over the profile
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	term{t, c}.expect(selApp(myna.CardSurfaceAP), apdu.SWSuccess)
	if _, err := New(p, Options{Form: "phone"}); err == nil {
		t.Error("an unknown form was accepted")
	}
}

func bytesContain(apps []myna.App, a myna.App) bool {
	for _, x := range apps {
		if x == a {
			return true
		}
	}
	return false
}
