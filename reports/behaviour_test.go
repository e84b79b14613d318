package reports

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBehaviourLines(t *testing.T) {
	in := []BehaviourAnswer{
		{"blocked_status_query", "6984", "discovered (card.json)"},
		{"wrong_code_clears", "true", "taimen default, CARD.md is silent"},
		{"filler", "00", "discovered (card.json)"},
	}
	want := []string{"discovered (card.json): blocked_status_query 6984, filler 00", "taimen default, CARD.md is silent: wrong_code_clears true"}
	if d := cmp.Diff(want, BehaviourLines(in)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !in[0].Discovered() || in[1].Discovered() {
		t.Error("Discovered")
	}
	if len(BehaviourLines(nil)) != 0 {
		t.Error("lines for no answers")
	}
}
