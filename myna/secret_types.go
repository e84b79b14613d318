package myna

// The seven secret types share one set of methods; they delegate to the helpers in secret.go.

import (
	"fmt"
	"log/slog"
)

// CheckCodeA is 照合番号A: the 12-digit individual number, the VERIFY value of text AP 0014 and card-surface AP 0013.
// Its value never prints: use Reveal. The zero value is unset.
type CheckCodeA struct{ v sealed }

// Kind returns SecretCheckCodeA.
func (CheckCodeA) Kind() SecretKind { return SecretCheckCodeA }

// Bytes returns the exact VERIFY data (ASCII), a fresh slice.
func (s CheckCodeA) Bytes() []byte { return s.v.bytes() }

// Reveal returns the value; call it only when the user asked to see it.
func (s CheckCodeA) Reveal() string { return s.v.reveal() }

// Matches compares data with the value in constant time (for equal lengths).
func (s CheckCodeA) Matches(data []byte) bool { return s.v.matches(data) }

// Equal reports in constant time whether s and o hold the same value.
func (s CheckCodeA) Equal(o CheckCodeA) bool { return s.v.equal(o.v) }

// IsZero reports whether s is unset.
func (s CheckCodeA) IsZero() bool { return s.v.n == 0 }

// String returns a redacted rendering, "check code A([redacted])".
func (s CheckCodeA) String() string { return redactedString(SecretCheckCodeA, s.v) }

// GoString returns a redacted Go-syntax rendering, for %#v.
func (s CheckCodeA) GoString() string { return redactedGoString(SecretCheckCodeA, s.v) }

// Format writes the redacted rendering whatever the verb and flags.
func (s CheckCodeA) Format(f fmt.State, verb rune) { formatRedacted(f, verb, SecretCheckCodeA, s.v) }

// MarshalJSON returns "[redacted]" (or "" when unset), never the value.
func (s CheckCodeA) MarshalJSON() ([]byte, error) { return marshalRedactedJSON(s.v), nil }

// MarshalText returns [redacted] (or nothing when unset), never the value.
func (s CheckCodeA) MarshalText() ([]byte, error) { return marshalRedactedText(s.v), nil }

// LogValue makes slog print the redacted rendering.
func (s CheckCodeA) LogValue() slog.Value {
	return slog.StringValue(redactedString(SecretCheckCodeA, s.v))
}

var _ Secret = CheckCodeA{}

// CheckCodeB is 照合番号B: birth date YYMMDD, expiry year YYYY and security code, the VERIFY value of text AP 0015 and card-surface AP 0012.
// Its value never prints: use Reveal. The zero value is unset.
type CheckCodeB struct{ v sealed }

// Kind returns SecretCheckCodeB.
func (CheckCodeB) Kind() SecretKind { return SecretCheckCodeB }

// Bytes returns the exact VERIFY data (ASCII), a fresh slice.
func (s CheckCodeB) Bytes() []byte { return s.v.bytes() }

// Reveal returns the value; call it only when the user asked to see it.
func (s CheckCodeB) Reveal() string { return s.v.reveal() }

// Matches compares data with the value in constant time (for equal lengths).
func (s CheckCodeB) Matches(data []byte) bool { return s.v.matches(data) }

// Equal reports in constant time whether s and o hold the same value.
func (s CheckCodeB) Equal(o CheckCodeB) bool { return s.v.equal(o.v) }

// IsZero reports whether s is unset.
func (s CheckCodeB) IsZero() bool { return s.v.n == 0 }

// String returns a redacted rendering, "check code B([redacted])".
func (s CheckCodeB) String() string { return redactedString(SecretCheckCodeB, s.v) }

// GoString returns a redacted Go-syntax rendering, for %#v.
func (s CheckCodeB) GoString() string { return redactedGoString(SecretCheckCodeB, s.v) }

// Format writes the redacted rendering whatever the verb and flags.
func (s CheckCodeB) Format(f fmt.State, verb rune) { formatRedacted(f, verb, SecretCheckCodeB, s.v) }

// MarshalJSON returns "[redacted]" (or "" when unset), never the value.
func (s CheckCodeB) MarshalJSON() ([]byte, error) { return marshalRedactedJSON(s.v), nil }

// MarshalText returns [redacted] (or nothing when unset), never the value.
func (s CheckCodeB) MarshalText() ([]byte, error) { return marshalRedactedText(s.v), nil }

// LogValue makes slog print the redacted rendering.
func (s CheckCodeB) LogValue() slog.Value {
	return slog.StringValue(redactedString(SecretCheckCodeB, s.v))
}

var _ Secret = CheckCodeB{}

// BirthDateKey is 生年月日読出用暗証番号: the birth date YYMMDD, the VERIFY value of card-surface AP 0011.
// Its value never prints: use Reveal. The zero value is unset.
type BirthDateKey struct{ v sealed }

// Kind returns SecretBirthDateKey.
func (BirthDateKey) Kind() SecretKind { return SecretBirthDateKey }

