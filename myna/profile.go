package myna

import (
	"bytes"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/taimen-dev/taimen/internal/readfile"
)

// ProfileSchema is the value of the "schema" field of a version-1 profile file.
const ProfileSchema = "taimen.profile/v1"

// DefaultCAKeys is where the set-level key file is, relative to the profile file, when
// "ca_keys" is absent.
const DefaultCAKeys = "../testca/keys.pem"

// DefaultCardKeys is where the per-card key file is, relative to the profile file, when "keys"
// is absent.
const DefaultCardKeys = "keys.pem"

// Profile is one synthetic person's card personalization, loaded by LoadProfile. It prints
// only its ID: fmt, JSON and slog never show its secrets or personal data. (fmt cannot call
// Format on a value it reaches through an unexported struct field: hold a *Profile there, which
// %v prints as an address; the secrets themselves are masked in memory and safe even then.)
type Profile struct {
	ID          string // e.g. "p01-showa"
	Description string // free text
	Path        string // the profile file as given to LoadProfile

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

// String returns "profile(<id>)".
func (p Profile) String() string { return "profile(" + p.ID + ")" }

// GoString returns a Go-syntax rendering with only the ID, for %#v.
func (p Profile) GoString() string { return "myna.Profile{ID: " + strconv.Quote(p.ID) + "}" }

// Format writes only the ID whatever the verb, so that %v and %+v never show personal data.
func (p Profile) Format(f fmt.State, verb rune) { formatOnly(f, verb, p.String(), p.GoString()) }

// MarshalJSON returns {"id": …} only.
func (p Profile) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID string `json:"id"`
	}{p.ID})
}

// LogValue makes slog print only the ID.
func (p Profile) LogValue() slog.Value { return slog.GroupValue(slog.String("id", p.ID)) }

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

// String returns "person([redacted])".
func (p Person) String() string { return "person(" + Redacted + ")" }

// GoString returns "myna.Person{[redacted]}".
func (p Person) GoString() string { return "myna.Person{" + Redacted + "}" }

// Format writes the redacted rendering whatever the verb.
func (p Person) Format(f fmt.State, verb rune) { formatOnly(f, verb, p.String(), p.GoString()) }

// MarshalJSON returns "[redacted]".
func (p Person) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// LogValue makes slog print "[redacted]".
func (p Person) LogValue() slog.Value { return slog.StringValue(Redacted) }

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

// String returns "card([redacted])".
func (c Card) String() string { return "card(" + Redacted + ")" }

// GoString returns "myna.Card{[redacted]}".
func (c Card) GoString() string { return "myna.Card{" + Redacted + "}" }

// Format writes the redacted rendering whatever the verb.
func (c Card) Format(f fmt.State, verb rune) { formatOnly(f, verb, c.String(), c.GoString()) }

// MarshalJSON returns "[redacted]".
func (c Card) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// LogValue makes slog print "[redacted]".
func (c Card) LogValue() slog.Value { return slog.StringValue(Redacted) }

// Images holds the profile's image files: a JPEG 2000 (JP2) face photo and 1-bit PNGs of the
// name, address, security code and individual number. It prints only their sizes.
type Images struct {
	Face         []byte // JP2, card-surface DF27
	Name         []byte // PNG, card-surface DF25
	Address      []byte // PNG, card-surface DF26
	SecurityCode []byte // PNG, card-surface DF2A
	Number       []byte // PNG 72×12, card-surface EF 0005 DF41
}

// String returns the image sizes only, e.g. "images(face 4096 B, name 310 B, …)".
func (im Images) String() string {
	return fmt.Sprintf("images(face %d B, name %d B, address %d B, security code %d B, number %d B)",
		len(im.Face), len(im.Name), len(im.Address), len(im.SecurityCode), len(im.Number))
}

// GoString returns the same as String, for %#v.
func (im Images) GoString() string { return im.String() }

// Format writes the sizes only, whatever the verb.
func (im Images) Format(f fmt.State, verb rune) { formatOnly(f, verb, im.String(), im.GoString()) }

// MarshalJSON returns "[redacted]".
func (im Images) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// LogValue makes slog print the sizes only.
func (im Images) LogValue() slog.Value { return slog.StringValue(im.String()) }

