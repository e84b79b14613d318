package reader

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// MaxEFSize bounds what the reader accepts for any one file: no card file comes
// close, and a malicious card cannot make the reader allocate more.
const MaxEFSize = 64 << 10

// Flow errors; callers branch on them with errors.Is and errors.As.
var (
	// ErrBlocked means the key reference is blocked (6984, or 0 tries left).
	ErrBlocked = errors.New("key reference blocked")
	// ErrRefused means the safety guard refused to send a VERIFY (see RefusedError).
	ErrRefused = errors.New("refused by the safety guard")
	// ErrNotAuthentic means the card's data or the card itself failed an authenticity check.
	ErrNotAuthentic = errors.New("not authentic")
	// ErrCard means the card answered with an unexpected status word or malformed data.
	ErrCard = errors.New("unexpected card answer")
)

// WrongCodeError is a VERIFY that the card rejected with 63Cx.
type WrongCodeError struct {
	Key       string // e.g. "surface/0012 (check code B)"
	Remaining int    // tries left after this one
}

func (e *WrongCodeError) Error() string {
	return fmt.Sprintf("wrong %s: %d tries left", e.Key, e.Remaining)
}

// Is makes a wrong code with no tries left match ErrBlocked too.
func (e *WrongCodeError) Is(target error) bool { return target == ErrBlocked && e.Remaining == 0 }

// RefusedError says why the guard did not send a VERIFY; no try was spent.
type RefusedError struct {
	Key    string
	Tries  int // tries left as read from the card
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("not verifying %s (%d tries left): %s", e.Key, e.Tries, e.Reason)
}

// Unwrap makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Unwrap() error { return ErrRefused }

// StatusError is an unexpected status word for a named step.
type StatusError struct {
	Step string
	SW   apdu.StatusWord
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: card answered %s", e.Step, e.SW.String())
}

// Unwrap exposes both ErrCard and the status word itself.
func (e *StatusError) Unwrap() []error { return []error{ErrCard, e.SW} }

// Guard is the reader's safety policy for VERIFY.
type Guard struct {
	// Floor is the number of tries that must remain after a wrong attempt:
	// with Floor 1 the last try is never used; with 2 the last two are kept.
	Floor int
	// AllowLastTry lets a VERIFY spend the last try (Floor is then 0).
	AllowLastTry bool
}

// DefaultGuard is the policy for physical cards: never use the last try.
var DefaultGuard = Guard{Floor: 1}

func (g Guard) floor() int {
	if g.AllowLastTry {
		return 0
	}
	return max(g.Floor, 0)
}

// Guard returns the session's safety policy.
func (s *Session) Guard() Guard { return s.guard }

// Session drives one card over a Transport with the shared codec: adaptive
// reads, guarded VERIFY, bounded answers. It is not safe for concurrent use.
type Session struct {
	t     Transport
	guard Guard
	// Chunk is the short READ BINARY size (1..256); 256 by default.
	Chunk int
	// NoExtended forces short reads even if the card accepts extended length.
	NoExtended bool
	extended   extState
	wrong      map[string][32]byte // last wrong value per key reference (hashed)
	// Rejected, when set, remembers rejected values across sessions and invocations: Verify
	// refuses one it holds for this card and key, and clears a key the card accepts a value for.
	Rejected *Rejected
	cardIDs  map[myna.App]string
	cur      myna.App
	// LastTries is the tries-left count the last Verify read before sending.
	LastTries int
	// Rounds counts the APDUs sent, for reports.
	Rounds int
}

type extState uint8

const (
	extUnknown extState = iota
	extWorks
	extRefused
)

// NewSession starts a session on t with guard g.
func NewSession(t Transport, g Guard) *Session {
	return &Session{t: t, guard: g, Chunk: 256, wrong: map[string][32]byte{}}
}

// Transport returns the session's transport.
func (s *Session) Transport() Transport { return s.t }

