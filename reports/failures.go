package reports

import (
	"strconv"
	"strings"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/reader"
)

// A failure's exchanges shown around it: the ones before it, and after.
const (
	exchangesBefore = 6
	exchangesAfter  = 2
)

// Cause is what several failed specs share: the innermost error or finding of their messages.
type Cause struct {
	Text  string // e.g. `signature does not verify under trust anchor "…"`
	Specs []Spec // the failed specs it explains, by ID
}

// Causes groups the failed specs of s by the cause their messages end in. A cause shared by
// several specs comes first (most specs first); a failure of its own makes a group of one.
func Causes(s *Summary) []Cause {
	var out []Cause
	at := map[string]int{}
	for _, sp := range s.Specs {
		if sp.Outcome != OutcomeFail || sp.Failure == nil {
			continue
		}
		c := CauseOf(sp.Failure.Message)
		if i, ok := at[c]; ok && c != "" {
			out[i].Specs = append(out[i].Specs, sp)
			continue
		}
		at[c] = len(out)
		out = append(out, Cause{Text: c, Specs: []Spec{sp}})
	}
	// Stable: groups of more specs first, else in spec order.
	sorted := make([]Cause, 0, len(out))
	for _, c := range out {
		if len(c.Specs) > 1 {
			sorted = append(sorted, c)
		}
	}
	sortCauses(sorted)
	for _, c := range out {
		if len(c.Specs) == 1 {
			sorted = append(sorted, c)
		}
	}
	return sorted
}

func sortCauses(cs []Cause) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && len(cs[j].Specs) > len(cs[j-1].Specs); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// CauseOf is the cause a failure message ends in: of the error Gomega printed (the text under
// "<*T>: "), else of the message's first line, the last part after ": " outside brackets and
// quotes — a wrapped error's innermost message, or a finding after its context.
func CauseOf(msg string) string {
	lines := strings.Split(msg, "\n")
	text := lines[0]
	for i, l := range lines {
		if gomegaErrorHeader.MatchString(l) && i+1 < len(lines) {
			text = strings.TrimSpace(lines[i+1])
			break
		}
	}
	return strings.TrimSpace(lastSegment(text))
}

// lastSegment returns what follows the last ": " of s that is outside (), [] and "".
func lastSegment(s string) string {
	depth, quoted, cut := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[':
			depth++
		case (c == ')' || c == ']') && depth > 0:
			depth--
		case c == ':' && depth == 0 && i+1 < len(s) && s[i+1] == ' ':
			cut = i + 2
		}
	}
	return s[cut:]
}

// Around returns the exchanges of a failed spec's trace around its failure: up to
// exchangesBefore up to the failure (the last one the card answered before it) and
// exchangesAfter after it, and the index in them of the last one before the failure (-1: none).
// Without the failure's time, the trace's last exchanges.
func Around(sp Spec) ([]reader.Entry, int) {
	tr := sp.Trace
	if len(tr) == 0 {
		return nil, -1
	}
	cut := len(tr) // first exchange after the failure
	if sp.Failure != nil && !sp.Failure.At.IsZero() {
		cut = 0
		for cut < len(tr) && !tr[cut].Start.After(sp.Failure.At) {
			cut++
		}
	}
	lo, hi := max(0, cut-exchangesBefore), min(len(tr), cut+exchangesAfter)
	return tr[lo:hi], cut - 1 - lo
}

// Answered says what the card answered last before the failure: "READ BINARY surface/0002 → 6A82
// (3 bytes)", or "" without a trace.
func Answered(sp Spec) string {
	es, last := Around(sp)
	if last < 0 {
		return ""
	}
	e := es[last]
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Object != "" {
		b.WriteString(" " + e.Object)
	}
	b.WriteString(" → ")
	switch {
	case e.Err != "":
		b.WriteString("error: " + e.Err)
	case e.SW != "":
		if w, err := strconv.ParseUint(e.SW, 16, 16); err == nil && len(e.SW) == 4 {
			b.WriteString(apdu.StatusWord(w).String())
		} else {
			b.WriteString(e.SW)
		}
	default:
		b.WriteString("done")
	}
	if n := hexBytes(e.Response); n > 0 {
		b.WriteString(", " + strconv.Itoa(n) + " bytes of data")
	}
	return b.String()
}
