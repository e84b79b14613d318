package certify

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reports"
)

// The output tail the report keeps is scrubbed with reports.Scrubber, the
// backstop that scrubs taimen's conformance reports, given every text form
// of the card's personal data, expiry, security code, check codes and PINs
// (also in base64 and \u escapes). A scrubber only removes what it is told
// of, so the scrubbed tail is searched again with everything RR-011 and
// RR-014 look for, and for any 24-byte piece of an image or certificate
// (raw, in hex as an APDU log shows a read, or in base64); if anything is left the
// tail is withheld. It is scrubbed rather than reduced to its length and
// hash because the tail is what tells a vendor why a scenario failed; and a
// withheld tail gets no hash, because the hash of a short output (a birth
// date and a name) can be found by trying every date.

// fragmentLen is the length of the pieces of binary data searched for in the tail.
const fragmentLen = 24

// newTailScrubber returns a scrubber for the personal data of p (as d holds
// it), its expiry and security code, and the secrets.
func newTailScrubber(p *myna.Profile, d *personalData, secrets []namedSecret) *reports.Scrubber {
	return tailScrubber(d, secrets, p.Card.Expiry, p.Card.SecurityCode, p.Person.MunicipalityCode)
}

// tailScrubber scrubs d's text forms, the expiry date's forms (when known), the extra values
// and the secrets in their encodings.
func tailScrubber(d *personalData, secrets []namedSecret, expiry time.Time, extra ...string) *reports.Scrubber {
	var values []string
	text := func(fs []form) {
		for _, f := range fs {
			if len(f.value) <= 256 && utf8.Valid(f.value) {
				values = append(values, string(f.value))
			}
		}
	}
	text(d.forms)
	exp := &personalData{}
	if err := exp.addDate("expiry", expiry, myna.DateFormWestern); err == nil {
		text(exp.forms)
	}
	exp.wipe()
	for _, v := range extra {
		if v != "" {
			values = append(values, v)
		}
	}
	for _, s := range secrets {
		if s.value == nil || s.value.IsZero() {
			continue
		}
		v := s.value.Bytes()
		var esc strings.Builder
		for _, c := range v {
			fmt.Fprintf(&esc, "\\u%04x", c)
		}
		values = append(values, string(v), base64.StdEncoding.EncodeToString(v), base64.RawStdEncoding.EncodeToString(v),
			base64.URLEncoding.EncodeToString(v), base64.RawURLEncoding.EncodeToString(v), esc.String(), strings.ToUpper(esc.String()))
		clear(v)
	}
	return reports.NewScrubber(values...)
}

// reportTail returns the tail the report keeps of out (see above), how many
// values were scrubbed from it, and, when it is withheld, why.
func reportTail(out []byte, scrub *reports.Scrubber, d *personalData, secrets []namedSecret) (kept string, scrubbed int, withheld string) {
	t, n := scrub.String(tail(out, maxTail))
	b := []byte(t)
	if len(d.search(b)) > 0 || len(findLeaks(secrets, []source{{"output", b}})) > 0 || d.hasFragment(b) {
		return "", n, "the output holds personal data or a secret that redaction could not remove"
	}
	return t, n, ""
}

// hasFragment reports whether b holds a piece of fragmentLen bytes of an
// image or certificate, raw or in hex (either case, separators allowed).
func (d *personalData) hasFragment(b []byte) bool {
	pieces := map[string]bool{}
	for _, data := range d.binary {
		for i := 0; i+fragmentLen <= len(data); i++ {
			pieces[string(data[i:i+fragmentLen])] = true
		}
	}
	has := func(x []byte) bool {
		for i := 0; i+fragmentLen <= len(x); i++ {
			if pieces[string(x[i:i+fragmentLen])] {
				return true
			}
		}
		return false
	}
	if has(b) {
		return true
	}
	// Hex runs (after dropping separators), decoded at both nibble alignments.
	norm := normalize(b)
	for i := 0; i < len(norm); {
		j := i
		for j < len(norm) && isHexByte(norm[j]) {
			j++
		}
		for k := 0; k < 2 && j-i-k >= 2*fragmentLen; k++ {
			run := norm[i+k : j]
			raw, err := hex.DecodeString(string(run[:len(run)/2*2]))
			if err == nil && has(raw) {
				return true
			}
		}
		i = j + 1
	}
	// Base64 runs (either alphabet), decoded at the four alignments.
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && isBase64Byte(b[j]) {
			j++
		}
		for k := 0; k < 4 && j-i-k >= 4*fragmentLen/3+4; k++ {
			run := strings.NewReplacer("-", "+", "_", "/").Replace(string(b[i+k : j]))
			raw, err := base64.RawStdEncoding.DecodeString(run[:len(run)/4*4])
			if err == nil && has(raw) {
				return true
			}
		}
		i = j + 1
	}
	return false
}

func isHexByte(c byte) bool { return isDigitByte(c) || 'a' <= c && c <= 'f' }

func isBase64Byte(c byte) bool {
	return isDigitByte(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '+' || c == '/' || c == '-' || c == '_'
}