// Send exchanges one command, following 61xx and 6Cxx, with bounded answers.
func (s *Session) Send(ctx context.Context, cmd apdu.Command) (apdu.Response, error) {
	r, err := apdu.Exchange(ctx, countingTransmitter{s}, cmd, apdu.ExchangeLimits{MaxResponse: MaxEFSize + 2})
	if err != nil {
		if errors.Is(err, apdu.ErrCardMisbehaved) || errors.Is(err, apdu.ErrMalformed) {
			return r, fmt.Errorf("%w: %w", ErrCard, err)
		}
		return r, err
	}
	return r, nil
}

type countingTransmitter struct{ s *Session }

func (c countingTransmitter) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	c.s.Rounds++
	return c.s.t.Transmit(ctx, cmd)
}

// expect sends cmd and turns any status word but 9000 into a *StatusError.
func (s *Session) expect(ctx context.Context, step string, cmd apdu.Command) ([]byte, error) {
	r, err := s.Send(ctx, cmd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", step, err)
	}
	if r.SW != apdu.SWSuccess {
		return nil, &StatusError{Step: step, SW: r.SW}
	}
	return r.Data, nil
}

// SelectApp selects an application by AID; the card's security state for the previous one is lost.
func (s *Session) SelectApp(ctx context.Context, app myna.App) error {
	_, err := s.expect(ctx, "select "+app.String(), apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: app.AID()})
	if err == nil {
		s.cur = app
	}
	return err
}

// SelectEF selects an EF of the current application.
func (s *Session) SelectEF(ctx context.Context, id myna.FileID) error {
	_, err := s.expect(ctx, fmt.Sprintf("select %s/%s", s.cur, id), apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(id >> 8), byte(id)}})
	return err
}

// ReadEF selects and reads a whole transparent EF of the current application:
// one extended READ BINARY where the card takes it, 256-byte (Chunk) reads
// otherwise or after a 6700. Answers are bounded by MaxEFSize.
func (s *Session) ReadEF(ctx context.Context, id myna.FileID) ([]byte, error) {
	step := fmt.Sprintf("read %s/%s", s.cur, id)
	sfi, hasSFI := id.ReadBinaryP1()
	if !s.NoExtended && s.extended != extRefused && hasSFI {
		// One round trip: READ BINARY by short EF identifier with an extended Le.
		r, err := s.Send(ctx, apdu.Command{INS: 0xB0, P1: sfi, Ne: apdu.MaxExtendedNe, Extended: true})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", step, err)
		}
		switch r.SW {
		case apdu.SWSuccess:
			s.extended = extWorks
			if len(r.Data) > MaxEFSize {
				return nil, fmt.Errorf("%s: %w: %d bytes", step, ErrCard, len(r.Data))
			}
			return r.Data, nil
		case apdu.SWWrongLength:
			s.extended = extRefused // fall back to short reads
		default:
			return nil, &StatusError{Step: step, SW: r.SW}
		}
	}
	if err := s.SelectEF(ctx, id); err != nil {
		return nil, err
	}
	n := max(1, min(s.Chunk, 256))
	var out []byte
	for off := 0; ; off += n {
		if off > 0x7FFF {
			return nil, fmt.Errorf("%s: %w: file longer than a 15-bit offset", step, ErrCard)
		}
		r, err := s.Send(ctx, apdu.Command{INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: n})
		if err != nil {
			return nil, fmt.Errorf("%s at %d: %w", step, off, err)
		}
		switch {
		case (r.SW == apdu.SWWrongP1P2 || r.SW == apdu.SWEndOfFile) && off > 0:
			return out, nil // the previous chunk ended exactly at the end of the file
		case r.SW != apdu.SWSuccess:
			return nil, &StatusError{Step: fmt.Sprintf("%s at %d", step, off), SW: r.SW}
		case len(r.Data) > n:
			return nil, fmt.Errorf("%s at %d: %w: %d bytes for Le %d", step, off, ErrCard, len(r.Data), n)
		}
		out = append(out, r.Data...)
		if len(out) > MaxEFSize {
			return nil, fmt.Errorf("%s: %w: more than %d bytes", step, ErrCard, MaxEFSize)
		}
		if len(r.Data) < n {
			return out, nil // a short answer with 9000 means end of file
		}
	}
}

