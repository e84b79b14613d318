package sm

import (
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
)

// Sentinel errors; every error of this package matches one of them with errors.Is.
var (
	// ErrMissingDO: an expected secure-messaging data object is absent (card answers 6987).
	ErrMissingDO = errors.New("sm: expected secure messaging data object missing")
	// ErrBadDO: a data object is malformed, duplicated, unexpected or inconsistent (6988).
	ErrBadDO = errors.New("sm: secure messaging data object incorrect")
	// ErrWrongMAC: the cryptographic checksum DO'8E' does not verify (6988).
	ErrWrongMAC = errors.New("sm: wrong cryptographic checksum")
	// ErrCounter: the peer used another message counter or SSC (replayed or skipped) (6988).
	ErrCounter = errors.New("sm: message counter out of step")
	// ErrBadPadding: decrypted data does not end in ISO/IEC 9797-1 method 2 padding (6988).
	ErrBadPadding = errors.New("sm: bad padding")
	// ErrSessionClosed: the session died after an error; nothing more is accepted (69FC).
	ErrSessionClosed = errors.New("sm: secure messaging session closed")
	// ErrKeyDelivery: SET SESSION KEY data was refused (6A80, or 6F00 for a ciphertext ≥ modulus).
	ErrKeyDelivery = errors.New("sm: session key delivery refused")
	// ErrAuth: BAC mutual authentication failed (card answers 6300).
	ErrAuth = errors.New("sm: mutual authentication failed")
)

// MissingDOError names the data object that was expected and absent.
type MissingDOError struct {
	Tag apdu.Tag // e.g. DO8E, DO86
	In  string   // "command" or "response"
}

// Error names the missing object.
func (e *MissingDOError) Error() string {
	return fmt.Sprintf("sm: %s: expected data object %s missing", e.In, e.Tag)
}

// Is makes errors.Is(err, ErrMissingDO) true.
func (e *MissingDOError) Is(target error) bool { return target == ErrMissingDO }

// DOError describes a malformed, duplicated, unexpected or inconsistent data object.
type DOError struct {
	Tag    apdu.Tag // 0 when the problem is not tied to one object
	Reason string
	Err    error // underlying cause (e.g. an *apdu.SyntaxError), may be nil
}

// Error names the object and the reason.
func (e *DOError) Error() string {
	s := "sm: data object"
	if e.Tag != 0 {
		s += " " + e.Tag.String()
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes errors.Is(err, ErrBadDO) true.
func (e *DOError) Is(target error) bool { return target == ErrBadDO }

// Unwrap returns the underlying cause.
func (e *DOError) Unwrap() error { return e.Err }

// CounterError reports that the peer protected a message under another counter
// (text scheme: the IV's n; ICAO: the SSC). Got is the counter that does
// verify when a nearby one was found (Found true), which tells a replay
// (Got < Want) from a skip (Got > Want).
type CounterError struct {
	Want  uint64
	Got   uint64
	Found bool
	Err   error // how it showed: ErrBadPadding (text) or ErrWrongMAC (ICAO)
}

// Error says whether the counter was replayed or skipped.
func (e *CounterError) Error() string {
	switch {
	case !e.Found:
		return fmt.Sprintf("sm: message counter out of step (expected %s; peer's counter unknown): %v", counterString(e.Want), e.Err)
	case e.Got < e.Want:
		return fmt.Sprintf("sm: replayed message counter %s, expected %s: %v", counterString(e.Got), counterString(e.Want), e.Err)
	}
	return fmt.Sprintf("sm: skipped message counter: got %s, expected %s: %v", counterString(e.Got), counterString(e.Want), e.Err)
}

// counterString formats a text-AP n in decimal and an ICAO SSC as 16 hex digits.
func counterString(n uint64) string {
	if n > 0xFFFFFFFF {
		return fmt.Sprintf("%016X", n)
	}
	return fmt.Sprintf("%d", n)
}

// Is makes errors.Is(err, ErrCounter) true.
func (e *CounterError) Is(target error) bool { return target == ErrCounter }

// Unwrap returns how the mismatch showed (ErrBadPadding or ErrWrongMAC).
func (e *CounterError) Unwrap() error { return e.Err }

// KeyDeliveryError is a refused SET SESSION KEY, with the status word the card answers.
type KeyDeliveryError struct {
	SW     apdu.StatusWord
	Reason string
}

// Error gives the status word and the reason.
func (e *KeyDeliveryError) Error() string {
	return fmt.Sprintf("sm: session key delivery refused (%04X): %s", uint16(e.SW), e.Reason)
}

// Is makes errors.Is(err, ErrKeyDelivery) true.
func (e *KeyDeliveryError) Is(target error) bool { return target == ErrKeyDelivery }

// AuthError is a failed BAC mutual authentication; Err says how (e.g. ErrWrongMAC).
type AuthError struct {
	Reason string
	Err    error
}

// Error gives the failed check.
func (e *AuthError) Error() string {
	if e.Err != nil {
		return "sm: mutual authentication failed: " + e.Reason + ": " + e.Err.Error()
	}
	return "sm: mutual authentication failed: " + e.Reason
}

// Is makes errors.Is(err, ErrAuth) true.
func (e *AuthError) Is(target error) bool { return target == ErrAuth }

// Unwrap returns the cause.
func (e *AuthError) Unwrap() error { return e.Err }

// CardRejectedError is returned by a terminal's UnwrapResponse when the card
// answered a secure-messaging status word (6882, 6987, 6988, 69FC): the
// session is over on both sides. errors.As(err, &sw) gives the status word.
type CardRejectedError struct {
	SW apdu.StatusWord
}

// Error names the card's status word.
func (e *CardRejectedError) Error() string {
	return "sm: card rejected secure messaging: " + e.SW.String()
}

// Is makes errors.Is(err, ErrSessionClosed) true.
func (e *CardRejectedError) Is(target error) bool { return target == ErrSessionClosed }

// Unwrap returns the status word.
func (e *CardRejectedError) Unwrap() error { return e.SW }

// IsSMStatus reports whether sw is a status word by which a card refuses secure
// messaging itself (6882, 6987, 6988, 69FC), as opposed to an application answer.
func IsSMStatus(sw apdu.StatusWord) bool {
	switch sw {
	case apdu.SWSMNotSupported, apdu.SWSMObjectsMissing, apdu.SWSMObjectsIncorrect, apdu.SWSMSessionClosed:
		return true
	}
	return false
}

// StatusFor maps an error of this package to the status word a card answers:
// nil → 9000, dead session → 69FC, missing DO → 6987, wrong MAC / bad DO /
// bad padding / wrong counter → 6988, refused key delivery → its own status
// (6A80 or 6F00), failed BAC → 6300. Any other error gives 6F00.
func StatusFor(err error) apdu.StatusWord {
	var kd *KeyDeliveryError
	switch {
	case err == nil:
		return apdu.SWSuccess
	case errors.Is(err, ErrSessionClosed):
		return apdu.SWSMSessionClosed
	case errors.As(err, &kd):
		return kd.SW
	case errors.Is(err, ErrKeyDelivery):
		return apdu.SWWrongData
	case errors.Is(err, ErrAuth):
		return apdu.SWNoRetryLimit
	case errors.Is(err, ErrMissingDO):
		return apdu.SWSMObjectsMissing
	case errors.Is(err, ErrWrongMAC), errors.Is(err, ErrBadDO), errors.Is(err, ErrBadPadding),
		errors.Is(err, ErrCounter), errors.Is(err, apdu.ErrMalformed):
		return apdu.SWSMObjectsIncorrect
	}
	return apdu.SWNoPreciseDiagnosis
}
