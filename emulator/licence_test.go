package emulator

import (
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// licenceCard returns p07-licence's card and its licence, with the given faults.
func licenceCard(t *testing.T, opts Options) (term, *myna.Licence) {
	t.Helper()
	p := loadProfile(t, "p07-licence")
	c, err := New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	return term{t, c}, p.Licence
}

func TestLicenceApplication(t *testing.T) {
	s, l := licenceCard(t, Options{})
	if got := s.c.Tries()["licence/0006"]; got != 10 {
		t.Fatalf("licence/0006 starts at %d tries, want 10", got)
	}
	s.selectApp(myna.LicenceAP)
	if set, err := myna.ParsePINSetting(s.expect(readSFI(myna.LicencePINSetting, 3), apdu.SWSuccess)); err != nil || !set {
		t.Fatalf("EF 001A: set %v, %v", set, err)
	}
	s.expect(readSFI(myna.LicenceData, 256), apdu.SWSecurityNotSatisfied)
	s.expect(readSFI(myna.LicenceSignature, 256), apdu.SWSecurityNotSatisfied)
	s.expect(myna.TriesQuery(myna.LicencePINRef), apdu.RetriesLeft(10))
	s.expect(myna.Verify(myna.LicencePINRef, []byte("0000")), apdu.RetriesLeft(9))
	s.expect(myna.Verify(myna.LicencePINRef, []byte("****")), apdu.RetriesLeft(8))
	s.expect(myna.Verify(myna.LicencePINRef, l.PIN().Bytes()), apdu.SWSuccess)
	s.expect(myna.TriesQuery(myna.LicencePINRef), apdu.RetriesLeft(10))
	s.expect(selEF(myna.LicenceData), apdu.SWSuccess)
	data := s.readAll(84) // one field reader reads at most 84 bytes at a time (FIELD.md)
	rec, err := myna.ParseLicenceData(data)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Number != l.Number || !rec.Expiry.Equal(l.Expiry) {
		t.Error("EF 001B does not hold the profile's licence")
	}
	s.expect(selEF(myna.LicenceSignature), apdu.SWSuccess)
	sig, by, err := myna.ParseLicenceSignature(s.readAll(256))
	if err != nil || by != "30" {
		t.Fatalf("EF 001C: %q, %v", by, err)
	}
	if err := myna.VerifyLicenceSignature(rec.Signed, sig, &l.IssuerKey().PublicKey); err != nil {
		t.Errorf("signature: %v", err)
	}
	// Another application's SELECT clears the verified PIN.
	s.selectApp(myna.JPKIAP)
	s.selectApp(myna.LicenceAP)
	s.expect(readSFI(myna.LicenceData, 256), apdu.SWSecurityNotSatisfied)
}

func TestLicenceBlocks(t *testing.T) {
	s, l := licenceCard(t, Options{})
	s.selectApp(myna.LicenceAP)
	for i := 9; i >= 0; i-- {
		s.expect(myna.Verify(myna.LicencePINRef, []byte("1357")), apdu.RetriesLeft(i))
	}
	s.expect(myna.TriesQuery(myna.LicencePINRef), apdu.StatusWord(0x63C0))
	s.expect(myna.Verify(myna.LicencePINRef, l.PIN().Bytes()), apdu.SWReferenceDataBlocked)
	s.expect(readSFI(myna.LicenceData, 256), apdu.SWSecurityNotSatisfied)
	if s.c.Tries()["licence/0006"] != 0 || s.c.Tries()["surface/0012"] != 10 {
		t.Errorf("counters after blocking: %v", s.c.Tries())
	}
}

func TestLicenceAbsent(t *testing.T) {
	s := term{t, newCard(t, "p01-showa", Options{})}
	s.expect(selApp(myna.LicenceAP), apdu.SWFileNotFound)
	if _, ok := s.c.Tries()["licence/0006"]; ok {
		t.Error("a card without a licence has a licence counter")
	}
	tok, _ := licenceCard(t, Options{Form: myna.FormJPKITokenAndroid})
	tok.expect(selApp(myna.LicenceAP), apdu.SWFileNotFound)
}

func TestLicenceFaults(t *testing.T) {
	s, l := licenceCard(t, Options{Faults: []FaultSetting{{Fault: FaultForgedLicence}}})
	s.selectApp(myna.LicenceAP)
	s.expect(myna.Verify(myna.LicencePINRef, l.PIN().Bytes()), apdu.SWSuccess)
	rec, err := myna.ParseLicenceData(s.expect(readSFI(myna.LicenceData, 256), apdu.SWSuccess))
	if err != nil {
		t.Fatal(err)
	}
	s.expect(selEF(myna.LicenceSignature), apdu.SWSuccess)
	sig, _, _ := myna.ParseLicenceSignature(s.readAll(256))
	if myna.VerifyLicenceSignature(rec.Signed, sig, &l.IssuerKey().PublicKey) == nil || rec.Expiry.Equal(l.Expiry) {
		t.Error("forged-licence: the data must be changed and fail its signature")
	}

	s, _ = licenceCard(t, Options{Faults: []FaultSetting{{Fault: FaultLicenceNoDecrement}}})
	s.selectApp(myna.LicenceAP)
	s.expect(myna.Verify(myna.LicencePINRef, []byte("1357")), apdu.RetriesLeft(10))
	s.selectApp(myna.CardSurfaceAP)
	s.expect(myna.Verify(myna.SurfaceCheckCodeBRef, []byte("00000000000000")), apdu.RetriesLeft(9)) // other keys still count

	p01 := loadProfile(t, "p01-showa")
	for _, f := range []Fault{FaultForgedLicence, FaultLicenceNoDecrement} {
		if f.NotApplicable(p01) == "" || f.NotApplicable(loadProfile(t, "p07-licence")) != "" {
			t.Errorf("%s: applicable only to a profile with a licence", f)
		}
	}
}

func TestLicenceSignatureFree(t *testing.T) {
	p := loadProfile(t, "p07-licence")
	p.Behaviour.Licence.SignatureFree = true
	c, err := New(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	s := term{t, c}
	s.selectApp(myna.LicenceAP)
	s.expect(readSFI(myna.LicenceSignature, 256), apdu.SWSuccess)
	s.expect(readSFI(myna.LicenceData, 256), apdu.SWSecurityNotSatisfied)
}
