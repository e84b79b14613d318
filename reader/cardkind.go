package reader

import (
	"context"
	"errors"

	"github.com/taimen-dev/taimen/myna"
)

// ErrNoCardSurface means the card has no card-surface application, so check
// code B (or A) cannot read the face data; no VERIFY was sent. *NotFaceError
// says what the card is instead.
var ErrNoCardSurface = errors.New("the card has no card-surface application")

// CardKind names what a card that is not a My Number Card's face is.
type CardKind string

// The kinds of card a face-to-face read refuses.
const (
	// KindJPKIToken is a JPKI-only token: the JPKI application answers, the
	// card-surface application does not, as on a smartphone's My Number Card
	// function (Android JPKIAPGPSETOKEN, iPhone JPKIAPIOSTOKEN).
	KindJPKIToken CardKind = "jpki-only-token"
	// KindNotMyNumber is a card on which no My Number application answers.
	KindNotMyNumber CardKind = "not-my-number-card"
)

// NotFaceError is a face-to-face read of a card that is not a My Number
// Card's face. It is found before any VERIFY: no try was spent.
type NotFaceError struct {
	Kind CardKind
}

func (e *NotFaceError) Error() string {
	if e.Kind == KindJPKIToken {
		return "this is a JPKI-only token, such as a smartphone's My Number Card function: it has no card-surface application, " +
			"so check code B cannot read the face data; ask for the physical card"
	}
	return "this is not a My Number Card (no My Number application answered)"
}

// Unwrap makes errors.Is(err, ErrNoCardSurface) true.
func (e *NotFaceError) Unwrap() error { return ErrNoCardSurface }

// classifyNoSurface is called when the card refused to SELECT the card-surface
// application with selErr (a status word, not a transport failure). It asks
// which My Number applications answer: the JPKI application alone makes a
// JPKI-only token, none makes a card that is not a My Number Card. A card on
// which another application answers is not classified: selErr is returned.
func classifyNoSurface(ctx context.Context, s *Session, selErr error) error {
	var se *StatusError
	if !errors.As(selErr, &se) {
		return selErr
	}
	for _, app := range []myna.App{myna.JPKIAP, myna.TextAP, myna.CommonAP} {
		err := s.SelectApp(ctx, app)
		switch {
		case err == nil && app == myna.JPKIAP:
			return &NotFaceError{Kind: KindJPKIToken}
		case err == nil:
			return selErr // a My Number application answers, but not the card-surface one
		case !errors.As(err, &se):
			return err // the transport failed: say so, not what the card is
		}
	}
	return &NotFaceError{Kind: KindNotMyNumber}
}