func keyName(app myna.App, key myna.FileID) string {
	d, ok := myna.LookupEF(app, key)
	label := "key"
	if ok && d.Secret.Valid() {
		label = d.Secret.String()
	}
	return fmt.Sprintf("%s/%s (%s)", app, key, label)
}

func sfiP2(key myna.FileID) byte { return 0x80 | byte(key&0x1F) }

// Tries reads the tries left of a key reference of the current application
// without spending one (an empty VERIFY). A blocked key gives 0.
func (s *Session) Tries(ctx context.Context, key myna.FileID) (int, error) {
	r, err := s.Send(ctx, myna.TriesQuery(key))
	if err != nil {
		return 0, fmt.Errorf("tries of %s: %w", keyName(s.cur, key), err)
	}
	if n, ok := r.SW.Retries(); ok {
		return n, nil
	}
	if r.SW == apdu.SWReferenceDataBlocked || r.SW == apdu.SWAuthMethodBlocked {
		return 0, nil
	}
	return 0, &StatusError{Step: "tries of " + keyName(s.cur, key), SW: r.SW}
}

// Verify presents a secret to a key reference of the current application, the
// way DESIGN.md requires: the tries are read first, the guard may refuse, a
// value the card already rejected is never sent again, and a wrong code is
// returned, never retried.
func (s *Session) Verify(ctx context.Context, key myna.FileID, secret myna.Secret) error {
	name := keyName(s.cur, key)
	if secret == nil || secret.IsZero() {
		return fmt.Errorf("verify %s: no value given", name)
	}
	d, ok := myna.LookupEF(s.cur, key)
	if !ok || d.Secret != secret.Kind() {
		return fmt.Errorf("verify %s: a %s does not belong there", name, secret.Kind())
	}
	value := secret.Bytes()
	sum := sha256.Sum256(append([]byte(name+"\x00"), value...))
	tries, err := s.Tries(ctx, key)
	if err != nil {
		return err
	}
	s.LastTries = tries
	if last, ok := s.wrong[name]; ok && last == sum {
		return &RefusedError{Key: name, Tries: tries, Reason: "the card already rejected this value"}
	}
	card := ""
	if s.Rejected != nil && tries > 0 {
		card = s.cardID(ctx)
		e, seen, err := s.Rejected.Check(card, name, value)
		if err != nil {
			return fmt.Errorf("verify %s: %w", name, err)
		}
		if seen {
			return s.Rejected.refusal(name, tries, e)
		}
	}
	if tries == 0 {
		return fmt.Errorf("verify %s: %w", name, ErrBlocked)
	}
	if err := s.guard.Permit(name, tries); err != nil {
		return err
	}
	r, err := s.Send(ctx, myna.Verify(key, value))
	if err != nil {
		return fmt.Errorf("verify %s: %w", name, err)
	}
	if n, ok := r.SW.Retries(); ok {
		s.wrong[name] = sum
		werr := &WrongCodeError{Key: name, Remaining: n}
		if s.Rejected != nil {
			if err := s.Rejected.Remember(card, name, value); err != nil {
				return errors.Join(werr, fmt.Errorf("the rejection could not be remembered: %w", err))
			}
		}
		return werr
	}
	switch r.SW {
	case apdu.SWSuccess:
		delete(s.wrong, name)
		if s.Rejected != nil {
			if err := s.Rejected.Clear(card, name); err != nil {
				return fmt.Errorf("verify %s: accepted, but %w", name, err)
			}
		}
		return nil
	case apdu.SWReferenceDataBlocked, apdu.SWAuthMethodBlocked:
		return fmt.Errorf("verify %s: %w", name, ErrBlocked)
	}
	return &StatusError{Step: "verify " + name, SW: r.SW}
}
