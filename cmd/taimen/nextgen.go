package main

import "github.com/taimen-dev/taimen/myna"

// generationNote is what `taimen status` says of an emulated card's generation: "" for
// today's card (and for a physical card, whose generation the reader cannot know), else the
// generation's label, which for the next-generation profile says it is provisional (AIDs and
// layout invented).
func generationNote(p *myna.Profile) string {
	if p == nil || p.Generation.IsToday() {
		return ""
	}
	return p.Generation.Label()
}
