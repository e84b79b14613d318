package myna

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Profile is one synthetic person's card personalization, loaded by LoadProfile. It prints
// only its ID: fmt, JSON and slog never show its secrets or personal data. (fmt cannot call
// Format on a value it reaches through an unexported struct field: hold a *Profile there, which
// %v prints as an address; the secrets themselves are masked in memory and safe even then.)
type Profile struct {
	ID          string // e.g. "p01-showa"
	Description string // free text
	Path        string // the profile file as given to LoadProfile (or LoadProfileFS, in FS)
	FS          fs.FS  // the file system Path is in (LoadProfileFS); nil: the operating system's

	Person      Person      // the holder's personal data
	Card        Card        // expiry, security code, serial, interface and ATRs
	Images      Images      // the image files, loaded
	RetryLimits RetryLimits // tries of each key reference
	Behaviour   Behaviour   // answers where the public record is silent
	// EFSizes holds the physical size in bytes of the EFs the profile sets; the rest take the
	// size of their content.
	EFSizes map[EFRef]int
	// Licence is the driving-licence application's data (myna/licence.go), nil when the holder
	// linked none.
	Licence *Licence
	// Generation is the card generation the profile models ("generation"); zero is today's.
	Generation Generation

	secrets profileSecrets
	keys    map[string]*rsa.PrivateKey
}

type profileSecrets struct {
	checkA CheckCodeA
	checkB CheckCodeB
	birth  BirthDateKey
	text   TextPIN
	auth   AuthPIN
	sign   SignPassword
	juki   JukiPIN
}

// CheckCodeA returns 照合番号A, the individual number.
func (p *Profile) CheckCodeA() CheckCodeA { return p.secrets.checkA }

// CheckCodeB returns 照合番号B, derived from the birth date, date form, expiry year and security
// code.
func (p *Profile) CheckCodeB() CheckCodeB { return p.secrets.checkB }

// BirthDateKey returns the card-surface AP's birth-date key, check code B's first six digits.
func (p *Profile) BirthDateKey() BirthDateKey { return p.secrets.birth }

// TextPIN returns the text AP PIN.
func (p *Profile) TextPIN() TextPIN { return p.secrets.text }

// AuthPIN returns the JPKI authentication PIN.
func (p *Profile) AuthPIN() AuthPIN { return p.secrets.auth }

// SignPassword returns the JPKI signature password.
func (p *Profile) SignPassword() SignPassword { return p.secrets.sign }

// JukiPIN returns the PIN of 001C in the common and juki APs.
func (p *Profile) JukiPIN() JukiPIN { return p.secrets.juki }

// Secret returns the profile's secret of kind k, or nil for an unknown kind.
func (p *Profile) Secret(k SecretKind) Secret {
	switch k {
	case SecretCheckCodeA:
		return p.secrets.checkA
	case SecretCheckCodeB:
		return p.secrets.checkB
	case SecretBirthDateKey:
		return p.secrets.birth
	case SecretAuthPIN:
		return p.secrets.auth
	case SecretSignPassword:
		return p.secrets.sign
	case SecretTextPIN:
		return p.secrets.text
	case SecretJukiPIN:
		return p.secrets.juki
	case SecretLicencePIN:
		if p.Licence != nil {
			return p.Licence.pin
		}
	}
	return nil
}

// Key returns the private key of a role from the per-card or the set-level key file.
func (p *Profile) Key(role string) (*rsa.PrivateKey, bool) {
	k, ok := p.keys[role]
	return k, ok
}

// EFSize returns the physical size the profile sets for an EF; ok is false when it sets none.
func (p *Profile) EFSize(app App, id FileID) (int, bool) {
	n, ok := p.EFSizes[EFRef{App: app, ID: id}]
	return n, ok
}

// Sex is the holder's sex as the card encodes it (JIS X 0303 / ISO/IEC 5218), one ASCII digit.
type Sex uint8

