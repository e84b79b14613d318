package certify

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/myna"
)

// escapes writes s as JSON \u escapes, with upper-case hex digits.
func escapes(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "\\u%04X", c)
	}
	return b.String()
}

// TestRR011LeakForms: each check code and PIN is found in ASCII, hex, base64
// and \u escapes, in output and files; a PIN is not found inside a number, a
// word, a date or a time.
func TestRR011LeakForms(t *testing.T) {
	p := loadP01(t)
	secrets := scenarioSecrets(p, nil)
	for _, s := range secrets {
		v := s.value.Reveal()
		h := strings.ToUpper(hex.EncodeToString([]byte(v)))
		spaced := h[:2] + " " + h[2:]
		for _, tc := range []struct{ form, content string }{
			{"ASCII", "code: " + v + "\n"},
			{"hex", "> 00 20 00 80 0E " + spaced + "\n"},
			{"base64", `{"code":"` + base64.StdEncoding.EncodeToString([]byte(v)) + `"}`},
			{"base64", "c=" + base64.RawStdEncoding.EncodeToString([]byte(v))},
			{"\\u escapes", `{"code":"` + escapes(v) + `"}`},
		} {
			got := findLeaks(secrets, []source{{"file /tmp/x.log", []byte(tc.content)}})
			if !slices.Contains(got, Leak{Secret: s.label, Form: tc.form, Where: "file /tmp/x.log"}) {
				t.Errorf("%s in %s: not found", s.label, tc.form)
			}
		}
		if url := base64.RawURLEncoding.EncodeToString([]byte(v)); url != base64.RawStdEncoding.EncodeToString([]byte(v)) {
			if got := findLeaks(secrets, []source{{"stderr", []byte(url)}}); !slices.Contains(got, Leak{s.label, "base64url", "stderr"}) {
				t.Errorf("%s in base64url: not found", s.label)
			}
		}
	}
	// A four-digit PIN inside something longer is not a leak.
	pin := p.TextPIN().Reveal()
	for _, tc := range []struct{ what, content string }{
		{"split by a separator", "2026-12-05T10:" + pin[:2] + ":" + pin[2:] + "Z"},
		{"a date", "ts " + pin + "-12-05"},
		{"a time", "at 10:" + pin},
		{"a decimal", "0." + pin + " s"},
		{"a word", "v" + pin + "a"},
		{"a longer number", "size 1" + pin},
	} {
		for _, l := range findLeaks(secrets, []source{{"stdout", []byte(tc.content)}}) {
			if l.Form == "ASCII" && l.Secret == "text PIN" {
				t.Errorf("the text PIN found inside %s", tc.what) // never the content: it holds the PIN
			}
		}
	}
	// Leaks name the secret and the form, never the value.
	got := findLeaks(secrets, []source{{"stdout", []byte(p.CheckCodeB().Reveal())}})
	ok, msg := checkNoLeak(&evidence{leaks: got})
	if ok || strings.Contains(msg, p.CheckCodeB().Reveal()) || !strings.Contains(msg, "check code B (ASCII) in stdout") {
		t.Errorf("RR-011: %v, message %q", ok, strings.ReplaceAll(msg, p.CheckCodeB().Reveal(), "<code>"))
	}
}

// TestPersonalTailScrubbed: the output tail the report keeps loses the birth
// date, the expiry and a base64 check code (and the rest of the card's
// data), keeps the words around them; a tail with a piece of the photo that
// no redaction removes is withheld.
func TestPersonalTailScrubbed(t *testing.T) {
	p, d := personalForTest(t)
	secrets := scenarioSecrets(p, nil)
	scrub := newTailScrubber(p, d, secrets)
	era, err := myna.ToEra(p.Person.BirthDate)
	if err != nil {
		t.Fatal(err)
	}
	codeB := p.CheckCodeB().Reveal()
	values := map[string]string{
		"birth date":          p.Person.BirthDate.Format("2006-01-02"),
		"era birth date":      era.String(),
		"six-digit birth":     era.YYMMDD(),
		"expiry":              p.Card.ExpiryDigits(),
		"expiry (dashes)":     p.Card.Expiry.Format("2006-01-02"),
		"base64 check code B": base64.StdEncoding.EncodeToString([]byte(codeB)),
		"check code B":        codeB,
		"escaped text PIN":    escapes(p.TextPIN().Reveal()),
		"name":                p.Person.Name,
		"address":             p.Person.Address,
		"security code":       p.Card.SecurityCode,
	}
	out := fmt.Sprintf("reading…\nname: %s\naddress: %s\nbirth date: %s (%s, key %s)\nexpiry: %s / %s\nsecurity code: %s\ndebug: code=%s b64=%s pin=%s\ndone\n",
		values["name"], values["address"], values["birth date"], values["era birth date"], values["six-digit birth"], values["expiry"],
		values["expiry (dashes)"], values["security code"], values["check code B"], values["base64 check code B"], values["escaped text PIN"])
	kept, n, withheld := reportTail([]byte(out), scrub, d, secrets)
	if withheld != "" || kept == "" {
		t.Fatalf("withheld: %q", withheld)
	}
	for what, v := range values {
		if strings.Contains(kept, v) {
			t.Errorf("the %s survived in the tail", what)
		}
	}
	if n < len(values) || !strings.Contains(kept, "birth date: [redacted]") || !strings.Contains(kept, "expiry: [redacted]") {
		// Shown with any value left replaced by its name (longest first, as
		// values contain others), never the value.
		names := slices.Collect(maps.Keys(values))
		slices.SortFunc(names, func(a, b string) int { return len(values[b]) - len(values[a]) })
		masked := kept
		for _, what := range names {
			masked = strings.ReplaceAll(masked, values[what], "<"+what+">")
		}
		t.Errorf("%d value(s) redacted; tail:\n%s", n, masked)
	}

	// Pieces of binary data: withheld.
	face := p.Images.Face
	for what, content := range map[string]string{
		"hex of a piece of the photo":    "< " + strings.ToUpper(hex.EncodeToString(face[100:200])) + " 90 00\n",
		"base64 of a piece of the photo": "photo: " + base64.StdEncoding.EncodeToString(face[301:420]) + "\n",
		"a piece of the security code":   "< " + hex.EncodeToString(p.Images.SecurityCode[40:80]) + "9000\n",
	} {
		kept, _, withheld := reportTail([]byte("ok\n"+content), scrub, d, secrets)
		if withheld == "" || kept != "" {
			t.Errorf("%s: the tail was kept", what)
		}
	}
	// A clean output is kept as it is.
	if kept, n, withheld := reportTail([]byte("card read: authentic\n"), scrub, d, secrets); kept != "card read: authentic" || n != 0 || withheld != "" {
		t.Errorf("a clean output became %q (%d, %q)", kept, n, withheld)
	}
}
