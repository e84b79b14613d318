package target

import (
	"context"
	"testing"

	"github.com/taimen-dev/taimen/myna"
)

// A physical card's behaviour is the discovered answers over taimen's defaults, field by
// field; an emulated card's is its profile's, known on every question.
func TestBehaviourSources(t *testing.T) {
	b := myna.DefaultBehaviour()
	b.OffsetBeyondEnd = 0x6282
	disc := &Discovered{Source: "card.json", Behaviour: b, Given: []string{"offset_beyond_end"}}
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		name      string
		cfg       Config
		want      uint16
		knows     bool
		source    string
		knowsFill bool
	}{
		{"physical, defaults", Config{Spec: "pcsc:x", Getenv: noEnv}, 0x6B00, false, "taimen default, CARD.md is silent", false},
		{"physical, discovered", Config{Spec: "pcsc:x", Getenv: noEnv, Discovered: disc}, 0x6282, true, "discovered (card.json)", false},
		{"emulated", Config{Spec: "emulator", Getenv: noEnv, Profile: DefaultProfile()}, 0x6B00, true, "profile p01-showa", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := Open(context.Background(), tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			if got := tg.Behaviour().OffsetBeyondEnd; got != tc.want {
				t.Errorf("offset_beyond_end %04X, want %04X", got, tc.want)
			}
			if tg.Knows("offset_beyond_end") != tc.knows || tg.Knows("filler") != tc.knowsFill {
				t.Errorf("knows offset_beyond_end %v, filler %v", tg.Knows("offset_beyond_end"), tg.Knows("filler"))
			}
			if got := tg.BehaviourSource("offset_beyond_end"); got != tc.source {
				t.Errorf("source %q, want %q", got, tc.source)
			}
		})
	}
}
