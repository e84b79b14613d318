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

// FormatError describes content that is well-formed TLV (or bytes) but not the
// layout its reader expects: a certificate, a public key, a file of the card.
// It never quotes the content, only positions, tags and sizes.
type FormatError struct {
	What   string // what was read: "certificate", "public key", a file's name
	Offset int    // byte offset in what was read where the problem is
	Tag    Tag    // the object concerned, or 0
	Reason string
	Err    error // the underlying cause (a *SyntaxError, a key error…), or nil
}

// Error names what was read, the byte offset and the tag, never the data.
func (e *FormatError) Error() string {
	msg := fmt.Sprintf("malformed %s at byte %d", e.What, e.Offset)
	if e.Tag != 0 {
		msg += " (" + e.Tag.String() + ")"
	}
	msg += ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrMalformed) true and exposes the cause.
func (e *FormatError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrMalformed}
	}
	return []error{ErrMalformed, e.Err}
}

func syntaxErr(what string, off int, format string, args ...any) error {
	return &SyntaxError{What: what, Offset: off, Reason: fmt.Sprintf(format, args...)}
}
