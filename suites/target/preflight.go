package target

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
)

// SetupError is what stops a run before any spec: the cause and the fix, on one line. Err is
// the underlying error (reader.ErrRefused when the guard or the rejected-value memory refused a
// code, which callers report as a refusal rather than a set-up error).
type SetupError struct {
	Cause string
	Fix   string
	Err   error
}

func (e *SetupError) Error() string {
	if e.Fix == "" {
		return e.Cause
	}
	return e.Cause + "; " + e.Fix
}

// Unwrap returns the underlying error.
func (e *SetupError) Unwrap() error { return e.Err }

// codeCheck names the key each configured code is verified on, once, before any spec.
type codeCheck struct {
	kind myna.SecretKind
	app  myna.App
	ref  myna.FileID
}

// codeChecks lists them in the order the run checks them.
var codeChecks = []codeCheck{
	{myna.SecretCheckCodeB, myna.CardSurfaceAP, myna.SurfaceCheckCodeBRef},
	{myna.SecretCheckCodeA, myna.CardSurfaceAP, myna.SurfaceCheckCodeARef},
	{myna.SecretTextPIN, myna.TextAP, myna.TextPINRef},
	{myna.SecretAuthPIN, myna.JPKIAP, myna.JPKIAuthPINRef},
	{myna.SecretSignPassword, myna.JPKIAP, myna.JPKISignPasswordRef},
}

// envName is how a user gives a code of kind k, for messages.
func envName(k myna.SecretKind) string {
	if k == myna.SecretCheckCodeB {
		return reader.EnvCheckCodeB + " (or " + reader.EnvBirthDate + " + " + reader.EnvExpiryYear + " + " + reader.EnvSecurityCode + ")"
	}
	return reader.EnvOf(k)
}

// Preflight checks, once and before any spec, what every spec of a physical or vpcd run needs:
// the reader and the card are there (physical), every code in need is given, and each code
// given is right. Each code is verified once under the target's guard — which restores its
// counter when it is right — through Config.Rejected, which refuses a value the card rejected
// before. need lists the kinds of code the selected specs present. Errors are *SetupError,
// except a card that misbehaves while its codes are checked (reader.ErrCard): that is the
// card's failure, not the set-up's.
// An emulated target in-process has nothing to check.
func (t *Target) Preflight(ctx context.Context, need []myna.SecretKind) error {
	if t.Kind == Emulator {
		return nil
	}
	if t.Kind == PCSC {
		if err := t.checkReader(ctx); err != nil {
			return err
		}
	}
	var missing []string
	for _, k := range need {
		if t.Codes.Of(k) == nil {
			missing = append(missing, envName(k))
		}
	}
	if len(missing) > 0 {
		return &SetupError{Cause: "the specs of this run present codes the environment does not give",
			Fix: "set " + strings.Join(missing, ", ") + ", or narrow the run with --label-filter"}
	}
	return t.checkCodes(ctx)
}

