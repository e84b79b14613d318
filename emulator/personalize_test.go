package emulator

import (
	"path/filepath"
	"testing"

	"github.com/taimen-dev/taimen/myna"
)

// profilesDir is where the committed synthetic profiles live.
var profilesDir = filepath.Join("..", "vectors", "profiles")

var profileIDs = []string{"p01-showa", "p02-long-address", "p03-foreign-resident", "p04-reiwa-boundary", "p05-near-expiry"}

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
