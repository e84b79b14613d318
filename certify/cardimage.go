package certify

import (
	"fmt"
	"strconv"
	"time"

	"github.com/taimen-dev/taimen/internal/cardimage"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// cardImageName is the file name of the card's front given as {card_image}.
const cardImageName = "card-front.png"

// writeCardFront puts the card's front (internal/cardimage; drawn once per
// run, from the profile given, or from the scenario's own profile p) into the
// sandbox's read-only input place and returns its path as the reader sees it,
// for {card_image}.
func (e *engine) writeCardFront(sb *sandbox, p *myna.Profile) (string, error) {
	if p.ID != e.o.Profile.ID {
		return e.writeOtherFront(sb, p)
	}
	if e.front == nil {
		r, err := cardimage.New("")
		if err != nil {
			return "", fmt.Errorf("draw the card image: %w", err)
		}
		b, err := r.PNG(e.o.Profile, cardimage.Front)
		if err != nil {
			return "", fmt.Errorf("draw the card image: %w", err)
		}
		e.front = b
	}
	path, err := sb.putInput(cardImageName, e.front)
	if err != nil {
		return "", fmt.Errorf("write the card image: %w", err)
	}
	return path, nil
}

// operatorEnv is what the operator gives the reader in the environment:
// check code B (code), or nothing but the image ({card_image}) in
// "image-only", or the Gregorian birth date, the expiry year and the security
// code in "manual-date".
func operatorEnv(sc Scenario, p *myna.Profile, code myna.Secret) []string {
	switch sc.Input {
	case inputImage:
		return nil
	case inputManual:
		return []string{
			reader.EnvBirthDate + "=" + p.Person.BirthDate.Format(time.DateOnly),
			reader.EnvExpiryYear + "=" + strconv.Itoa(p.Card.Expiry.Year()),
			reader.EnvSecurityCode + "=" + p.Card.SecurityCode,
		}
	}
	return []string{reader.EnvCheckCodeB + "=" + code.Reveal()}
}
