// Package discover learns how a physical My Number Card behaves where CARD.md leaves the
// answer open (CARD.md "taimen's defaults"), without spending a try unless asked: the engine
// of `taimen discover`. Its output, the discover document (schema taimen.discover/v1), holds a
// behaviour block in the profile schema and a per-question report; it carries no personal
// data, no serial and no certificate.
package discover

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/taimen-dev/taimen/myna"
)

// Schema names the discover document's format.
const Schema = "taimen.discover/v1"

// Answer statuses.
const (
	Confirmed    = "confirmed"    // the card answers as CARD.md's default says
	Contradicted = "contradicted" // the card answers otherwise
	Unknown      = "unknown"      // not answerable without a code or a spent try
)

// Answer is one question CARD.md leaves open and what the card said.
type Answer struct {
	Field    string `json:"field"` // the behaviour field, or another name for report-only questions
	Question string `json:"question"`
	Status   string `json:"status"`
	Default  string `json:"card_md_default"`
	Found    string `json:"found,omitempty"`
	How      string `json:"how"`
	Note     string `json:"note,omitempty"`
}

// Document is the discover document: the behaviour block (absent fields are unknown), the
// report, and what was measured on the way.
type Document struct {
	Schema    string             `json:"schema"`
	Behaviour myna.BehaviourFile `json:"behaviour"`
	Answers   []Answer           `json:"answers"`
	// EFSizes are the physical sizes found, in the profile's ef_sizes schema ("app/FID").
	EFSizes map[string]int `json:"ef_sizes"`
	// Tries are the tries left of every key reference ("app/FID") as found.
	Tries map[string]int `json:"tries"`
	// RetryLimits are the limits a correct code revealed (the counter right after it).
	RetryLimits map[string]int `json:"retry_limits,omitempty"`
	// Apps says which applications answered SELECT with 9000.
	Apps map[string]bool `json:"apps"`
	// MaxShortLe is the largest short Le the reader and card returned intact (1..256).
	MaxShortLe int    `json:"max_short_le"`
	ATR        string `json:"atr"`
	Reader     string `json:"reader"`
	Driver     string `json:"driver"`
	Date       string `json:"date"`
	Spent      bool   `json:"spent"` // --allow-spend was given and tries were spent (and restored)
}

// answer returns the answer for field, nil if none.
func (d *Document) answer(field string) *Answer {
	for i := range d.Answers {
		if d.Answers[i].Field == field {
			return &d.Answers[i]
		}
	}
	return nil
}

// WriteTable prints the document for a human.
func (d *Document) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "taimen discover — reader %s (driver %s), %s\nATR %s\n\n", d.Reader, d.Driver, d.Date, d.ATR)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  FIELD\tSTATUS\tDEFAULT\tFOUND\tHOW")
	for _, a := range d.Answers {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", a.Field, a.Status, a.Default, orDash(a.Found), a.How)
	}
	tw.Flush()
	for _, a := range d.Answers {
		if a.Note != "" {
			fmt.Fprintf(w, "\nnote (%s): %s\n", a.Field, a.Note)
		}
	}
	fmt.Fprintln(w, "\ntries left:")
	for _, k := range sortedKeys(d.Tries) {
		fmt.Fprintf(w, "  %s\t%d\n", k, d.Tries[k])
	}
	if len(d.EFSizes) > 0 {
		fmt.Fprintln(w, "\nEF sizes (bytes):")
		for _, k := range sortedKeys(d.EFSizes) {
			fmt.Fprintf(w, "  %s\t%d\n", k, d.EFSizes[k])
		}
	}
	fmt.Fprintf(w, "\nlargest short Le returned intact: %d\n", d.MaxShortLe)
	block, err := json.MarshalIndent(struct {
		B myna.BehaviourFile `json:"behaviour"`
	}{d.Behaviour}, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "\nbehaviour block for a profile (unknown answers left out):\n%s\n", block)
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
