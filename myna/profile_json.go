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
	Licence     *licenceFile               `json:"licence"`    // myna/licence.go
	Generation  *generationFile            `json:"generation"` // generation.go
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
	PlainLatencyMS       *int            `json:"plain_latency_ms"`

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
	v.generation(p, f.Generation, dir)

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
	if f.PlainLatencyMS != nil {
		if n := *f.PlainLatencyMS; n < 1 || n > MaxPlainLatencyMS {
			v.fail("behaviour.plain_latency_ms", "must be an integer number of milliseconds from 1 to %d", MaxPlainLatencyMS)
		} else {
			b.PlainLatencyMS = n
		}
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
