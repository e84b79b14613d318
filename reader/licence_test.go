package reader_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

const licenceProfile = "../vectors/profiles/p07-licence/profile.json"

func licenceSession(t *testing.T, path string, faults ...emulator.Fault) (*reader.Session, *emulator.Card, *myna.Profile) {
	t.Helper()
	p, err := myna.LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fs []emulator.FaultSetting
	for _, f := range faults {
		fs = append(fs, emulator.FaultSetting{Fault: f})
	}
	card, err := emulator.New(p, emulator.Options{Faults: fs})
	if err != nil {
		t.Fatal(err)
	}
	return reader.NewSession(reader.NewEmulated(card), reader.DefaultGuard), card, p
}

func TestReadLicence(t *testing.T) {
	ctx := context.Background()
	s, card, p := licenceSession(t, licenceProfile)
	asked := 0
	pin := func() (myna.Secret, error) { asked++; return p.Secret(myna.SecretLicencePIN), nil }
	keys := []*rsa.PublicKey{&p.Licence.IssuerKey().PublicKey}
	l, err := reader.ReadLicence(ctx, s, reader.LicenceOptions{PIN: pin, IssuerKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if !l.PINSet || !l.SignatureOK || l.SignatureErr != nil || l.SignedBy != "30" || asked != 1 || l.TriesBefore != 10 {
		t.Errorf("read: pin set %v, signature %v (%v), by %q, asked %d, tries %d", l.PINSet, l.SignatureOK, l.SignatureErr, l.SignedBy, asked, l.TriesBefore)
	}
	if l.Record.Number != p.Licence.Number {
		t.Error("licence number differs")
	}

	// Without a key, or under another key, the data is read but not authentic.
	for name, ks := range map[string][]*rsa.PublicKey{"no key": nil, "other key": {&mustKey(t, p, myna.RoleCard).PublicKey}} {
		s, _, _ := licenceSession(t, licenceProfile)
		l, err := reader.ReadLicence(ctx, s, reader.LicenceOptions{PIN: pin, IssuerKeys: ks})
		if err != nil || l.SignatureOK || !errors.Is(l.SignatureErr, reader.ErrNotAuthentic) {
			t.Errorf("%s: ok %v, %v, %v", name, l != nil && l.SignatureOK, l.SignatureErr, err)
		}
	}
	// Forged data fails the signature.
	s, _, _ = licenceSession(t, licenceProfile, emulator.FaultForgedLicence)
	if l, err := reader.ReadLicence(ctx, s, reader.LicenceOptions{PIN: pin, IssuerKeys: keys}); err != nil || l.SignatureOK {
		t.Errorf("forged licence: ok %v, %v", l != nil && l.SignatureOK, err)
	}
	// A wrong PIN spends a try and is never sent again; "****" on a card with a PIN is refused unsent.
	s, card, _ = licenceSession(t, licenceProfile)
	wrong, _ := myna.ParseLicencePIN("0000")
	var wc *reader.WrongCodeError
	if _, err := reader.ReadLicence(ctx, s, reader.LicenceOptions{PIN: func() (myna.Secret, error) { return wrong, nil }}); !errors.As(err, &wc) || wc.Remaining != 9 {
		t.Errorf("wrong PIN: %v", err)
	}
	if _, err := reader.ReadLicence(ctx, s, reader.LicenceOptions{PIN: func() (myna.Secret, error) { return wrong, nil }}); !errors.Is(err, reader.ErrRefused) {
		t.Errorf("the same wrong PIN again: %v", err)
	}
	stars, _ := myna.ParseLicencePIN(myna.LicencePINNotSet)
	if _, err := reader.ReadLicence(ctx, s, reader.LicenceOptions{PIN: func() (myna.Secret, error) { return stars, nil }}); !errors.Is(err, reader.ErrNoSecret) {
		t.Errorf(`"****" on a card with a PIN: %v`, err)
	}
	if card.Tries()["licence/0006"] != 9 {
		t.Errorf("tries %d, want 9", card.Tries()["licence/0006"])
	}
	// The guard: at the floor, no VERIFY is sent.
	s, card, _ = licenceSession(t, licenceProfile)
	_ = card
	s2 := reader.NewSession(s.Transport(), reader.Guard{Floor: 10})
	if _, err := reader.ReadLicence(ctx, s2, reader.LicenceOptions{PIN: pin}); !errors.Is(err, reader.ErrRefused) {
		t.Errorf("guard floor 10: %v", err)
	}

	// A card without the application.
	s, _, _ = licenceSession(t, profilePath)
	if _, err := reader.ReadLicence(ctx, s, reader.LicenceOptions{PIN: pin}); !errors.Is(err, reader.ErrNoLicence) || err.Error()[:25] != "no licence on this card (" {
		t.Errorf("p01: %v", err)
	}
}

func mustKey(t *testing.T, p *myna.Profile, role string) *rsa.PrivateKey {
	k, ok := p.Key(role)
	if !ok {
		t.Fatal(role)
	}
	return k
}

func TestStatusListsLicence(t *testing.T) {
	ctx := context.Background()
	for path, want := range map[string]bool{licenceProfile: true, profilePath: false} {
		s, _, _ := licenceSession(t, path)
		st, err := reader.Status(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, k := range st {
			found = found || (k.App == "licence" && k.Key == "0006" && k.Tries == 10)
		}
		if found != want {
			t.Errorf("%s: licence PIN in status %v, want %v", path, found, want)
		}
	}
}
