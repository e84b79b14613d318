package myna

import (
	"fmt"
	"log/slog"
)

// LicencePINNotSet is the VERIFY value of the driving-licence application when the holder set
// no PIN: four '*' (JIS X 0201 0x2A), the "DPIN" of hmpow/DLC_Starter (docs/LICENCE.md).
const LicencePINNotSet = "****"

// LicencePIN is the driving-licence application's PIN (licence EF 0006): 4 digits, or
// LicencePINNotSet. Its value never prints: use Reveal. The zero value is unset.
type LicencePIN struct{ v sealed }

// ParseLicencePIN accepts 4 digits 0-9, or "****" when the holder set no PIN.
func ParseLicencePIN(s string) (LicencePIN, error) {
	if s == LicencePINNotSet {
		return LicencePIN{v: seal(s)}, nil
	}
	if err := parseDigits(SecretLicencePIN, s, 4); err != nil {
		return LicencePIN{}, formErr(SecretLicencePIN, `must be 4 digits, or "****" when none was set`)
	}
	return LicencePIN{v: seal(s)}, nil
}

// IsNotSet reports whether the value is "****", the PIN of a holder who set none.
func (s LicencePIN) IsNotSet() bool { return s.v.matches([]byte(LicencePINNotSet)) }

// Kind returns SecretLicencePIN.
func (LicencePIN) Kind() SecretKind { return SecretLicencePIN }

// Bytes returns the exact VERIFY data (JIS X 0201, which is ASCII here), a fresh slice.
func (s LicencePIN) Bytes() []byte { return s.v.bytes() }

// Reveal returns the value; call it only when the user asked to see it.
func (s LicencePIN) Reveal() string { return s.v.reveal() }

// Matches compares data with the value in constant time (for equal lengths).
func (s LicencePIN) Matches(data []byte) bool { return s.v.matches(data) }

// Equal reports in constant time whether s and o hold the same value.
func (s LicencePIN) Equal(o LicencePIN) bool { return s.v.equal(o.v) }

// IsZero reports whether s is unset.
func (s LicencePIN) IsZero() bool { return s.v.n == 0 }

// String returns a redacted rendering, "licence PIN([redacted])".
func (s LicencePIN) String() string { return redactedString(SecretLicencePIN, s.v) }

// GoString returns a redacted Go-syntax rendering, for %#v.
func (s LicencePIN) GoString() string { return redactedGoString(SecretLicencePIN, s.v) }

// Format writes the redacted rendering whatever the verb and flags.
func (s LicencePIN) Format(f fmt.State, verb rune) { formatRedacted(f, verb, SecretLicencePIN, s.v) }

// MarshalJSON returns "[redacted]" (or "" when unset), never the value.
func (s LicencePIN) MarshalJSON() ([]byte, error) { return marshalRedactedJSON(s.v), nil }

// MarshalText returns [redacted] (or nothing when unset), never the value.
func (s LicencePIN) MarshalText() ([]byte, error) { return marshalRedactedText(s.v), nil }

// LogValue makes slog print the redacted rendering.
func (s LicencePIN) LogValue() slog.Value {
	return slog.StringValue(redactedString(SecretLicencePIN, s.v))
}

var _ Secret = LicencePIN{}
