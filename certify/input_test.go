package certify

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inputStream is a stream whose recorder knows p01's check code B (55021720354821).
func inputStream(t *testing.T) *stream {
	t.Helper()
	s := newStream()
	s.r.expectCheckCodeB([]byte("55021720354821"))
	return s
}

// withExit sets the command's exit status on evidence.
func withExit(ev *evidence, code int) *evidence { ev.exitCode = code; return ev }

// TestRightCheckCodeB checks RR-016 on recorded streams: the right code on
// both keys passes; a wrong one (a Western year instead of the era, say) on
// either key fails; no check code B at all fails; the right code with a
// failed read fails.
func TestRightCheckCodeB(t *testing.T) {
	western := "002000800E3830303231373230333534383231" // 80021720354821: 1980 written as the Western year
	codeGoodText := "002000800E3535303231373230333534383231"
	for _, sc := range []string{"image-only", "manual-date"} {
		good := inputStream(t).apdu(t, selSurface, "9000").apdu(t, queryB, "63CA").apdu(t, selKeyB, "9000").apdu(t, codeGood, "9000").
			apdu(t, selText, "9000").apdu(t, "00A4020C020015", "9000").apdu(t, codeGoodText, "9000").ev(sc, nil)
		expect(t, "RR-016", withExit(good, 0), true, "sent the right check code B built from")
		expect(t, "RR-016", withExit(good, 1), false, "the read failed: exited 1")

		era := inputStream(t).apdu(t, selSurface, "9000").apdu(t, queryB, "63CA").apdu(t, selKeyB, "9000").apdu(t, western, "63C9").ev(sc, nil)
		expect(t, "RR-016", withExit(era, 3), false, "not the card's check code B on surface/0012 (#4)")

		later := inputStream(t).apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeGood, "9000").
			apdu(t, selText, "9000").apdu(t, "00A4020C020015", "9000").apdu(t, codeWrong, "63C9").ev(sc, nil)
		expect(t, "RR-016", withExit(later, 0), false, "text/0015 (#6)")

		none := inputStream(t).apdu(t, selSurface, "9000").apdu(t, queryB, "63CA").ev(sc, nil)
		expect(t, "RR-016", withExit(none, 2), false, "sent no check code B")

		// Another key's VERIFY (the PIN of the text application) is not judged.
		pin := inputStream(t).apdu(t, selText, "9000").apdu(t, "002000810435393331", "9000").
			apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeGood, "9000").ev(sc, nil)
		expect(t, "RR-016", withExit(pin, 0), true, "(1 VERIFY)")
	}
	r := ruleByID(t, "RR-016")
	for _, sc := range Scenarios() {
		// The next-generation scenario runs on its own profile: RR-018 (should) judges it.
		want := sc.Input != "" && sc.Profile == ""
		if r.appliesTo(sc.Name) != want {
			t.Errorf("RR-016 applies to %s: %v, want %v", sc.Name, !want, want)
		}
		if want && !ruleByID(t, "RR-012").appliesTo(sc.Name) {
			t.Errorf("RR-012 does not apply to %s", sc.Name)
		}
	}
}

// TestCheckCodeBMarkForgotten checks that the recorder marks the VERIFY
// carrying check code B, and forgets its hash at the end.
func TestCheckCodeBMarkForgotten(t *testing.T) {
	s := inputStream(t).apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeWrong, "63C9").apdu(t, codeGood, "9000")
	tr := s.r.finish()
	if tr[2].CheckCodeB || !tr[3].CheckCodeB {
		t.Errorf("marks %v %v, want false true", tr[2].CheckCodeB, tr[3].CheckCodeB)
	}
	if s.r.wantB != nil {
		t.Error("finish kept the hash of check code B")
	}
	// Without expectCheckCodeB nothing is marked.
	tr = newStream().apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeGood, "9000").r.finish()
	if tr[2].CheckCodeB {
		t.Error("marked check code B without knowing it")
	}
}

