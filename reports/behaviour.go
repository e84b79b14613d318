package reports

import "strings"

// BehaviourAnswer is one behaviour question (a profile "behaviour" field), the answer the
// run expected and where that answer came from.
type BehaviourAnswer struct {
	Field  string `json:"field"`  // e.g. "blocked_status_query"
	Value  string `json:"value"`  // profile-schema value, e.g. "6984"
	Source string `json:"source"` // "discovered (FILE)" or "taimen default, CARD.md is silent"
}

// Discovered reports whether the answer came from `taimen discover`.
func (a BehaviourAnswer) Discovered() bool { return strings.HasPrefix(a.Source, "discovered") }

// BehaviourLines say in words which answers a physical-card run expected, grouped by source:
// "discovered (card.json): blocked_status_query 6984, filler 00".
func BehaviourLines(as []BehaviourAnswer) []string {
	var order []string
	by := map[string][]string{}
	for _, a := range as {
		if _, ok := by[a.Source]; !ok {
			order = append(order, a.Source)
		}
		by[a.Source] = append(by[a.Source], a.Field+" "+a.Value)
	}
	out := make([]string, len(order))
	for i, src := range order {
		out[i] = src + ": " + strings.Join(by[src], ", ")
	}
	return out
}