func formatOnly(f fmt.State, verb rune, s, gs string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, gs)
	case verb == 'q':
		io.WriteString(f, strconv.Quote(s))
	default:
		io.WriteString(f, s)
	}
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
}

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

// MaxProfileFile bounds every file a profile reads (the profile, its images
// and key files): none comes near it, and a path to a device or a huge file
// is refused instead of read.
const MaxProfileFile = 1 << 20

// ProfileError is one problem with a profile file. It names the field and the rule, never a
// secret or personal value.
type ProfileError struct {
	Profile string // the profile ID, or the file path when the ID is not known
	Field   string // JSON path of the field, e.g. "person.birth_date"; "" for the file as a whole
	Err     error
}

// Error returns e.g. "profile p01-showa: person.birth_date: must be a date YYYY-MM-DD".
func (e *ProfileError) Error() string {
	if e.Field == "" {
		return "profile " + e.Profile + ": " + e.Err.Error()
	}
	return "profile " + e.Profile + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ProfileError) Unwrap() error { return e.Err }

// The file format. Pointers tell absent fields from zero values.
type profileFile struct {
	Schema      *string                    `json:"schema"`
	ID          *string                    `json:"id"`
	Description string                     `json:"description"`
	Person      *personFile                `json:"person"`
	Card        *cardFile                  `json:"card"`
	Secrets     *secretsFile               `json:"secrets"`
	Images      *imagesFile                `json:"images"`
	Keys        *string                    `json:"keys"`
	CAKeys      *string                    `json:"ca_keys"`
	RetryLimits map[string]json.RawMessage `json:"retry_limits"` // names: retryLimitFields
	Behaviour   *behaviourFile             `json:"behaviour"`
	EFSizes     map[string]int             `json:"ef_sizes"`
	Licence     *licenceFile               `json:"licence"` // myna/licence.go
}

type personFile struct {
	Name             *string `json:"name"`
	Address          *string `json:"address"`
	BirthDate        *string `json:"birth_date"`
	DateForm         *string `json:"date_form"`
	Sex              *string `json:"sex"`
	IndividualNumber *string `json:"individual_number"`
	MunicipalityCode *string `json:"municipality_code"`
}

type cardFile struct {
	Expiry         *string `json:"expiry"`
	SecurityCode   *string `json:"security_code"`
	Serial         *string `json:"serial"`
	Interface      *string `json:"interface"`
	ATRContact     *string `json:"atr_contact"`
	ATRContactless *string `json:"atr_contactless"`
	Form           *string `json:"form"`
}

type secretsFile struct {
	TextPIN      *string `json:"text_pin"`
	AuthPIN      *string `json:"auth_pin"`
	SignPassword *string `json:"sign_password"`
	JukiPIN      *string `json:"juki_pin"`
}

type imagesFile struct {
	Face         *string `json:"face"`
	Name         *string `json:"name"`
	Address      *string `json:"address"`
	SecurityCode *string `json:"security_code"`
	Number       *string `json:"number"`
}

type behaviourFile struct {
	BlockedStatusQuery   *string         `json:"blocked_status_query"`
	ProtectedRead        *string         `json:"protected_read"`
	WrongLengthVerify    *string         `json:"wrong_length_verify"`
	OffsetBeyondEnd      *string         `json:"offset_beyond_end"`
	ReselectSameAPClears *bool           `json:"reselect_same_ap_clears"`
	WrongCodeClears      *bool           `json:"wrong_code_clears"`
	FCIOnP2_00           *string         `json:"fci_on_p2_00"`
	Filler               json.RawMessage `json:"filler"`
	ExtendedLength       *bool           `json:"extended_length"`

	Licence *licenceBehaviourFile `json:"licence"` // myna/licence.go
}

// Signatures the image files must start with.
var (
	jp2Signature = []byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}
	pngSignature = []byte{0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A}
)

// maxImageSize bounds one image: every image sits inside a TLV whose length is at most 82 FF FF.
const maxImageSize = 0xFFFF

var profileIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// LoadProfile reads, validates and loads a profile file with its images and keys. Relative
// paths in the file are relative to the file's directory. Every problem found is reported, as
// *ProfileError values joined with errors.Join; none includes a secret or personal value.
func LoadProfile(path string) (*Profile, error) {
	return loadProfile(path, readProfileFile)
}