// The four codes; the zero value is SexNotKnown ("0").
const (
	SexNotKnown      Sex = 0 // "0"
	SexMale          Sex = 1 // "1"
	SexFemale        Sex = 2 // "2"
	SexNotApplicable Sex = 9 // "9"
)

// ParseSex accepts "0", "1", "2" or "9".
func ParseSex(s string) (Sex, error) {
	switch s {
	case "0", "1", "2", "9":
		return Sex(s[0] - '0'), nil
	}
	return 0, errors.New(`must be "1", "2", "9" or "0"`)
}

// Digit returns the ASCII digit stored on the card ('0', '1', '2' or '9').
func (s Sex) Digit() byte { return '0' + byte(s) }

// String returns "not known", "male", "female" or "not applicable".
func (s Sex) String() string {
	switch s {
	case SexNotKnown:
		return "not known"
	case SexMale:
		return "male"
	case SexFemale:
		return "female"
	case SexNotApplicable:
		return "not applicable"
	}
	return "Sex(" + strconv.Itoa(int(s)) + ")"
}

// Person is the holder's personal data. It prints redacted (%v, JSON, slog); read the fields.
type Person struct {
	Name             string     // as printed; family and given name separated by U+3000
	Address          string     // as printed; block numbers in full-width digits
	BirthDate        time.Time  // Gregorian, UTC midnight
	DateForm         DateForm   // how the card prints the birth date (era or Western)
	Sex              Sex        // JIS X 0303 code
	IndividualNumber CheckCodeA // 個人番号, also check code A
	MunicipalityCode string     // 5 digits (全国地方公共団体コード without check digit)
}

// BirthDateDigits returns the birth date as the card stores it, "YYYYMMDD" Gregorian.
func (p Person) BirthDateDigits() string { return p.BirthDate.Format("20060102") }

// BirthDateEra returns the birth date in the era calendar.
func (p Person) BirthDateEra() (EraDate, error) { return ToEra(p.BirthDate) }

// Interface is the card interface the emulator presents.
type Interface uint8

// The two interfaces; the zero value is InterfaceContact.
const (
	InterfaceContact     Interface = iota // ISO/IEC 7816 contact
	InterfaceContactless                  // ISO/IEC 14443 type B
)

// String returns "contact" or "contactless".
func (i Interface) String() string {
	switch i {
	case InterfaceContact:
		return "contact"
	case InterfaceContactless:
		return "contactless"
	}
	return "Interface(" + strconv.Itoa(int(i)) + ")"
}

// Card is what the card itself carries beyond the person. It prints redacted (the security code
// is part of check code B).
type Card struct {
	Expiry         time.Time // UTC midnight
	SecurityCode   string    // 4 digits printed under the photo
	Serial         string    // 15 digits (共通AP 0001)
	Interface      Interface // which interface the emulator presents (and so which ATR)
	ATRContact     []byte    // ATR on the contact interface
	ATRContactless []byte    // ATR as PC/SC synthesises it on the contactless interface
	// Form is what carries the applications ("card.form"): the card itself, a phone's JPKI-only
	// token, or a card with no My Number application; the zero value is FormCard.
	Form Form
}

// ATR returns the ATR of the card's interface.
func (c Card) ATR() []byte {
	if c.Interface == InterfaceContactless {
		return slices.Clone(c.ATRContactless)
	}
	return slices.Clone(c.ATRContact)
}

// ExpiryDigits returns the expiry date as the card stores it, "YYYYMMDD".
func (c Card) ExpiryDigits() string { return c.Expiry.Format("20060102") }

// Images holds the profile's image files: a JPEG 2000 (JP2) face photo and 1-bit PNGs of the
// name, address, security code and individual number. It prints only their sizes.
type Images struct {
	Face         []byte // JP2, card-surface DF27
	Name         []byte // PNG, card-surface DF25
	Address      []byte // PNG, card-surface DF26
	SecurityCode []byte // PNG, card-surface DF2A
	Number       []byte // PNG 72×12, card-surface EF 0005 DF41
}