// Bytes returns the exact VERIFY data (ASCII), a fresh slice.
func (s BirthDateKey) Bytes() []byte { return s.v.bytes() }

// Reveal returns the value; call it only when the user asked to see it.
func (s BirthDateKey) Reveal() string { return s.v.reveal() }

// Matches compares data with the value in constant time (for equal lengths).
func (s BirthDateKey) Matches(data []byte) bool { return s.v.matches(data) }

// Equal reports in constant time whether s and o hold the same value.
func (s BirthDateKey) Equal(o BirthDateKey) bool { return s.v.equal(o.v) }

// IsZero reports whether s is unset.
func (s BirthDateKey) IsZero() bool { return s.v.n == 0 }

// String returns a redacted rendering, "birth-date key([redacted])".
func (s BirthDateKey) String() string { return redactedString(SecretBirthDateKey, s.v) }

// GoString returns a redacted Go-syntax rendering, for %#v.
func (s BirthDateKey) GoString() string { return redactedGoString(SecretBirthDateKey, s.v) }

// Format writes the redacted rendering whatever the verb and flags.
func (s BirthDateKey) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, SecretBirthDateKey, s.v)
}

// MarshalJSON returns "[redacted]" (or "" when unset), never the value.
func (s BirthDateKey) MarshalJSON() ([]byte, error) { return marshalRedactedJSON(s.v), nil }

// MarshalText returns [redacted] (or nothing when unset), never the value.
func (s BirthDateKey) MarshalText() ([]byte, error) { return marshalRedactedText(s.v), nil }

// LogValue makes slog print the redacted rendering.
func (s BirthDateKey) LogValue() slog.Value {
	return slog.StringValue(redactedString(SecretBirthDateKey, s.v))
}

var _ Secret = BirthDateKey{}

// AuthPIN is 利用者証明用暗証番号: the 4-digit JPKI authentication PIN (JPKI 0018).
// Its value never prints: use Reveal. The zero value is unset.
type AuthPIN struct{ v sealed }

// Kind returns SecretAuthPIN.
func (AuthPIN) Kind() SecretKind { return SecretAuthPIN }

// Bytes returns the exact VERIFY data (ASCII), a fresh slice.
func (s AuthPIN) Bytes() []byte { return s.v.bytes() }

// Reveal returns the value; call it only when the user asked to see it.
func (s AuthPIN) Reveal() string { return s.v.reveal() }

// Matches compares data with the value in constant time (for equal lengths).
func (s AuthPIN) Matches(data []byte) bool { return s.v.matches(data) }

// Equal reports in constant time whether s and o hold the same value.
func (s AuthPIN) Equal(o AuthPIN) bool { return s.v.equal(o.v) }

// IsZero reports whether s is unset.
func (s AuthPIN) IsZero() bool { return s.v.n == 0 }

// String returns a redacted rendering, "auth PIN([redacted])".
func (s AuthPIN) String() string { return redactedString(SecretAuthPIN, s.v) }

// GoString returns a redacted Go-syntax rendering, for %#v.
func (s AuthPIN) GoString() string { return redactedGoString(SecretAuthPIN, s.v) }

// Format writes the redacted rendering whatever the verb and flags.
func (s AuthPIN) Format(f fmt.State, verb rune) { formatRedacted(f, verb, SecretAuthPIN, s.v) }

// MarshalJSON returns "[redacted]" (or "" when unset), never the value.
func (s AuthPIN) MarshalJSON() ([]byte, error) { return marshalRedactedJSON(s.v), nil }

// MarshalText returns [redacted] (or nothing when unset), never the value.
func (s AuthPIN) MarshalText() ([]byte, error) { return marshalRedactedText(s.v), nil }

// LogValue makes slog print the redacted rendering.
func (s AuthPIN) LogValue() slog.Value { return slog.StringValue(redactedString(SecretAuthPIN, s.v)) }

var _ Secret = AuthPIN{}

// SignPassword is 署名用パスワード: the 6–16 character JPKI signature password (JPKI 001B), upper case.
// Its value never prints: use Reveal. The zero value is unset.
type SignPassword struct{ v sealed }

// Kind returns SecretSignPassword.
func (SignPassword) Kind() SecretKind { return SecretSignPassword }

// Bytes returns the exact VERIFY data (ASCII), a fresh slice.
func (s SignPassword) Bytes() []byte { return s.v.bytes() }

// Reveal returns the value; call it only when the user asked to see it.
func (s SignPassword) Reveal() string { return s.v.reveal() }

// Matches compares data with the value in constant time (for equal lengths).
func (s SignPassword) Matches(data []byte) bool { return s.v.matches(data) }

// Equal reports in constant time whether s and o hold the same value.
func (s SignPassword) Equal(o SignPassword) bool { return s.v.equal(o.v) }

// IsZero reports whether s is unset.
func (s SignPassword) IsZero() bool { return s.v.n == 0 }

// String returns a redacted rendering, "sign password([redacted])".
func (s SignPassword) String() string { return redactedString(SecretSignPassword, s.v) }

