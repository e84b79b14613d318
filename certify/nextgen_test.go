package certify

import (
	"path/filepath"
	"testing"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/vectors"
)

// TestNextGeneration checks RR-018 on recorded streams (the check of RR-016, on the
// next-generation scenario only), the scenario's profile and its card image, and that a
// profile copy keeps generation.card_key loadable.
func TestNextGeneration(t *testing.T) {
	const sc = scenarioNextGeneration
	western := "002000800E3830303231373230333534383231" // a date in the wrong form
	good := inputStream(t).apdu(t, selSurface, "9000").apdu(t, queryB, "63CA").apdu(t, selKeyB, "9000").apdu(t, codeGood, "9000").ev(sc, nil)
	expect(t, "RR-018", withExit(good, 0), true, "read the next-generation card")
	expect(t, "RR-018", withExit(good, 1), false, "ECDSA P-384")
	wrong := inputStream(t).apdu(t, selSurface, "9000").apdu(t, queryB, "63CA").apdu(t, selKeyB, "9000").apdu(t, western, "63C9").ev(sc, nil)
	expect(t, "RR-018", withExit(wrong, 3), false, "Western date")

	r := ruleByID(t, "RR-018")
	if r.Severity != Should {
		t.Errorf("RR-018 is %s, want should", r.Severity)
	}
	for _, s := range Scenarios() {
		if r.appliesTo(s.Name) != (s.Name == sc) {
			t.Errorf("RR-018 applies to %s: %v", s.Name, r.appliesTo(s.Name))
		}
	}

	given := loadP01(t)
	e := &engine{o: Options{Profile: given}}
	p, err := e.profileFor(Scenario{Profile: nextGenProfile}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !p.Generation.Provisional || p.Generation.CardKeyAlgorithm != myna.SigECDSAP384SHA384 {
		t.Fatalf("scenario profile generation %+v", p.Generation)
	}
	if _, expiry, err := probeFace(p, nil); err != nil || expiry != p.Card.ExpiryDigits() {
		t.Errorf("probe the next-generation face: %q %v", expiry, err)
	}
	if _, err := siblingProfile(given, "p99-missing"); err == nil {
		t.Error("a missing scenario profile loaded")
	}
	// The profile given by ID comes from the binary's embedded set, and so does its sibling.
	embedded, err := vectors.LoadProfile("p01-showa")
	if err != nil {
		t.Fatal(err)
	}
	if sib, err := siblingProfile(embedded, nextGenProfile); err != nil || sib.FS == nil || !sib.Generation.Provisional {
		t.Errorf("the next-generation profile beside the embedded p01: %v (from the embedded set: %v)", err, err == nil && sib.FS != nil)
	}
	// A variant of the next-generation profile (written elsewhere) still finds its card key.
	small, err := writeVariant(p, filepath.Join(t.TempDir(), "small"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := small.CardSigner(); k == nil || small.Generation.CardKeyAlgorithm != myna.SigECDSAP384SHA384 {
		t.Error("variant lost the card key")
	}
}