// readProfileFile reads a file a profile names: a regular file of at most MaxProfileFile bytes.
func readProfileFile(path string) ([]byte, error) { return readfile.Regular(path, MaxProfileFile) }

// loadProfile is LoadProfile reading every file (the profile, its images and keys) with read;
// FuzzLoadProfile serves them from memory.
func loadProfile(path string, read func(path string) ([]byte, error)) (*Profile, error) {
	data, err := read(path)
	if err != nil {
		return nil, &ProfileError{Profile: path, Err: err}
	}
	var f profileFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(&f)
	name := path
	if f.ID != nil && profileIDPattern.MatchString(*f.ID) {
		name = *f.ID // decoding goes on past type errors and unknown fields
	}
	if err != nil {
		field, reason := jsonProblem(err)
		return nil, &ProfileError{Profile: name, Field: field, Err: reason}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ProfileError{Profile: name, Err: errors.New("trailing data after the JSON object")}
	}

	v := &validator{name: name, read: read}
	p := &Profile{Path: path, Description: f.Description}
	dir := filepath.Dir(path)

	switch {
	case f.Schema == nil:
		v.fail("schema", "missing; want %q", ProfileSchema)
	case *f.Schema != ProfileSchema:
		v.fail("schema", "unsupported %q; want %q", *f.Schema, ProfileSchema)
	}
	switch {
	case f.ID == nil:
		v.fail("id", "missing")
	case !profileIDPattern.MatchString(*f.ID):
		v.fail("id", "must be 1-64 characters of a-z, 0-9 and '-', starting with a letter or digit")
	default:
		p.ID = *f.ID
	}

	v.person(p, f.Person)
	v.card(p, f.Card)
	v.secrets(p, f.Secrets)
	v.derive(p)
	v.retryLimits(p, f.RetryLimits)
	v.behaviour(p, f.Behaviour)
	v.efSizes(p, f.EFSizes)
	v.formImages(p, f.Images, dir) // myna/token.go
	v.keys(p, f.Keys, f.CAKeys, dir)
	v.licence(p, f.Licence, dir)

	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	return p, nil
}

// jsonProblem turns a decoding error into a field and a reason that never quote a value.
func jsonProblem(err error) (field string, reason error) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "", fmt.Errorf("invalid JSON at byte offset %d", se.Offset)
	case errors.As(err, &te):
		want := te.Type.String()
		want = strings.TrimPrefix(want, "*")
		switch want {
		case "string":
			want = "a JSON string"
		case "int":
			want = "an integer"
		case "bool":
			want = "true or false"
		default:
			want = "a JSON object"
		}
		return te.Field, fmt.Errorf("wrong type: want %s", want)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "", errors.New("truncated or empty JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "", errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return "", errors.New("invalid JSON")
}

type validator struct {
	name string
	read func(path string) ([]byte, error) // readProfileFile, or memory in the fuzz test
	errs []error
}

func (v *validator) fail(field, format string, args ...any) {
	v.errs = append(v.errs, &ProfileError{Profile: v.name, Field: field, Err: fmt.Errorf(format, args...)})
}

func (v *validator) failErr(field string, err error) {
	v.errs = append(v.errs, &ProfileError{Profile: v.name, Field: field, Err: err})
}

// formReason returns a FormError's reason alone (the field name already says which secret).
func formReason(err error) error {
	var fe *FormError
	if errors.As(err, &fe) {
		return errors.New(fe.Reason)
	}
	return err
}

func (v *validator) text(field string, s *string) string {
	switch {
	case s == nil:
		v.fail(field, "missing")
	case *s == "":
		v.fail(field, "must not be empty")
	case !utf8.ValidString(*s):
		v.fail(field, "must be valid UTF-8")
	case len(*s) > 1000:
		v.fail(field, "must be at most 1000 bytes, got %d", len(*s))
	case strings.ContainsFunc(*s, unicode.IsControl):
		v.fail(field, "must not contain control characters")
	default:
		return *s
	}
	return ""
}

