package target

import (
	"slices"

	"github.com/taimen-dev/taimen/myna"
)

// Discovered is a physical card's behaviour on the questions CARD.md leaves open, as
// `taimen discover` learnt it (run --behaviour FILE): the fields in Given replace taimen's
// defaults, one by one; the others keep them.
type Discovered struct {
	// Source is the file the answers came from, as the user named it.
	Source string
	// Behaviour holds the given answers, and taimen's defaults elsewhere.
	Behaviour myna.Behaviour
	// Given are the profile-schema fields the file answers (myna.BehaviourFields).
	Given []string
}

// Behaviour is the card's behaviour where the public record is silent: the emulated card's
// profile's; on a physical card the discovered answers (Config.Discovered) over taimen's defaults.
func (t *Target) Behaviour() myna.Behaviour {
	switch {
	case t.Profile != nil:
		return t.Profile.Behaviour
	case t.cfg.Discovered != nil:
		return t.cfg.Discovered.Behaviour
	}
	return myna.DefaultBehaviour()
}

// Knows reports whether the target's answer to behaviour field (myna.BehaviourFields) is
// known, not taimen's default: always on an emulated card (its profile declares it), on a
// physical card only when the discovered behaviour gives it. Specs lenient about a physical
// card's answer are strict where it is known.
func (t *Target) Knows(field string) bool {
	if t.Profile != nil {
		return true
	}
	return t.cfg.Discovered != nil && slices.Contains(t.cfg.Discovered.Given, field)
}

// BehaviourSource says where the answer to field came from on this target: "profile ID",
// "discovered (FILE)" or "taimen default, CARD.md is silent".
func (t *Target) BehaviourSource(field string) string {
	return SourceOf(t.cfg, t.Profile, field)
}

// SourceOf is BehaviourSource before a target is open: cfg's discovered behaviour, or the
// emulated card's profile p (nil on a physical card).
func SourceOf(cfg Config, p *myna.Profile, field string) string {
	switch {
	case p != nil:
		return "profile " + p.ID
	case cfg.Discovered != nil && slices.Contains(cfg.Discovered.Given, field):
		return "discovered (" + cfg.Discovered.Source + ")"
	}
	return "taimen default, CARD.md is silent"
}
