package cvc

import (
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
)

// ErrMalformed is wrapped by every decoding error; it is apdu.ErrMalformed, so one
// errors.Is check covers the TLV codec, this package and package layout.
var ErrMalformed = apdu.ErrMalformed

// ErrUnsupportedKey is wrapped when a public key is well formed but not the card's
// kind (RSA-2048 with e = 65537).
var ErrUnsupportedKey = errors.New("unsupported public key")

// ErrSignature is wrapped whenever a signature does not verify; package layout uses
// the same sentinel for its records.
var ErrSignature = errors.New("signature does not verify")

// ErrUnknownIssuer is wrapped when no trust anchor has the certificate's issuer key ID.
var ErrUnknownIssuer = errors.New("unknown issuer key ID")

// ErrAnchor is wrapped when a trust anchor or anchor set is refused (for example a
// test key presented as a production anchor).
var ErrAnchor = errors.New("invalid trust anchor")

// KeyError says why a public key is not the card's kind.
type KeyError struct {
	Reason string
}

// Error says why the key is refused.
func (e *KeyError) Error() string { return "unsupported public key: " + e.Reason }

// Unwrap makes errors.Is(err, ErrUnsupportedKey) true.
func (e *KeyError) Unwrap() error { return ErrUnsupportedKey }

// SignatureError reports a certificate whose signature does not verify under the
// anchor its issuer key ID named.
type SignatureError struct {
	Issuer KeyID  // the certificate's issuer key ID
	Anchor string // the anchor's name, empty when a bare key was used
	Err    error  // the crypto/rsa error
}

// Error names the issuer and, when known, the anchor.
func (e *SignatureError) Error() string {
	if e.Anchor == "" {
		return fmt.Sprintf("certificate issued by %s: %v", e.Issuer, ErrSignature)
	}
	return fmt.Sprintf("certificate issued by %s: %v under trust anchor %q", e.Issuer, ErrSignature, e.Anchor)
}

// Unwrap makes errors.Is(err, ErrSignature) true.
func (e *SignatureError) Unwrap() error { return ErrSignature }

// UnknownIssuerError reports a certificate whose issuer key ID no anchor has.
type UnknownIssuerError struct {
	Issuer KeyID
}

// Error names the issuer key ID that no anchor has.
func (e *UnknownIssuerError) Error() string {
	return fmt.Sprintf("certificate issued by %s: %v", e.Issuer, ErrUnknownIssuer)
}

// Unwrap makes errors.Is(err, ErrUnknownIssuer) true.
func (e *UnknownIssuerError) Unwrap() error { return ErrUnknownIssuer }

func formatErr(what string, off int, cause error, format string, args ...any) error {
	return &apdu.FormatError{What: what, Offset: off, Reason: fmt.Sprintf(format, args...), Err: cause}
}