// checkReader finds the reader the target names, with a card in it, waiting up to cardWait
// for them to appear (a card put on the reader as the run starts, a reader still being set up).
func (t *Target) checkReader(ctx context.Context) error {
	deadline := time.Now().Add(cardWait)
	for {
		err := t.findReader(ctx)
		var se *SetupError
		if err == nil || !errors.As(err, &se) || (!errors.Is(err, reader.ErrNoCard) && !errors.Is(err, reader.ErrNoReader)) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (t *Target) findReader(ctx context.Context) error {
	rs, err := pcsc.Readers(ctx)
	switch {
	case errors.Is(err, reader.ErrNoService):
		return &SetupError{Cause: "the PC/SC service (pcscd) is not running", Fix: "start it (systemctl start pcscd.socket, or pcscd)", Err: err}
	case err != nil && !errors.Is(err, reader.ErrNoReader):
		return &SetupError{Cause: fmt.Sprintf("list the PC/SC readers: %v", err), Fix: "check pcscd and the reader's driver", Err: err}
	case len(rs) == 0:
		return &SetupError{Cause: "no PC/SC reader is attached", Fix: "plug the reader in (taimen readers lists what pcscd sees)", Err: reader.ErrNoReader}
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = fmt.Sprintf("%q", r.Name)
	}
	pick := pcsc.ParseSelector(t.reader)
	if pick == nil {
		for _, r := range rs {
			if r.CardPresent {
				return nil
			}
		}
		return &SetupError{Cause: "no card in any reader (" + strings.Join(names, ", ") + ")", Fix: "put the card on the reader", Err: reader.ErrNoCard}
	}
	r, err := pick(rs)
	if err != nil {
		return &SetupError{Cause: fmt.Sprintf("no such reader: %v (attached: %s)", err, strings.Join(names, ", ")),
			Fix: "give --target pcsc:NAME with a name, a part of one or #index as taimen readers lists them", Err: reader.ErrNoReader}
	}
	if !r.CardPresent {
		return &SetupError{Cause: fmt.Sprintf("no card in %q", r.Name), Fix: "put the card on the reader", Err: reader.ErrNoCard}
	}
	return nil
}

// checkCodes verifies each code given once, on its key, bypassing the spec's floor guard (whose
// restoring VERIFY would send a wrong code again).
func (t *Target) checkCodes(ctx context.Context) error {
	c, err := t.Card(ctx, CardOptions{})
	if err != nil {
		cause := fmt.Sprintf("open the card: %v", err)
		switch {
		case errors.Is(err, reader.ErrNoCard), errors.Is(err, reader.ErrCardRemoved):
			return &SetupError{Cause: cause, Fix: "put the card on the reader and keep it there", Err: err}
		case errors.Is(err, reader.ErrReaderBusy):
			return &SetupError{Cause: cause, Fix: "close the program that holds the reader", Err: err}
		}
		return &SetupError{Cause: cause, Fix: "check the reader with taimen readers and taimen status", Err: err}
	}
	raw := c.T
	if c.guard != nil {
		raw = c.guard.Transport
	}
	defer func() { raw.Close(); c.cleanup() }()
	s := reader.NewSession(raw, t.Guard())
	s.Rejected = t.cfg.Rejected
	for _, k := range codeChecks {
		code := t.Codes.Of(k.kind)
		if code == nil {
			continue
		}
		if err := s.SelectApp(ctx, k.app); err != nil {
			return &SetupError{Cause: fmt.Sprintf("check %s: %v", envName(k.kind), err), Fix: "is this a My Number Card? (taimen status)", Err: err}
		}
		if err := s.Verify(ctx, k.ref, code); err != nil {
			return codeError(k.kind, err)
		}
	}
	return nil
}

// codeError says what a failed check of a code means and what to do.
func codeError(k myna.SecretKind, err error) error {
	name := envName(k)
	var wc *reader.WrongCodeError
	switch {
	case errors.As(err, &wc) && wc.Remaining > 0:
		return &SetupError{Cause: fmt.Sprintf("the card rejected %s (%d tries left; nothing else was sent)", name, wc.Remaining),
			Fix: "correct it; taimen will not send this value again", Err: err}
	case errors.Is(err, reader.ErrBlocked):
		return &SetupError{Cause: fmt.Sprintf("the key %s opens is blocked", name), Fix: "a run cannot unblock it (the municipality can); leave that code out", Err: err}
	case errors.Is(err, reader.ErrRefused):
		return &SetupError{Cause: fmt.Sprintf("%s not checked: %v", name, err), Fix: "nothing was sent", Err: err}
	case errors.Is(err, reader.ErrCard):
		// The card misbehaved (e.g. no tries in its answer): a finding about the card, which
		// the run reports as a failed setup node, not a set-up for the user to fix.
		return fmt.Errorf("check %s before the first spec: %w", name, err)
	}
	return &SetupError{Cause: fmt.Sprintf("check %s: %v", name, err), Fix: "check the reader and the card (taimen status)", Err: err}
}

// SecretKindsFor returns the kinds of code the specs of an application present, for
// Preflight: JPKI's its PINs, every other application's check code B at least.
func SecretKindsFor(app string) []myna.SecretKind {
	switch app {
	case "surface":
		return []myna.SecretKind{myna.SecretCheckCodeB, myna.SecretCheckCodeA}
	case "text":
		return []myna.SecretKind{myna.SecretCheckCodeB, myna.SecretCheckCodeA, myna.SecretTextPIN}
	case "jpki":
		return []myna.SecretKind{myna.SecretAuthPIN, myna.SecretSignPassword}
	}
	return []myna.SecretKind{myna.SecretCheckCodeB}
}