// RetryLimits is the number of tries of each key reference (1–15).
type RetryLimits struct {
	CheckCodeA   int
	CheckCodeB   int
	BirthDateKey int
	TextPIN      int
	AuthPIN      int
	SignPassword int
	JukiPIN      int
}

// DefaultRetryLimits returns taimen's defaults: 10 for the check codes and the birth-date key
// (each AP's counter independent), 3 for the PINs, 5 for the sign password.
func DefaultRetryLimits() RetryLimits {
	return RetryLimits{
		CheckCodeA:   SecretCheckCodeA.DefaultRetryLimit(),
		CheckCodeB:   SecretCheckCodeB.DefaultRetryLimit(),
		BirthDateKey: SecretBirthDateKey.DefaultRetryLimit(),
		TextPIN:      SecretTextPIN.DefaultRetryLimit(),
		AuthPIN:      SecretAuthPIN.DefaultRetryLimit(),
		SignPassword: SecretSignPassword.DefaultRetryLimit(),
		JukiPIN:      SecretJukiPIN.DefaultRetryLimit(),
	}
}

// retryLimitFields names each limit as profile.json's retry_limits object and
// ParseRetryLimits spell it, in RetryLimits' order.
var retryLimitFields = []struct {
	name string
	of   func(*RetryLimits) *int
}{
	{"check_code_a", func(r *RetryLimits) *int { return &r.CheckCodeA }},
	{"check_code_b", func(r *RetryLimits) *int { return &r.CheckCodeB }},
	{"birth_date_key", func(r *RetryLimits) *int { return &r.BirthDateKey }},
	{"text_pin", func(r *RetryLimits) *int { return &r.TextPIN }},
	{"auth_pin", func(r *RetryLimits) *int { return &r.AuthPIN }},
	{"sign_password", func(r *RetryLimits) *int { return &r.SignPassword }},
	{"juki_pin", func(r *RetryLimits) *int { return &r.JukiPIN }},
}

// field returns the limit called name (retryLimitFields), or nil.
func (r *RetryLimits) field(name string) *int {
	for _, f := range retryLimitFields {
		if f.name == name {
			return f.of(r)
		}
	}
	return nil
}

// retryLimitNames lists the names of retryLimitFields, for errors.
func retryLimitNames() string {
	names := make([]string, len(retryLimitFields))
	for i, f := range retryLimitFields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// validRetryLimit is the range of a 63Cx counter a profile or --retry-limits may set.
func validRetryLimit(n int) bool { return n >= 1 && n <= 15 }

// ParseRetryLimits reads "name=N,name=N" (the names of profile.json's retry_limits:
// check_code_b=10,text_pin=3) over taimen's defaults: the limits a physical card is held to.
func ParseRetryLimits(s string) (RetryLimits, error) {
	r := DefaultRetryLimits()
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if !ok || err != nil || !validRetryLimit(n) {
			return RetryLimits{}, fmt.Errorf("retry limit %q: want name=N with N 1-15", part)
		}
		dst := r.field(strings.TrimSpace(name))
		if dst == nil {
			return RetryLimits{}, fmt.Errorf("retry limit %q: unknown key %q (known: %s)", part, name, retryLimitNames())
		}
		*dst = n
	}
	return r, nil
}

// String writes r as ParseRetryLimits reads it.
func (r RetryLimits) String() string {
	var parts []string
	for _, f := range retryLimitFields {
		parts = append(parts, fmt.Sprintf("%s=%d", f.name, *f.of(&r)))
	}
	return strings.Join(parts, ",")
}