func (v *validator) date(field string, s *string) time.Time {
	if s == nil {
		v.fail(field, "missing")
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, *s)
	if err != nil || len(*s) != len(time.DateOnly) {
		v.fail(field, "must be a date YYYY-MM-DD")
		return time.Time{}
	}
	return t
}

func (v *validator) digits(field string, s *string, n int) string {
	if s == nil {
		v.fail(field, "missing")
		return ""
	}
	if len(*s) != n || strings.ContainsFunc(*s, func(r rune) bool { return r < '0' || r > '9' }) {
		v.fail(field, "must be %d digits 0-9", n)
		return ""
	}
	return *s
}

func (v *validator) person(p *Profile, f *personFile) {
	if f == nil {
		v.fail("person", "missing")
		return
	}
	pp := &p.Person
	pp.Name = v.text("person.name", f.Name)
	pp.Address = v.text("person.address", f.Address)
	pp.BirthDate = v.date("person.birth_date", f.BirthDate)
	if !pp.BirthDate.IsZero() && pp.BirthDate.Before(gregorianStart) {
		v.fail("person.birth_date", "must be on or after 1873-01-01 (earlier dates use the lunisolar calendar)")
		pp.BirthDate = time.Time{}
	}
	if f.DateForm != nil {
		df, err := ParseDateForm(*f.DateForm)
		if err != nil {
			v.fail("person.date_form", `must be "era" or "western"`)
		}
		pp.DateForm = df
	}
	if f.Sex == nil {
		v.fail("person.sex", "missing")
	} else if sx, err := ParseSex(*f.Sex); err != nil {
		v.failErr("person.sex", err)
	} else {
		pp.Sex = sx
	}
	if f.IndividualNumber == nil {
		v.fail("person.individual_number", "missing")
	} else if a, err := ParseCheckCodeA(*f.IndividualNumber); err != nil {
		v.failErr("person.individual_number", formReason(err))
	} else {
		pp.IndividualNumber = a
		p.secrets.checkA = a
	}
	pp.MunicipalityCode = v.digits("person.municipality_code", f.MunicipalityCode, 5)
}

func (v *validator) card(p *Profile, f *cardFile) {
	if f == nil {
		v.fail("card", "missing")
		return
	}
	c := &p.Card
	c.Expiry = v.date("card.expiry", f.Expiry)
	if !c.Expiry.IsZero() {
		if y := c.Expiry.Year(); y < minExpiryYear || y > maxExpiryYear {
			v.fail("card.expiry", "year must be %d-%d", minExpiryYear, maxExpiryYear)
			c.Expiry = time.Time{}
		} else if !p.Person.BirthDate.IsZero() && !c.Expiry.After(p.Person.BirthDate) {
			v.fail("card.expiry", "must be after person.birth_date")
		}
	}
	c.SecurityCode = v.digits("card.security_code", f.SecurityCode, 4)
	c.Serial = v.digits("card.serial", f.Serial, 15)
	if f.Interface != nil {
		switch *f.Interface {
		case "contact":
			c.Interface = InterfaceContact
		case "contactless":
			c.Interface = InterfaceContactless
		default:
			v.fail("card.interface", `must be "contact" or "contactless"`)
		}
	}
	c.ATRContact = v.atr("card.atr_contact", f.ATRContact, defaultATRContact)
	c.ATRContactless = v.atr("card.atr_contactless", f.ATRContactless, defaultATRContactless)
	if f.Form != nil {
		form, err := ParseForm(*f.Form)
		if err != nil {
			v.failErr("card.form", err)
		}
		c.Form = form
	}
}

func (v *validator) atr(field string, s *string, def []byte) []byte {
	if s == nil {
		return slices.Clone(def)
	}
	b, err := hex.DecodeString(strings.ReplaceAll(*s, " ", ""))
	if err != nil {
		v.fail(field, "must be hex digits")
		return nil
	}
	if err := CheckATR(b); err != nil {
		v.failErr(field, err)
		return nil
	}
	return b
}

