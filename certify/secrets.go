package certify

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/taimen-dev/taimen/myna"
)

// Leak says that a secret was found in the reader's output; it never carries
// the value.
type Leak struct {
	// Secret names the secret, e.g. "check code B".
	Secret string `json:"secret"`
	// Form is "ASCII", "hex" (the hex of the ASCII digits, as in an APDU log),
	// "base64", "base64url" or "\u escapes" (JSON/JavaScript escapes of each character).
	Form string `json:"form"`
	// Where is "stdout", "stderr", "file <path as the reader saw it>" (see
	// ScenarioResult.Files), "command line of <program>" or "environment of
	// <program> (<variable>)".
	Where string `json:"where"`
}

// namedSecret is a secret to look for, with its label.
type namedSecret struct {
	label string
	value myna.Secret
}

// source is text to search, with its name.
type source struct {
	where string
	data  []byte
}

// scenarioSecrets lists what RR-011 looks for: the card's check codes and
// PINs, and the wrong code given (nil when none was).
func scenarioSecrets(p *myna.Profile, wrong myna.Secret) []namedSecret {
	out := []namedSecret{{"check code B", p.CheckCodeB()}, {"check code A", p.CheckCodeA()}}
	for _, k := range []myna.SecretKind{myna.SecretTextPIN, myna.SecretAuthPIN, myna.SecretSignPassword, myna.SecretJukiPIN} {
		out = append(out, namedSecret{k.String(), p.Secret(k)})
	}
	if wrong != nil {
		out = append(out, namedSecret{"the wrong check code B given", wrong})
	}
	return out
}

// Search bounds: a reader that writes more is searched up to these sizes.
const (
	maxFileScan  = 16 << 20
	maxTotalScan = 64 << 20
	maxOutput    = 4 << 20
)

// findLeaks searches the sources for each secret in the forms of leakForms.
// The values are formed for the search only, and cleared after it.
func findLeaks(secrets []namedSecret, sources []source) []Leak {
	var out []Leak
	for _, src := range sources {
		var norm, folded []byte
		for _, s := range secrets {
			if s.value == nil || s.value.IsZero() {
				continue
			}
			v := s.value.Bytes()
			forms := leakForms(v)
			clear(v)
			for _, f := range forms {
				var hit bool
				switch f.in {
				case inNormalized:
					if norm == nil {
						norm = normalize(src.data)
					}
					hit = bytes.Contains(norm, f.value)
				case inFolded:
					if folded == nil {
						folded = foldASCII(src.data)
					}
					hit = bytes.Contains(folded, f.value)
				case inRaw:
					hit = bytes.Contains(src.data, f.value)
				case asToken:
					if folded == nil {
						folded = foldASCII(src.data)
					}
					hit = containsToken(folded, f.value, joinsShortCode)
				}
				clear(f.value)
				if hit {
					l := Leak{Secret: s.label, Form: f.name, Where: src.where}
					if !slices.Contains(out, l) {
						out = append(out, l)
					}
				}
			}
		}
	}
	return out
}

// Where a leak form is looked for.
const (
	inNormalized = iota // in the text after normalize: case folded, separators dropped
	inFolded            // in the text with ASCII case folded
	inRaw               // in the bytes as written
	asToken             // case folded, as a whole token (see joinsShortCode)
)

type leakForm struct {
	name  string
	value []byte
	in    int
}

// leakForms returns the forms RR-011 looks for a secret in: ASCII; the hex of
// the ASCII (as an APDU log shows it); base64 of the ASCII (standard and URL
// alphabets, with or without padding); and JSON/JavaScript \uXXXX escapes
// of each character. A secret shorter than eight characters (a PIN) is found
// in ASCII only as a whole token, not inside a longer number, word, date or
// time ("2026-", "12:34"); longer ones anywhere, even with separators
// ("5502 1720 3522 85").
func leakForms(v []byte) []leakForm {
	lower := foldASCII(v)
	ascii := leakForm{"ASCII", lower, inNormalized}
	if len(v) < 8 {
		ascii.in = asToken
	}
	out := []leakForm{ascii, {"hex", []byte(hex.EncodeToString(v)), inNormalized}}
	std, url := base64.RawStdEncoding.EncodeToString(v), base64.RawURLEncoding.EncodeToString(v)
	out = append(out, leakForm{"base64", []byte(std), inRaw})
	if url != std {
		out = append(out, leakForm{"base64url", []byte(url), inRaw})
	}
	var esc []byte
	for _, c := range v {
		esc = fmt.Appendf(esc, "\\u%04x", c) // lower-case hex: searched with case folded
	}
	return append(out, leakForm{"\\u escapes", esc, inFolded})
}

// joinsShortCode reports whether a byte next to a short code makes it part
// of something else: a letter or digit, or a date, time or decimal separator.
func joinsShortCode(c byte) bool {
	return isDigitByte(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '-' || c == ':' || c == '/'
}

// normalize folds ASCII case and drops separators.
func normalize(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', ':', '-', '_', '.', ',':
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return out
}
