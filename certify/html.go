package certify

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"time"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("certification").Funcs(template.FuncMap{
	"seconds": func(ms int64) string { return fmt.Sprintf("%.2f s", float64(ms)/1000) },
	"ms":      func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"time":    func(t time.Time) string { return t.Format("2006-01-02 15:04:05 MST") },
}).Parse(htmlSource))

// htmlView is what the template renders.
type htmlView struct {
	R        *Report
	Matrix   []matrixRow
	Failures []failure
	// AtRest and Kept are RR-014's findings outside and inside the record store.
	AtRest, Kept []foundIn
}

type foundIn struct {
	Scenario string
	PersonalFinding
}

type matrixRow struct {
	Rule  Rule
	Cells []matrixCell
}

type matrixCell struct {
	Outcome Outcome
	Symbol  string
	Message string
}

type failure struct {
	Scenario string
	Result
}

var symbols = map[Outcome]string{OutcomePass: "✓", OutcomeFail: "✗", OutcomeNotApplicable: "·", OutcomeError: "!"}

// WriteHTML writes the report as one self-contained HTML page (inline CSS,
// no script, no external resource).
func (r *Report) WriteHTML(w io.Writer) error {
	v := htmlView{R: r}
	for _, rule := range r.Rules {
		row := matrixRow{Rule: rule}
		for _, sc := range r.Scenarios {
			c := matrixCell{Outcome: OutcomeNotApplicable, Symbol: symbols[OutcomeNotApplicable]}
			for _, res := range sc.Results {
				if res.Rule == rule.ID {
					c = matrixCell{Outcome: res.Outcome, Symbol: symbols[res.Outcome], Message: res.Message}
				}
			}
			row.Cells = append(row.Cells, c)
		}
		v.Matrix = append(v.Matrix, row)
	}
	for _, sc := range r.Scenarios {
		for _, res := range sc.Results {
			if res.Outcome == OutcomeFail || res.Outcome == OutcomeError {
				v.Failures = append(v.Failures, failure{Scenario: sc.Name, Result: res})
			}
		}
		for _, f := range sc.PersonalData {
			v.AtRest = append(v.AtRest, foundIn{sc.Name, f})
		}
		for _, f := range sc.Records {
			v.Kept = append(v.Kept, foundIn{sc.Name, f})
		}
	}
	return htmlTemplate.Execute(w, v)
}
