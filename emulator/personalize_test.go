package emulator

import (
	"path/filepath"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// profilesDir is where the committed synthetic profiles live.
var profilesDir = filepath.Join("..", "vectors", "profiles")

var profileIDs = []string{"p01-showa", "p02-long-address", "p03-foreign-resident", "p04-reiwa-boundary", "p05-near-expiry", "p06-taisho-contactless"}

func loadProfile(t testing.TB, id string) *myna.Profile {
	t.Helper()
	p, err := myna.LoadProfile(filepath.Join(profilesDir, id, "profile.json"))
	if err != nil {
		t.Fatalf("load profile %s: %v", id, err)
	}
	return p
}

func newCard(t testing.TB, id string, opts Options) *Card {
	t.Helper()
	c, err := New(loadProfile(t, id), opts)
	if err != nil {
		t.Fatalf("personalize %s: %v", id, err)
	}
	c.PowerOn()
	return c
}

func TestPersonalizeAllProfiles(t *testing.T) {
	for _, id := range profileIDs {
		t.Run(id, func(t *testing.T) {
			c := newCard(t, id, Options{})
			if len(c.apps) != 5 {
				t.Fatalf("%d applications", len(c.apps))
			}
		})
	}
}

// The contact ATR is the default; a profile may present the contactless form,
// while GET DATA 5F51 still returns the contact ATR (CARD.md §6).
func TestInterfaceATR(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	c, err := New(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ATR(); string(got) != string(myna.DefaultATRContact()) {
		t.Fatalf("contact ATR % X", got)
	}
	p.Card.Interface = myna.InterfaceContactless
	c, err = New(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	if got := c.ATR(); string(got) != string(myna.DefaultATRContactless()) {
		t.Fatalf("contactless ATR % X", got)
	}
	s := term{t, c}
	if got := s.expect(apdu.Command{INS: 0xCA, P1: 0x5F, P2: 0x51, Ne: 256}, apdu.SWSuccess); string(got) != string(myna.DefaultATRContact()[1:]) {
		t.Fatalf("GET DATA 5F51 % X", got)
	}
}
