package reports

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// MatrixSchema is the value of Matrix.Schema (documented in SCHEMA.md).
const MatrixSchema = "taimen.matrix/v1"

// The files `taimen report matrix` writes.
const (
	FileMatrixJSON = "matrix.json"
	FileMatrixHTML = "matrix.html"
)

// Matrix is the interop table of several complete runs: for each card and reader, the verdict
// of every conformance area (PASS, FAIL or SKIP, as in a run's summary).
type Matrix struct {
	Schema  string      `json:"schema"`
	Cards   []string    `json:"cards"`   // sorted
	Readers []string    `json:"readers"` // sorted
	Areas   []string    `json:"areas"`   // sorted, every area any run has
	Runs    []MatrixRun `json:"runs"`    // by card, then reader
	Cells   []Cell      `json:"cells"`   // by card, reader, area: only the areas a run has
}

// MatrixRun is one run of the matrix: one card in one reader.
type MatrixRun struct {
	Card     string        `json:"card"`
	Reader   string        `json:"reader"`
	Kind     string        `json:"kind"`
	Version  string        `json:"version"` // taimen's
	Verdict  string        `json:"verdict"`
	Totals   Counts        `json:"totals"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	Shards   int           `json:"shards,omitempty"` // merged from this many shards
}

// Cell is one card × reader × area of the matrix.
type Cell struct {
	Card    string `json:"card"`
	Reader  string `json:"reader"`
	Area    string `json:"area"`
	Verdict string `json:"verdict"`
	Counts  Counts `json:"counts"`
}

// CardName is how the matrix names a run's card: its profile ID (an emulated card), else its ATR.
func CardName(t Target) string {
	switch {
	case t.Profile != "":
		return t.Profile
	case t.ATR != "":
		return "ATR " + t.ATR
	}
	return "unknown card"
}

// ReaderName is how the matrix names a run's reader: the PC/SC reader, else the target kind
// ("emulator": the in-process emulator, no reader).
func ReaderName(t Target) string {
	if t.Reader != "" {
		return t.Reader
	}
	return t.Kind
}

// MatrixOf makes the interop matrix of complete runs (unsharded, or merged by Merge); names
// are the runs' paths, for error messages. A shard, or two runs of the same card in the same
// reader, is a MergeError.
func MatrixOf(runs []*Summary, names []string) (*Matrix, error) {
	if len(runs) == 0 {
		return nil, mergef("matrix: no run given")
	}
	m := &Matrix{Schema: MatrixSchema, Cards: []string{}, Readers: []string{}, Areas: []string{}, Runs: []MatrixRun{}, Cells: []Cell{}}
	seen := map[[2]string]string{}
	for i, s := range runs {
		if s.Shard != nil {
			return nil, mergef("%s is shard %d/%d of a run: merge its shards first (taimen report merge --out DIR SHARD…) and give the merged directory", names[i], s.Shard.Index, s.Shard.Total)
		}
		card, rd := CardName(s.Target), ReaderName(s.Target)
		key := [2]string{card, rd}
		if prev, dup := seen[key]; dup {
			return nil, mergef("%s and %s are both card %q in reader %q: give one run per card and reader", prev, names[i], card, rd)
		}
		seen[key] = names[i]
		m.Runs = append(m.Runs, MatrixRun{Card: card, Reader: rd, Kind: s.Target.Kind, Version: s.Tool.Version, Verdict: s.Verdict,
			Totals: s.Totals, Started: s.Started, Duration: s.Duration, Shards: len(s.Shards)})
		for _, a := range s.Areas {
			m.Cells = append(m.Cells, Cell{Card: card, Reader: rd, Area: a.Area, Verdict: a.Verdict, Counts: a.Counts})
		}
	}
	slices.SortFunc(m.Runs, func(a, b MatrixRun) int {
		return cmpStrings(a.Card, b.Card, a.Reader, b.Reader)
	})
	slices.SortFunc(m.Cells, func(a, b Cell) int {
		return cmpStrings(a.Card, b.Card, a.Reader, b.Reader, a.Area, b.Area)
	})
	for _, r := range m.Runs {
		m.Cards = appendNew(m.Cards, r.Card)
		m.Readers = appendNew(m.Readers, r.Reader)
	}
	for _, c := range m.Cells {
		m.Areas = appendNew(m.Areas, c.Area)
	}
	slices.Sort(m.Cards)
	slices.Sort(m.Readers)
	slices.Sort(m.Areas)
	return m, nil
}

// cmpStrings compares pairs in order: cmpStrings(a1, b1, a2, b2, …).
func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

func appendNew(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

// Cell returns the matrix's cell for a card, reader and area (ok false: that run has no such
// area, or there is no such run).
func (m *Matrix) Cell(card, reader, area string) (Cell, bool) {
	i, ok := slices.BinarySearchFunc(m.Cells, Cell{Card: card, Reader: reader, Area: area}, func(a, b Cell) int {
		return cmpStrings(a.Card, b.Card, a.Reader, b.Reader, a.Area, b.Area)
	})
	if !ok {
		return Cell{}, false
	}
	return m.Cells[i], true
}

// WriteJSON writes the matrix as indented JSON.
func (m *Matrix) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}

//go:embed matrix.html.tmpl
var matrixTemplate string

var matrixHTML = template.Must(template.New("matrix").Parse(matrixTemplate))

// matrixRow is one card × reader row of the HTML table.
type matrixRow struct {
	Run   MatrixRun
	Cells []*Cell // one per Matrix.Areas; nil where the run has no such area
}

// RenderMatrixHTML renders the matrix as a self-contained HTML page: one row per card and
// reader, one column per area.
func RenderMatrixHTML(w io.Writer, m *Matrix) error {
	var rows []matrixRow
	for _, r := range m.Runs {
		row := matrixRow{Run: r}
		for _, a := range m.Areas {
			if c, ok := m.Cell(r.Card, r.Reader, a); ok {
				row.Cells = append(row.Cells, &c)
			} else {
				row.Cells = append(row.Cells, nil)
			}
		}
		rows = append(rows, row)
	}
	return matrixHTML.Execute(w, struct {
		M    *Matrix
		Rows []matrixRow
	}{m, rows})
}

// WriteMatrix writes matrix.json and matrix.html into dir, which must not hold them already.
func WriteMatrix(dir string, m *Matrix) error {
	jsonPath, htmlPath := filepath.Join(dir, FileMatrixJSON), filepath.Join(dir, FileMatrixHTML)
	for _, p := range []string{jsonPath, htmlPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists: write the matrix into a new directory", p)
		}
	}
	var j, h bytes.Buffer
	if err := m.WriteJSON(&j); err != nil {
		return err
	}
	if err := RenderMatrixHTML(&h, m); err != nil {
		return fmt.Errorf("render the matrix: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("matrix directory: %w", err)
	}
	return errors.Join(os.WriteFile(jsonPath, j.Bytes(), 0o644), os.WriteFile(htmlPath, h.Bytes(), 0o644))
}