func (v *validator) secrets(p *Profile, f *secretsFile) {
	if f == nil {
		v.fail("secrets", "missing")
		return
	}
	parse := func(field string, s *string, k SecretKind) Secret {
		if s == nil {
			v.fail(field, "missing")
			return nil
		}
		sec, err := k.Parse(*s)
		if err != nil {
			v.failErr(field, formReason(err))
			return nil
		}
		return sec
	}
	if s := parse("secrets.text_pin", f.TextPIN, SecretTextPIN); s != nil {
		p.secrets.text = s.(TextPIN)
	}
	if s := parse("secrets.auth_pin", f.AuthPIN, SecretAuthPIN); s != nil {
		p.secrets.auth = s.(AuthPIN)
	}
	if s := parse("secrets.sign_password", f.SignPassword, SecretSignPassword); s != nil {
		p.secrets.sign = s.(SignPassword)
	}
	if s := parse("secrets.juki_pin", f.JukiPIN, SecretJukiPIN); s != nil {
		p.secrets.juki = s.(JukiPIN)
	}
}

// derive builds check code B and the birth-date key once their parts are valid.
func (v *validator) derive(p *Profile) {
	if p.Person.BirthDate.IsZero() || p.Card.Expiry.IsZero() || p.Card.SecurityCode == "" {
		return
	}
	b, err := NewCheckCodeB(p.Person.BirthDate, p.Person.DateForm, p.Card.Expiry.Year(), p.Card.SecurityCode)
	if err != nil {
		v.failErr("person.birth_date", formReason(err))
		return
	}
	p.secrets.checkB = b
	p.secrets.birth = b.BirthDateKey()
}

func (v *validator) retryLimits(p *Profile, f map[string]json.RawMessage) {
	p.RetryLimits = DefaultRetryLimits()
	if f == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(f)) {
		dst := p.RetryLimits.field(name)
		var n int
		switch {
		case dst == nil:
			v.fail("retry_limits."+name, "unknown key; want one of %s", retryLimitNames())
		case json.Unmarshal(f[name], &n) != nil:
			v.fail("retry_limits."+name, "wrong type: want an integer")
		case !validRetryLimit(n):
			v.fail("retry_limits."+name, "must be 1-15, got %d", n)
		default:
			*dst = n
		}
	}
}

func (v *validator) behaviour(p *Profile, f *behaviourFile) {
	p.Behaviour = DefaultBehaviour()
	if f == nil {
		return
	}
	b := &p.Behaviour
	sw := func(field string, s *string, dst *uint16, allowed ...uint16) {
		if s == nil {
			return
		}
		n, err := strconv.ParseUint(*s, 16, 16)
		if err != nil || len(*s) != 4 || !slices.Contains(allowed, uint16(n)) {
			want := make([]string, len(allowed))
			for i, a := range allowed {
				want[i] = fmt.Sprintf("%q", fmt.Sprintf("%04X", a))
			}
			v.fail("behaviour."+field, "must be %s", strings.Join(want, " or "))
			return
		}
		*dst = uint16(n)
	}
	sw("blocked_status_query", f.BlockedStatusQuery, &b.BlockedStatusQuery, 0x63C0, 0x6984)
	sw("protected_read", f.ProtectedRead, &b.ProtectedRead, 0x6982)
	sw("offset_beyond_end", f.OffsetBeyondEnd, &b.OffsetBeyondEnd, 0x6B00, 0x6282)
	if f.WrongLengthVerify != nil {
		switch *f.WrongLengthVerify {
		case "count":
			b.WrongLengthVerify = WrongLengthCounts
		case "6700":
			b.WrongLengthVerify = WrongLengthRejects
		default:
			v.fail("behaviour.wrong_length_verify", `must be "count" or "6700"`)
		}
	}
	if f.ReselectSameAPClears != nil {
		b.ReselectSameAPClears = *f.ReselectSameAPClears
	}
	if f.WrongCodeClears != nil {
		b.WrongCodeClears = *f.WrongCodeClears
	}
	if f.FCIOnP2_00 != nil && *f.FCIOnP2_00 != "empty" {
		v.fail("behaviour.fci_on_p2_00", `must be "empty"`)
	}
	if len(f.Filler) > 0 {
		if fb, ok := parseFiller(f.Filler); ok {
			b.Filler = fb
		} else {
			v.fail("behaviour.filler", `must be one byte: 2 hex digits such as "FF", or an integer 0-255`)
		}
	}
	if f.ExtendedLength != nil {
		b.ExtendedLength = *f.ExtendedLength
	}
	v.licenceBehaviour(b, f.Licence)
}

