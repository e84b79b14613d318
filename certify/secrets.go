package certify

import (
	"bytes"
	"encoding/hex"
	"slices"

	"github.com/taimen-dev/taimen/myna"
)

// Leak says that a secret was found in the reader's output; it never carries
// the value.
type Leak struct {
	// Secret names the secret, e.g. "check code B".
	Secret string `json:"secret"`
	// Form is "ASCII" or "hex" (the hex of the ASCII digits, as in an APDU log).
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

// Search bounds: a reader that writes more is searched up to these sizes.
const (
	maxFileScan  = 16 << 20
	maxTotalScan = 64 << 20
	maxOutput    = 4 << 20
)

// findLeaks searches the sources for each secret, in ASCII and as the hex of
// its ASCII form, after dropping separators (white space, ':', '-', '_', '.',
// ',') and folding case, so that "5502 1720 3522 85" and
// "35:35:30:32:…" are found too. The values are formed for the search only.
func findLeaks(secrets []namedSecret, sources []source) []Leak {
	var out []Leak
	for _, src := range sources {
		norm := normalize(src.data)
		for _, s := range secrets {
			if s.value == nil || s.value.IsZero() {
				continue
			}
			v := s.value.Bytes()
			forms := []struct {
				name  string
				value []byte
			}{{"ASCII", bytes.ToLower(v)}, {"hex", []byte(hex.EncodeToString(v))}}
			for _, f := range forms {
				if bytes.Contains(norm, f.value) {
					l := Leak{Secret: s.label, Form: f.name, Where: src.where}
					if !slices.Contains(out, l) {
						out = append(out, l)
					}
				}
			}
			clear(v)
		}
	}
	return out
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
