package layout

import (
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna/cvc"
)

// ErrMalformed is wrapped by every decoding error; it is apdu.ErrMalformed (and
// cvc.ErrMalformed), so one errors.Is check covers every layer.
var ErrMalformed = apdu.ErrMalformed

// ErrSignature is wrapped when a record's signature does not verify; it is
// cvc.ErrSignature, so one check covers certificates and records.
var ErrSignature = cvc.ErrSignature

// ErrDigest is wrapped when a digest in the text AP's integrity record does not match
// the file it covers.
var ErrDigest = errors.New("digest does not match")

// ErrTooLarge is wrapped when encoded content does not fit the requested physical file
// size or a length field (the card face's u16 offsets).
var ErrTooLarge = errors.New("content does not fit")

// ErrInvalid is wrapped when a value given to a Build function breaks the layout's
// rules (e.g. a birth date that is not 8 ASCII digits). Errors never quote the value.
var ErrInvalid = errors.New("invalid value")

// OffsetError reports an entry of an offset table (DF21) that does not point at the
// tag of the object it names.
type OffsetError struct {
	File     File
	Index    int      // 0-based entry of the table
	Tag      apdu.Tag // the object the entry names
	Declared int      // the offset in the table
	Actual   int      // where the object's tag is, from the first byte of the file
}

// Error names the wrong entry, its value and where the tag really is.
func (e *OffsetError) Error() string {
	return fmt.Sprintf("%s: DF21 offset %d (%s) is 0x%04X but the tag is at 0x%04X", e.File, e.Index, e.Tag, e.Declared, e.Actual)
}

// Unwrap makes errors.Is(err, ErrMalformed) true.
func (e *OffsetError) Unwrap() error { return ErrMalformed }

// SignatureError reports a record whose signature does not verify.
type SignatureError struct {
	File File
	Err  error // the crypto/rsa error
}

// Error names the file whose signature failed.
func (e *SignatureError) Error() string { return fmt.Sprintf("%s: %v", e.File, ErrSignature) }

// Unwrap makes errors.Is(err, ErrSignature) true.
func (e *SignatureError) Unwrap() error { return ErrSignature }

// DigestError reports a digest of the integrity record that does not match the file
// it covers.
type DigestError struct {
	Tag     apdu.Tag // DF31 or DF32
	Covered File     // the file the digest is of
}

// Error names the digest and the file it does not match.
func (e *DigestError) Error() string {
	return fmt.Sprintf("%s: %s %v for %s", FileTextIntegrity, e.Tag, ErrDigest, e.Covered)
}

// Unwrap makes errors.Is(err, ErrDigest) true.
func (e *DigestError) Unwrap() error { return ErrDigest }

func malformed(file File, off int, tag apdu.Tag, cause error, format string, args ...any) error {
	return &apdu.FormatError{What: string(file), Offset: off, Tag: tag, Reason: fmt.Sprintf(format, args...), Err: cause}
}

func invalid(file File, tag apdu.Tag, format string, args ...any) error {
	where := string(file)
	if tag != 0 {
		where += " " + tag.String()
	}
	return fmt.Errorf("%s: %s: %w", where, fmt.Sprintf(format, args...), ErrInvalid)
}