// For returns the limit of kind k, or 0 for an unknown kind (e.g. EF.Secret of TextBlockedRef).
func (r RetryLimits) For(k SecretKind) int {
	switch k {
	case SecretCheckCodeA:
		return r.CheckCodeA
	case SecretCheckCodeB:
		return r.CheckCodeB
	case SecretBirthDateKey:
		return r.BirthDateKey
	case SecretTextPIN:
		return r.TextPIN
	case SecretAuthPIN:
		return r.AuthPIN
	case SecretSignPassword:
		return r.SignPassword
	case SecretJukiPIN:
		return r.JukiPIN
	case SecretLicencePIN:
		return k.DefaultRetryLimit() // 10, attested (63CA); not a profile setting
	}
	return 0
}

// WrongLengthVerify says what VERIFY does with a value of the wrong length.
type WrongLengthVerify uint8

// The two choices; the zero value is WrongLengthCounts (taimen's default).
const (
	// WrongLengthCounts treats it as a wrong value: a try is spent, 63Cx. Profile value "count".
	WrongLengthCounts WrongLengthVerify = iota
	// WrongLengthRejects answers 6700 without spending a try. Profile value "6700".
	WrongLengthRejects
)

// String returns the profile value, "count" or "6700".
func (w WrongLengthVerify) String() string {
	if w == WrongLengthRejects {
		return "6700"
	}
	return "count"
}

// FCIMode says what SELECT by DF name with P2=00 (FCI requested) returns.
type FCIMode uint8

// The choices; the zero value is FCIEmpty (taimen's default).
const (
	// FCIEmpty answers 9000 with no data. Profile value "empty".
	FCIEmpty FCIMode = iota
)

// String returns the profile value, "empty".
func (m FCIMode) String() string { return "empty" }

// Behaviour holds the answers the public record does not settle (CARD.md "taimen's defaults").
// Status words are SW1<<8|SW2; convert with apdu.StatusWord.
type Behaviour struct {
	BlockedStatusQuery   uint16            // empty VERIFY on a blocked key: 0x63C0 (default) or 0x6984
	ProtectedRead        uint16            // READ BINARY without the credential: 0x6982
	WrongLengthVerify    WrongLengthVerify // VERIFY with a wrong-length value
	OffsetBeyondEnd      uint16            // READ BINARY at or past the end: 0x6B00 (default) or 0x6282
	ReselectSameAPClears bool              // re-SELECT of the current AP clears the verified status (default true)
	WrongCodeClears      bool              // a wrong value for a key clears what that key's right value opened (default true)
	FCIOnP2_00           FCIMode           // SELECT by DF name with P2=00
	Filler               byte              // filler after each TLV up to the physical EF size (default 0xFF)
	ExtendedLength       bool              // accept extended Lc/Le; false answers 6700 to extended APDUs (default true)
	Licence              LicenceBehaviour  // the driving-licence application's open choices (myna/licence.go)

	// PlainLatencyMS is the card's median latency for a plain command (SELECT, empty VERIFY) in
	// milliseconds, as `taimen discover` measured it (1–MaxPlainLatencyMS); 0, the default, means
	// none was discovered and CARD.md §6's bounds apply. On a physical card the timing area bounds
	// such commands by it (suites/timing: max(4·L, L + 50 ms), at most 1 s); an emulated card's
	// profile may declare it, but the emulator neither adds it nor is timed by it.
	PlainLatencyMS int
}

// MaxPlainLatencyMS is the largest behaviour.plain_latency_ms a profile may give: a minute, far
// past CARD.md §6's longest frame waiting time (FWI 13, about 2.5 s).
const MaxPlainLatencyMS = 60000

// DefaultBehaviour returns taimen's defaults.
func DefaultBehaviour() Behaviour {
	return Behaviour{
		BlockedStatusQuery:   0x63C0,
		ProtectedRead:        0x6982,
		WrongLengthVerify:    WrongLengthCounts,
		OffsetBeyondEnd:      0x6B00,
		ReselectSameAPClears: true,
		WrongCodeClears:      true,
		FCIOnP2_00:           FCIEmpty,
		Filler:               0xFF,
		ExtendedLength:       true,
	}
}