func parseFiller(raw json.RawMessage) (byte, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
		if len(s) != 2 {
			return 0, false
		}
		n, err := strconv.ParseUint(s, 16, 8)
		return byte(n), err == nil
	}
	var n int
	if json.Unmarshal(raw, &n) == nil && n >= 0 && n <= 255 {
		return byte(n), true
	}
	return 0, false
}

func (v *validator) efSizes(p *Profile, m map[string]int) {
	if len(m) == 0 {
		return
	}
	p.EFSizes = make(map[EFRef]int, len(m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		field := "ef_sizes." + k
		ref, err := ParseEFRef(k)
		if err != nil {
			v.fail(field, "%s", reasonOf(err))
			continue
		}
		if ef, _ := LookupEF(ref.App, ref.ID); ef.Kind != EFTransparent {
			v.fail(field, "EF %s is a %s EF; only transparent EFs have a size", ref, ef.Kind)
			continue
		}
		if n := m[k]; n < 1 || n > 0xFFFF {
			v.fail(field, "must be 1-65535 bytes, got %d", n)
			continue
		}
		p.EFSizes[ref] = m[k]
	}
}

// resolve returns a profile-relative path as a path usable with os, or "" after reporting why
// it is not acceptable.
func (v *validator) resolve(field, rel, dir string) string {
	if rel == "" {
		v.fail(field, "must not be empty")
		return ""
	}
	if filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") {
		v.fail(field, "must be a path relative to the profile file")
		return ""
	}
	return filepath.Join(dir, filepath.FromSlash(rel))
}

func (v *validator) images(p *Profile, f *imagesFile, dir string) {
	if f == nil {
		v.fail("images", "missing")
		return
	}
	load := func(field string, rel *string, sig []byte, format string) []byte {
		if rel == nil {
			v.fail(field, "missing")
			return nil
		}
		path := v.resolve(field, *rel, dir)
		if path == "" {
			return nil
		}
		b, err := v.read(path)
		if err != nil {
			v.failErr(field, err)
			return nil
		}
		if !bytes.HasPrefix(b, sig) {
			v.fail(field, "%s is not %s (wrong file signature)", path, format)
			return nil
		}
		if len(b) > maxImageSize {
			v.fail(field, "%s is %d bytes; at most %d fit in the card's TLV", path, len(b), maxImageSize)
			return nil
		}
		return b
	}
	im := &p.Images
	im.Face = load("images.face", f.Face, jp2Signature, "a JPEG 2000 JP2 file")
	im.Name = load("images.name", f.Name, pngSignature, "a PNG file")
	im.Address = load("images.address", f.Address, pngSignature, "a PNG file")
	im.SecurityCode = load("images.security_code", f.SecurityCode, pngSignature, "a PNG file")
	im.Number = load("images.number", f.Number, pngSignature, "a PNG file")
}

func (v *validator) keys(p *Profile, cardRel, caRel *string, dir string) {
	p.keys = make(map[string]*rsa.PrivateKey)
	load := func(field string, rel *string, def string, roles []string) {
		r := def
		if rel != nil {
			r = *rel
		}
		path := v.resolve(field, r, dir)
		if path == "" {
			return
		}
		data, err := v.read(path)
		if errors.Is(err, fs.ErrNotExist) {
			v.failErr(field, fmt.Errorf("%s does not exist (the key files are generated by vectors/gen): %w", path, fs.ErrNotExist))
			return
		}
		if err != nil {
			v.failErr(field, err)
			return
		}
		keys, err := ParseKeys(data)
		if err != nil {
			v.failErr(field, fmt.Errorf("%s: %s", path, reasonOf(err)))
			return
		}
		if err := CheckKeyRoles(keys, roles); err != nil {
			v.failErr(field, fmt.Errorf("%s: %w", path, err))
			return
		}
		for r, k := range keys {
			p.keys[r] = k
		}
	}
	load("keys", cardRel, DefaultCardKeys, CardKeyRoles())
	load("ca_keys", caRel, DefaultCAKeys, SetKeyRoles())
}
