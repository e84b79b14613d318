package reports

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2/types"
)

// Redacted replaces a secret that Scrub found.
const Redacted = "[redacted]"

// Scrubber removes known secrets and personal data from text: each value as
// given and as upper- and lower-case hex of its UTF-8 bytes. A value of fewer
// than eight ASCII digits (a PIN, a birth-date key) counts only as a whole
// token — not next to a letter, a digit or a decimal point — so that it is
// not found inside every long number or hex string of a report; longer
// values and hex forms count anywhere. Only strings are scrubbed, never JSON
// numbers (a sequence number may equal a PIN).
//
// It is the backstop, not the mechanism: traces are redacted where they are
// recorded, and a scrubber that finds anything in a run's report means a
// leak upstream (Summary.Scrubbed counts what it removed).
type Scrubber struct {
	exact  []string // found anywhere
	tokens []string // found as whole tokens
}

// NewScrubber returns a scrubber for the given values; empty values and
// values of fewer than four bytes are ignored.
func NewScrubber(values ...string) *Scrubber {
	s := &Scrubber{}
	for _, v := range values {
		if len(v) < 4 {
			continue
		}
		if isDigits(v) && len(v) < 8 {
			s.tokens = append(s.tokens, v)
		} else {
			s.exact = append(s.exact, v)
		}
		h := hex.EncodeToString([]byte(v))
		s.exact = append(s.exact, h, strings.ToUpper(h))
	}
	// Longest first, so that a value containing another is replaced whole.
	for _, l := range []*[]string{&s.exact, &s.tokens} {
		slices.SortFunc(*l, func(a, b string) int { return len(b) - len(a) })
		*l = slices.Compact(*l)
	}
	return s
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// joinsLeft reports whether the byte before i continues a token: a letter or
// digit, or a decimal point after a digit ("0.5931" is a number, not a PIN).
func joinsLeft(s string, i int) bool {
	if i == 0 {
		return false
	}
	c := s[i-1]
	return isWordByte(c) || c == '.' && i >= 2 && isDigit(s[i-2])
}

// joinsRight is joinsLeft for the byte at end.
func joinsRight(s string, end int) bool {
	if end >= len(s) {
		return false
	}
	c := s[end]
	return isWordByte(c) || c == '.' && end+1 < len(s) && isDigit(s[end+1])
}

// Empty reports whether the scrubber knows no value.
func (s *Scrubber) Empty() bool { return s == nil || len(s.exact)+len(s.tokens) == 0 }

// String removes every known value from text and says how many it removed.
func (s *Scrubber) String(text string) (string, int) {
	if s.Empty() {
		return text, 0
	}
	n := 0
	for _, v := range s.exact {
		if c := strings.Count(text, v); c > 0 {
			text = strings.ReplaceAll(text, v, Redacted)
			n += c
		}
	}
	for _, v := range s.tokens {
		var b strings.Builder
		rest := text
		for {
			i := strings.Index(rest, v)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			end := i + len(v)
			whole := !joinsLeft(rest, i) && !joinsRight(rest, end)
			b.WriteString(rest[:i])
			if whole {
				b.WriteString(Redacted)
				n++
			} else {
				b.WriteString(v)
			}
			rest = rest[end:]
		}
		text = b.String()
	}
	return text, n
}

// Report returns r with every string in it scrubbed (report entries' values
// included), and how many values it removed. The report is returned
// round-tripped through JSON even when nothing was removed, so that entry
// values read the same as from Ginkgo's JSON file.
func (s *Scrubber) Report(r types.Report) (types.Report, int, error) {
	if s.Empty() {
		return r, 0, nil
	}
	var out types.Report
	n, err := s.value(r, &out)
	if err != nil {
		return r, 0, err
	}
	return out, n, nil
}

// Summary returns a scrubbed copy of sum (the catalogue's text included)
// and how many values it removed.
func (s *Scrubber) Summary(sum *Summary) (*Summary, int, error) {
	if s.Empty() {
		return sum, 0, nil
	}
	var out Summary
	n, err := s.value(sum, &out)
	if err != nil {
		return sum, 0, err
	}
	return &out, n, nil
}

// value scrubs in through JSON into out.
func (s *Scrubber) value(in, out any) (int, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	tree, err := decodeNumbers(b)
	if err != nil {
		return 0, err
	}
	n := 0
	tree = s.walk(tree, &n)
	if n > 0 {
		if b, err = json.Marshal(tree); err != nil {
			return 0, err
		}
	}
	return n, json.Unmarshal(b, out)
}

// walk scrubs every string of a decoded JSON value. A report entry's AsJSON
// holds JSON: it is scrubbed as JSON, so that it stays valid.
func (s *Scrubber) walk(v any, n *int) any {
	switch v := v.(type) {
	case string:
		out, c := s.String(v)
		*n += c
		return out
	case []any:
		for i := range v {
			v[i] = s.walk(v[i], n)
		}
	case map[string]any:
		for k := range v {
			if js, ok := v[k].(string); ok && k == "AsJSON" {
				v[k] = s.walkJSON(js, n)
				continue
			}
			v[k] = s.walk(v[k], n)
		}
	}
	return v
}

func (s *Scrubber) walkJSON(js string, n *int) string {
	inner, err := decodeNumbers([]byte(js))
	if err != nil {
		out, c := s.String(js)
		*n += c
		return out
	}
	before := *n
	inner = s.walk(inner, n)
	if *n == before {
		return js
	}
	b, err := json.Marshal(inner)
	if err != nil {
		return "null"
	}
	return string(b)
}

// Writer returns a writer that scrubs whole lines before passing them to w
// (a secret is never split between two writes); Flush writes what is left.
func (s *Scrubber) Writer(w io.Writer) *LineWriter { return &LineWriter{s: s, w: w} }

// LineWriter is a Scrubber's line-buffered writer.
type LineWriter struct {
	mu  sync.Mutex
	s   *Scrubber
	w   io.Writer
	buf []byte
	n   int
}

func (l *LineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	i := bytes.LastIndexByte(l.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	out, c := l.s.String(string(l.buf[:i+1]))
	l.n += c
	l.buf = append(l.buf[:0], l.buf[i+1:]...)
	_, err := io.WriteString(l.w, out)
	return len(p), err
}

// Flush writes a last unterminated line.
func (l *LineWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) == 0 {
		return nil
	}
	out, c := l.s.String(string(l.buf))
	l.n += c
	l.buf = l.buf[:0]
	_, err := io.WriteString(l.w, out)
	return err
}

// Scrubbed is how many values the writer removed.
func (l *LineWriter) Scrubbed() int { l.mu.Lock(); defer l.mu.Unlock(); return l.n }

// decodeNumbers decodes JSON keeping numbers as written.
func decodeNumbers(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}
