package main

import (
	"testing"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna/cvc"
)

// --test-ca of today's card must also trust the provisional next-generation card's P-384 CA:
// a reader configured with taimen's test CAs validates every emulated card of the set.
func TestTestCAAnchorsCoverTheSet(t *testing.T) {
	for _, ref := range []string{"p01-showa", "p10-nextgen-provisional"} {
		anchors, err := testCAAnchors(ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		set, err := cvc.NewAnchorSet(anchors...)
		if err != nil {
			t.Fatalf("%s: the anchors do not make a set: %v", ref, err)
		}
		for _, id := range []cvc.KeyID{emulator.TestCAKenkaku, emulator.TestCAKenkakuP384, emulator.TestCAKenhojo} {
			a, ok := set.Lookup(id)
			if !ok {
				t.Errorf("--test-ca %s: no anchor %s", ref, id)
				continue
			}
			if a.Production {
				t.Errorf("--test-ca %s: anchor %s is marked production", ref, id)
			}
		}
		if a, _ := set.Lookup(emulator.TestCAKenkakuP384); a.KeyEC == nil {
			t.Errorf("--test-ca %s: anchor %s is not the ECDSA P-384 key", ref, emulator.TestCAKenkakuP384)
		}
	}
}

// --profile with --test-ca names the same test CAs twice: the first wins, no duplicate error.
func TestTestCAWithEmulatedProfile(t *testing.T) {
	tf := targetFlags{emulator: "p01-showa", testCA: "p01-showa", chunk: 256, timeout: 1e9}
	tr, anchors, err := tf.open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, ok := anchors.Lookup(emulator.TestCAKenkakuP384); !ok {
		t.Error("no P-384 test anchor")
	}
}
