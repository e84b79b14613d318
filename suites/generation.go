package suites

import (
	"fmt"

	"github.com/taimen-dev/taimen/myna"
)

// absentApp returns why a spec of application app (Meta.App) cannot run on the target's card,
// or "": the profile's generation declares which applications exist (the provisional
// next-generation card has two), and a spec of another one is skipped with the reason. A
// physical card (no profile) and a spec of the card as a whole ("card") always run.
func absentApp(app string) string {
	t := Current()
	if t == nil || t.Profile == nil {
		return ""
	}
	a, err := myna.ParseApp(app)
	if err != nil || t.Profile.Generation.Has(a) {
		return ""
	}
	return fmt.Sprintf("the card has no %s application (profile %s, generation %s)", a, t.Profile.ID, t.Profile.Generation.Label())
}

// HasApp reports whether the target's card has application a: what its profile's generation
// declares, and every application on a physical card (whose SELECT answers tell).
func HasApp(a myna.App) bool {
	t := Current()
	return t == nil || t.Profile == nil || t.Profile.Generation.Has(a)
}

// Present returns the keys whose application the target's card has (HasApp), in order: a spec
// of every check code B key runs on surface/0012 alone on the next-generation card.
func Present(keys ...Key) []Key {
	var out []Key
	for _, k := range keys {
		if HasApp(k.App) {
			out = append(out, k)
		}
	}
	return out
}
