package apdu

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every decoding error of this package.
var ErrMalformed = errors.New("malformed")

// SyntaxError describes input that is not a well-formed APDU or TLV.
type SyntaxError struct {
	What   string // "command APDU", "response APDU", "TLV", …
	Offset int    // byte offset where the problem was found
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("malformed %s at byte %d: %s", e.What, e.Offset, e.Reason)
}

// Unwrap makes errors.Is(err, ErrMalformed) true.
func (e *SyntaxError) Unwrap() error { return ErrMalformed }

func syntaxErr(what string, off int, format string, args ...any) error {
	return &SyntaxError{What: what, Offset: off, Reason: fmt.Sprintf(format, args...)}
}