// TestOperatorEnv checks what the operator gives in each kind of scenario:
// check code B, nothing (image only), or the Gregorian birth date, expiry
// year and security code.
func TestOperatorEnv(t *testing.T) {
	p := loadP01(t)
	byName := map[string]Scenario{}
	for _, sc := range Scenarios() {
		byName[sc.Name] = sc
	}
	if got := operatorEnv(byName["good"], p, p.CheckCodeB()); len(got) != 1 || got[0] != "TAIMEN_CHECK_CODE_B="+p.CheckCodeB().Reveal() {
		t.Error("good: not check code B alone")
	}
	if got := operatorEnv(byName["image-only"], p, p.CheckCodeB()); len(got) != 0 {
		t.Errorf("image-only: %d variables, want none", len(got))
	}
	got := strings.Join(operatorEnv(byName["manual-date"], p, p.CheckCodeB()), "\n")
	if got != "TAIMEN_BIRTH_DATE=1980-02-17\nTAIMEN_EXPIRY_YEAR=2035\nTAIMEN_SECURITY_CODE="+p.Card.SecurityCode {
		t.Error("manual-date: not the Gregorian birth date, expiry year and security code")
	}
}

// TestCardImageGiven runs both operator-input scenarios with a command that
// prints the names of its TAIMEN_* variables and the SHA-256 of {card_image}
// (the sandbox keeps nothing it writes): no check code B in either, the three
// parts in manual-date, and the profile's rendered front as the image, which
// the reader may read but not change.
func TestCardImageGiven(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	cmd := "env | cut -d= -f1 | grep '^TAIMEN_' | sort; sha256sum '{card_image}'; if touch '{card_image}' 2>/dev/null; then echo image-writable; fi"
	rep := certifyForTest(t, cmd, 10*time.Second, "good", "image-only", "manual-date")
	want, err := os.ReadFile(filepath.Join(filepath.Dir(p01Path), "card-front.png"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(want)
	for _, sc := range rep.Scenarios {
		if sc.ExitCode != 0 {
			t.Fatalf("%s: exit %d: %s", sc.Name, sc.ExitCode, sc.Output.Tail)
		}
		out := sc.Output.Tail
		if !strings.Contains(out, hex.EncodeToString(sum[:])) {
			t.Errorf("%s: {card_image} is not the profile's rendered front", sc.Name)
		}
		if strings.Contains(out, "image-writable") {
			t.Errorf("%s: the reader could change {card_image}", sc.Name)
		}
		for _, f := range sc.Files {
			if strings.Contains(f.Path, cardImageName) {
				t.Errorf("%s: the operator's image is listed as a file the reader wrote: %s", sc.Name, f.Path)
			}
		}
		vars := map[string]bool{}
		for _, line := range strings.Split(out, "\n") {
			vars[strings.TrimSpace(line)] = true
		}
		hasB, hasParts := vars["TAIMEN_CHECK_CODE_B"], vars["TAIMEN_BIRTH_DATE"] && vars["TAIMEN_EXPIRY_YEAR"] && vars["TAIMEN_SECURITY_CODE"]
		if wantB := sc.Name == "good"; hasB != wantB {
			t.Errorf("%s: TAIMEN_CHECK_CODE_B given %v, want %v", sc.Name, hasB, wantB)
		}
		if wantParts := sc.Name == "manual-date"; hasParts != wantParts {
			t.Errorf("%s: birth date, expiry year and security code given %v, want %v", sc.Name, hasParts, wantParts)
		}
		if !vars["TAIMEN_CERTIFY_CARD_IMAGE"] {
			t.Errorf("%s: no TAIMEN_CERTIFY_CARD_IMAGE", sc.Name)
		}
	}
	// A command that sends no VERIFY fails RR-016 and RR-012 does not (it exits 0).
	if f := failedIn(rep); len(f["RR-016"]) != 2 {
		t.Errorf("RR-016 failures: %v", f["RR-016"])
	}
}
