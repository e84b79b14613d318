package certify

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"

	"github.com/taimen-dev/taimen/internal/cardimage"
	"github.com/taimen-dev/taimen/myna"
)

// scenarioNextGeneration runs the reader on the provisional next-generation
// card (vectors/profiles/p10-nextgen-provisional; AIDs and layout invented, to
// be replaced by the published specification).
const scenarioNextGeneration = "nextgen-provisional"

// nextGenProfile is the profile the scenario runs on, a sibling of the given one.
const nextGenProfile = "p10-nextgen-provisional"

var scenarioNextGenerationEntry = Scenario{Name: scenarioNextGeneration, Title: "next-generation (provisional)",
	Profile: nextGenProfile, Input: inputImage,
	Card: "the provisional next-generation card (" + myna.ProvisionalNotice + "): ECDSA P-384/SHA-384 card key, card-surface CV certificate and data signatures, " +
		"Western birth date on the face, two applications (card surface and JPKI), no sex printed; the operator gives only the photo of its front ({card_image})"}

// ruleNextGeneration is RR-018: the reader assumes neither RSA nor an era date.
var ruleNextGeneration = Rule{ID: "RR-018", Severity: Should,
	Title: "reads the next-generation card (provisional) without assuming RSA or an era date",
	Checks: "on the provisional next-generation card, given only the photo of its front: every VERIFY with data on check code B carries the card's check code B, " +
		"built from the Western date its face prints (compared by a salted hash, never stored), at least one does, and the read succeeds (exit 0), " +
		"the chip's ECDSA P-384 signature over the challenge included",
	Scenarios: []string{scenarioNextGeneration}, check: checkNextGeneration}

// checkNextGeneration is RR-018: RR-016's check on the next-generation card,
// with messages that name what a reader assuming today's card gets wrong.
func checkNextGeneration(ev *evidence) (bool, string) {
	ok, msg := checkRightCheckCodeB(ev)
	if ok {
		return true, "read the next-generation card: " + msg
	}
	return false, msg + "; on the next-generation card the face prints a Western date and the card key is ECDSA P-384 (a reader assuming an era date or RSA fails here)"
}

// siblingProfile loads the profile id beside the given one (../<id>/profile.json).
func siblingProfile(given *myna.Profile, id string) (*myna.Profile, error) {
	var p *myna.Profile
	var err error
	if given.FS != nil { // an embedded set: the sibling comes from the same set
		p, err = myna.LoadProfileFS(given.FS, path.Join(path.Dir(path.Dir(given.Path)), id, "profile.json"))
	} else {
		p, err = myna.LoadProfile(filepath.Join(filepath.Dir(filepath.Dir(given.Path)), id, "profile.json"))
	}
	if err != nil {
		return nil, fmt.Errorf("scenario profile %s (beside %s): %w", id, given.ID, err)
	}
	return p, nil
}

// writeOtherFront draws the front of a scenario's own profile (not cached: one
// scenario uses it) for {card_image}.
func (e *engine) writeOtherFront(sb *sandbox, p *myna.Profile) (string, error) {
	r, err := cardimage.New("")
	if err != nil {
		return "", fmt.Errorf("draw the card image: %w", err)
	}
	b, err := r.PNG(p, cardimage.Front)
	if err != nil {
		return "", fmt.Errorf("draw the card image: %w", err)
	}
	path, err := sb.putInput(cardImageName, b)
	if err != nil {
		return "", fmt.Errorf("write the card image: %w", err)
	}
	return path, nil
}

// relGenerationKey rewrites generation.card_key and generation.data_signature_keys of a profile copied by
// writeVariant to a path relative to the copy, as the other key paths are.
func relGenerationKey(f map[string]json.RawMessage, src string, rel func(field, name string) (string, error)) error {
	raw, ok := f["generation"]
	if !ok {
		return nil
	}
	var g map[string]json.RawMessage
	if err := json.Unmarshal(raw, &g); err != nil {
		return fmt.Errorf("profile %s: generation: %w", src, err)
	}
	for _, field := range []string{"card_key", "data_signature_keys"} {
		k, ok := g[field]
		if !ok {
			continue
		}
		var p string
		if err := json.Unmarshal(k, &p); err != nil {
			return fmt.Errorf("profile %s: generation.%s: %w", src, field, err)
		}
		r, err := rel("generation."+field, p)
		if err != nil {
			return err
		}
		g[field], _ = json.Marshal(r)
	}
	f["generation"], _ = json.Marshal(g)
	return nil
}