// GoString returns a redacted Go-syntax rendering, for %#v.
func (s SignPassword) GoString() string { return redactedGoString(SecretSignPassword, s.v) }

// Format writes the redacted rendering whatever the verb and flags.
func (s SignPassword) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, SecretSignPassword, s.v)
}

// MarshalJSON returns "[redacted]" (or "" when unset), never the value.
func (s SignPassword) MarshalJSON() ([]byte, error) { return marshalRedactedJSON(s.v), nil }

// MarshalText returns [redacted] (or nothing when unset), never the value.
func (s SignPassword) MarshalText() ([]byte, error) { return marshalRedactedText(s.v), nil }

// LogValue makes slog print the redacted rendering.
func (s SignPassword) LogValue() slog.Value {
	return slog.StringValue(redactedString(SecretSignPassword, s.v))
}

var _ Secret = SignPassword{}

// TextPIN is 券面事項入力補助用暗証番号: the 4-digit text AP PIN (text AP 0011).
// Its value never prints: use Reveal. The zero value is unset.
type TextPIN struct{ v sealed }

// Kind returns SecretTextPIN.
func (TextPIN) Kind() SecretKind { return SecretTextPIN }

// Bytes returns the exact VERIFY data (ASCII), a fresh slice.
func (s TextPIN) Bytes() []byte { return s.v.bytes() }

// Reveal returns the value; call it only when the user asked to see it.
func (s TextPIN) Reveal() string { return s.v.reveal() }

// Matches compares data with the value in constant time (for equal lengths).
func (s TextPIN) Matches(data []byte) bool { return s.v.matches(data) }

// Equal reports in constant time whether s and o hold the same value.
func (s TextPIN) Equal(o TextPIN) bool { return s.v.equal(o.v) }

// IsZero reports whether s is unset.
func (s TextPIN) IsZero() bool { return s.v.n == 0 }

// String returns a redacted rendering, "text PIN([redacted])".
func (s TextPIN) String() string { return redactedString(SecretTextPIN, s.v) }

// GoString returns a redacted Go-syntax rendering, for %#v.
func (s TextPIN) GoString() string { return redactedGoString(SecretTextPIN, s.v) }

// Format writes the redacted rendering whatever the verb and flags.
func (s TextPIN) Format(f fmt.State, verb rune) { formatRedacted(f, verb, SecretTextPIN, s.v) }

// MarshalJSON returns "[redacted]" (or "" when unset), never the value.
func (s TextPIN) MarshalJSON() ([]byte, error) { return marshalRedactedJSON(s.v), nil }

// MarshalText returns [redacted] (or nothing when unset), never the value.
func (s TextPIN) MarshalText() ([]byte, error) { return marshalRedactedText(s.v), nil }

// LogValue makes slog print the redacted rendering.
func (s TextPIN) LogValue() slog.Value { return slog.StringValue(redactedString(SecretTextPIN, s.v)) }

var _ Secret = TextPIN{}

// JukiPIN is 住民基本台帳用暗証番号: the 4-digit PIN of 001C in the common and juki APs.
// Its value never prints: use Reveal. The zero value is unset.
type JukiPIN struct{ v sealed }

// Kind returns SecretJukiPIN.
func (JukiPIN) Kind() SecretKind { return SecretJukiPIN }

// Bytes returns the exact VERIFY data (ASCII), a fresh slice.
func (s JukiPIN) Bytes() []byte { return s.v.bytes() }

// Reveal returns the value; call it only when the user asked to see it.
func (s JukiPIN) Reveal() string { return s.v.reveal() }

// Matches compares data with the value in constant time (for equal lengths).
func (s JukiPIN) Matches(data []byte) bool { return s.v.matches(data) }

// Equal reports in constant time whether s and o hold the same value.
func (s JukiPIN) Equal(o JukiPIN) bool { return s.v.equal(o.v) }

// IsZero reports whether s is unset.
func (s JukiPIN) IsZero() bool { return s.v.n == 0 }

// String returns a redacted rendering, "juki PIN([redacted])".
func (s JukiPIN) String() string { return redactedString(SecretJukiPIN, s.v) }

// GoString returns a redacted Go-syntax rendering, for %#v.
func (s JukiPIN) GoString() string { return redactedGoString(SecretJukiPIN, s.v) }

// Format writes the redacted rendering whatever the verb and flags.
func (s JukiPIN) Format(f fmt.State, verb rune) { formatRedacted(f, verb, SecretJukiPIN, s.v) }

// MarshalJSON returns "[redacted]" (or "" when unset), never the value.
func (s JukiPIN) MarshalJSON() ([]byte, error) { return marshalRedactedJSON(s.v), nil }

// MarshalText returns [redacted] (or nothing when unset), never the value.
func (s JukiPIN) MarshalText() ([]byte, error) { return marshalRedactedText(s.v), nil }

// LogValue makes slog print the redacted rendering.
func (s JukiPIN) LogValue() slog.Value { return slog.StringValue(redactedString(SecretJukiPIN, s.v)) }

var _ Secret = JukiPIN{}
