package myna

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// SecretKind names one kind of check code or PIN on the card.
type SecretKind uint8

// The kinds of secret the card knows (CARD.md §3).
const (
	// SecretCheckCodeA is 照合番号A: the 12-digit individual number.
	SecretCheckCodeA SecretKind = iota + 1
	// SecretCheckCodeB is 照合番号B: birth date YYMMDD, expiry year YYYY, security code (14 digits).
	SecretCheckCodeB
	// SecretBirthDateKey is 生年月日読出用暗証番号: the birth date YYMMDD (card-surface AP 0011).
	SecretBirthDateKey
	// SecretAuthPIN is 利用者証明用暗証番号: 4 digits (JPKI 0018).
	SecretAuthPIN
	// SecretSignPassword is 署名用パスワード: 6–16 of A–Z 0–9 (JPKI 001B).
	SecretSignPassword
	// SecretTextPIN is 券面事項入力補助用暗証番号: 4 digits (text AP 0011).
	SecretTextPIN
	// SecretJukiPIN is 住民基本台帳用暗証番号: 4 digits (001C in the common and juki APs).
	SecretJukiPIN
	// SecretLicencePIN is the driving-licence application's PIN: 4 digits, or "****" when the
	// holder set none (licence 0006, docs/LICENCE.md).
	SecretLicencePIN
)

type kindInfo struct {
	label, ja, typ string
	min, max       int
	retries        int
}

// Labels must contain no digit, so that a redacted rendering never contains one.
var kinds = [...]kindInfo{
	SecretCheckCodeA:   {"check code A", "照合番号A", "CheckCodeA", 12, 12, 10},
	SecretCheckCodeB:   {"check code B", "照合番号B", "CheckCodeB", 14, 14, 10},
	SecretBirthDateKey: {"birth-date key", "生年月日読出用暗証番号", "BirthDateKey", 6, 6, 10},
	SecretAuthPIN:      {"auth PIN", "利用者証明用暗証番号", "AuthPIN", 4, 4, 3},
	SecretSignPassword: {"sign password", "署名用パスワード", "SignPassword", 6, 16, 5},
	SecretTextPIN:      {"text PIN", "券面事項入力補助用暗証番号", "TextPIN", 4, 4, 3},
	SecretJukiPIN:      {"juki PIN", "住民基本台帳用暗証番号", "JukiPIN", 4, 4, 3},
	SecretLicencePIN:   {"licence PIN", "免許情報の暗証番号", "LicencePIN", 4, 4, 10},
}

// SecretKinds returns every kind of secret.
func SecretKinds() []SecretKind {
	return []SecretKind{SecretCheckCodeA, SecretCheckCodeB, SecretBirthDateKey, SecretAuthPIN, SecretSignPassword, SecretTextPIN, SecretJukiPIN, SecretLicencePIN}
}

// Valid reports whether k is a known kind.
func (k SecretKind) Valid() bool { return k >= SecretCheckCodeA && k <= SecretLicencePIN }

// String returns the English label, e.g. "check code B".
func (k SecretKind) String() string {
	if !k.Valid() {
		return "secret"
	}
	return kinds[k].label
}

// NameJA returns the Japanese name, e.g. "照合番号B".
func (k SecretKind) NameJA() string {
	if !k.Valid() {
		return ""
	}
	return kinds[k].ja
}

// Lengths returns the shortest and longest allowed value, in characters.
func (k SecretKind) Lengths() (minLen, maxLen int) {
	if !k.Valid() {
		return 0, 0
	}
	return kinds[k].min, kinds[k].max
}

// DefaultRetryLimit returns taimen's default number of tries (CARD.md §3 and "taimen's defaults").
func (k SecretKind) DefaultRetryLimit() int {
	if !k.Valid() {
		return 0
	}
	return kinds[k].retries
}

// Parse checks s against the form rules of k and returns the typed secret.
func (k SecretKind) Parse(s string) (Secret, error) {
	switch k {
	case SecretCheckCodeA:
		return ParseCheckCodeA(s)
	case SecretCheckCodeB:
		return ParseCheckCodeB(s)
	case SecretBirthDateKey:
		return ParseBirthDateKey(s)
	case SecretAuthPIN:
		return ParseAuthPIN(s)
	case SecretSignPassword:
		return ParseSignPassword(s)
	case SecretTextPIN:
		return ParseTextPIN(s)
	case SecretJukiPIN:
		return ParseJukiPIN(s)
	case SecretLicencePIN:
		return ParseLicencePIN(s)
	}
	return nil, fmt.Errorf("myna: unknown secret kind %d", uint8(k))
}

// Secret is implemented by every check-code and PIN type of this package.
type Secret interface {
	// Kind says which secret this is.
	Kind() SecretKind
	// Bytes returns the exact VERIFY data (ASCII), a fresh slice.
	Bytes() []byte
	// Reveal returns the value; call it only when the user asked to see it.
	Reveal() string
	// Matches compares data with the value in constant time (for equal lengths).
	Matches(data []byte) bool
	// IsZero reports whether the secret is unset.
	IsZero() bool
	// String returns a redacted rendering.
	String() string
}

// ErrForm is wrapped by every *FormError.
var ErrForm = errors.New("secret does not have the required form")

// FormError says which form rule a check code or PIN failed, without the value.
type FormError struct {
	Kind   SecretKind // which secret
	Secret string     // the secret's label, e.g. "check code B"
	Reason string     // the rule that failed, e.g. "must be 14 digits, got 13"
}

// Error returns e.g. "check code B: must be 14 digits, got 13".
func (e *FormError) Error() string { return e.Secret + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrForm) true.
func (e *FormError) Unwrap() error { return ErrForm }

func formErr(k SecretKind, format string, args ...any) *FormError {
	return &FormError{Kind: k, Secret: k.String(), Reason: fmt.Sprintf(format, args...)}
}

// maxSecretLen is the longest secret of any kind (the sign password).
const maxSecretLen = 16

// secretMask is a per-process random pad. Values are held XORed with it, so reflection-based
// printers (fmt on unexported fields, go-cmp, gomega) never see them.
var secretMask = func() (m [maxSecretLen]byte) {
	rand.Read(m[:]) // never returns an error (crypto/rand crashes the program instead)
	return m
}()

// sealed is a secret value held masked. The zero value is the empty (unset) secret.
type sealed struct {
	n uint8
	b [maxSecretLen]byte
}

func seal(s string) sealed {
	var v sealed
	v.n = uint8(len(s))
	for i := range len(s) {
		v.b[i] = s[i] ^ secretMask[i]
	}
	return v
}

func (v sealed) bytes() []byte {
	if v.n == 0 {
		return nil
	}
	out := make([]byte, v.n)
	for i := range out {
		out[i] = v.b[i] ^ secretMask[i]
	}
	return out
}

func (v sealed) reveal() string { return string(v.bytes()) }

func (v sealed) matches(data []byte) bool {
	if v.n == 0 || len(data) != int(v.n) {
		return false
	}
	var plain [maxSecretLen]byte
	for i := range int(v.n) {
		plain[i] = v.b[i] ^ secretMask[i]
	}
	ok := subtle.ConstantTimeCompare(plain[:v.n], data) == 1
	clear(plain[:])
	return ok
}

func (v sealed) equal(w sealed) bool {
	return subtle.ConstantTimeEq(int32(v.n), int32(w.n))&subtle.ConstantTimeCompare(v.b[:], w.b[:]) == 1
}

// Redacted is what JSON, text and log output show instead of a secret's value.
const Redacted = "[redacted]"

func redactedString(k SecretKind, v sealed) string {
	if v.n == 0 {
		return kinds[k].label + "(<unset>)"
	}
	return kinds[k].label + "(" + Redacted + ")"
}

func redactedGoString(k SecretKind, v sealed) string {
	if v.n == 0 {
		return "myna." + kinds[k].typ + "{}"
	}
	return "myna." + kinds[k].typ + "{" + Redacted + "}"
}

// formatRedacted implements fmt.Formatter for every secret: whatever the verb and flags, only
// the redacted rendering is written.
func formatRedacted(f fmt.State, verb rune, k SecretKind, v sealed) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, redactedGoString(k, v))
	case verb == 'q':
		fmt.Fprint(f, strconv.Quote(redactedString(k, v)))
	default:
		fmt.Fprint(f, redactedString(k, v))
	}
}

func marshalRedactedJSON(v sealed) []byte {
	if v.n == 0 {
		return []byte(`""`)
	}
	return []byte(`"` + Redacted + `"`)
}

func marshalRedactedText(v sealed) []byte {
	if v.n == 0 {
		return []byte{}
	}
	return []byte(Redacted)
}

// parseDigits checks that s is exactly n ASCII digits.
func parseDigits(k SecretKind, s string, n int) error {
	if c := utf8.RuneCountInString(s); c != n {
		return formErr(k, "must be %d digits, got %d", n, c)
	}
	return checkDigitsOnly(k, s)
}

func checkDigitsOnly(k SecretKind, s string) error {
	pos := 0
	for _, r := range s {
		pos++
		if r >= '0' && r <= '9' {
			continue
		}
		if r >= '０' && r <= '９' {
			return formErr(k, "must contain only ASCII digits 0-9 (character %d is a full-width digit)", pos)
		}
		return formErr(k, "must contain only digits 0-9 (character %d is not a digit)", pos)
	}
	return nil
}

// IndividualNumberCheckDigit computes the check digit of an individual number (個人番号) from its
// first 11 digits: with P_n the n-th digit from the right, Q_n = n+1 for n ≤ 6 and n−5 for
// n ≥ 7, r = Σ P_n·Q_n mod 11, the digit is 0 if r ≤ 1, else 11−r.
func IndividualNumberCheckDigit(first11 string) (int, error) {
	if err := parseDigits(SecretCheckCodeA, first11, 11); err != nil {
		fe := err.(*FormError)
		fe.Reason = "the first part " + fe.Reason
		return 0, fe
	}
	sum := 0
	for n := 1; n <= 11; n++ {
		p := int(first11[11-n] - '0')
		q := n + 1
		if n >= 7 {
			q = n - 5
		}
		sum += p * q
	}
	r := sum % 11
	if r <= 1 {
		return 0, nil
	}
	return 11 - r, nil
}

// ParseCheckCodeA checks that s is 12 digits with a correct individual-number check digit.
func ParseCheckCodeA(s string) (CheckCodeA, error) {
	if err := parseDigits(SecretCheckCodeA, s, 12); err != nil {
		return CheckCodeA{}, err
	}
	d, _ := IndividualNumberCheckDigit(s[:11])
	if int(s[11]-'0') != d {
		return CheckCodeA{}, formErr(SecretCheckCodeA, "the check digit (12th digit) does not match the first 11 digits")
	}
	return CheckCodeA{v: seal(s)}, nil
}

// ParseCheckCodeB checks that s is 14 digits: a plausible birth date YYMMDD (month 1–12, day
// valid for the month; the year is an era or Western year, so 29 February is always allowed),
// an expiry year 2015–2099 and a 4-digit security code.
func ParseCheckCodeB(s string) (CheckCodeB, error) {
	if err := parseDigits(SecretCheckCodeB, s, CheckCodeBLen); err != nil {
		return CheckCodeB{}, err
	}
	if err := checkYYMMDD(SecretCheckCodeB, s[:6], "birth date (digits 1-6)"); err != nil {
		return CheckCodeB{}, err
	}
	y, _ := strconv.Atoi(s[6:10])
	if y < minExpiryYear || y > maxExpiryYear {
		return CheckCodeB{}, formErr(SecretCheckCodeB, "expiry year (digits 7-10) must be %d-%d", minExpiryYear, maxExpiryYear)
	}
	return CheckCodeB{v: seal(s)}, nil
}

// The layout of check code B (CARD.md §4): the birth date YYMMDD as printed (digits 1-6), the
// expiry year YYYY (7-10) and the 4-digit security code (11-14).
const (
	CheckCodeBLen          = 14
	CheckCodeBSecurityCode = 10 // offset of the security code
)

const (
	minExpiryYear = 2015 // the first cards were issued in 2016
	maxExpiryYear = 2099
)

// daysInMonthAnyYear is the longest a month can be (29 for February: the YY of an era or Western
// date does not fix whether the year is a leap year).
var daysInMonthAnyYear = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func checkYYMMDD(k SecretKind, s, what string) error {
	m, _ := strconv.Atoi(s[2:4])
	d, _ := strconv.Atoi(s[4:6])
	if m < 1 || m > 12 {
		return formErr(k, "%s: month must be 01-12", what)
	}
	if d < 1 || d > daysInMonthAnyYear[m] {
		return formErr(k, "%s: day is not valid for the month", what)
	}
	return nil
}

// NewCheckCodeB builds check code B from its parts: the birth date (its calendar date in t's
// location) written in form, the card's expiry year and the 4-digit security code.
func NewCheckCodeB(birth time.Time, form DateForm, expiryYear int, securityCode string) (CheckCodeB, error) {
	yymmdd, err := form.YYMMDD(birth)
	if err != nil {
		return CheckCodeB{}, formErr(SecretCheckCodeB, "birth date: %s", reasonOf(err))
	}
	if err := CheckExpiryYear(expiryYear); err != nil {
		return CheckCodeB{}, err
	}
	if err := CheckSecurityCode(securityCode); err != nil {
		return CheckCodeB{}, err
	}
	return ParseCheckCodeB(yymmdd + strconv.Itoa(expiryYear) + securityCode)
}

// NewCheckCodeBYMD is NewCheckCodeB with the birth date given as Gregorian year, month and day.
func NewCheckCodeBYMD(year int, month time.Month, day int, form DateForm, expiryYear int, securityCode string) (CheckCodeB, error) {
	t, err := gregorian(year, month, day)
	if err != nil {
		return CheckCodeB{}, formErr(SecretCheckCodeB, "birth date: %s", reasonOf(err))
	}
	return NewCheckCodeB(t, form, expiryYear, securityCode)
}

// BirthDateKey returns the first six digits, the birth date as the card-surface AP's 0011 key.
func (c CheckCodeB) BirthDateKey() BirthDateKey {
	if c.v.n == 0 {
		return BirthDateKey{}
	}
	b := c.v.bytes()
	k := BirthDateKey{v: seal(string(b[:6]))}
	clear(b)
	return k
}

// ParseBirthDateKey checks that s is 6 digits forming a plausible YYMMDD.
func ParseBirthDateKey(s string) (BirthDateKey, error) {
	if err := parseDigits(SecretBirthDateKey, s, 6); err != nil {
		return BirthDateKey{}, err
	}
	if err := checkYYMMDD(SecretBirthDateKey, s, "birth date"); err != nil {
		return BirthDateKey{}, err
	}
	return BirthDateKey{v: seal(s)}, nil
}

// NewBirthDateKey builds the birth-date key from the birth date (its calendar date in t's
// location) written in form.
func NewBirthDateKey(birth time.Time, form DateForm) (BirthDateKey, error) {
	yymmdd, err := form.YYMMDD(birth)
	if err != nil {
		return BirthDateKey{}, formErr(SecretBirthDateKey, "birth date: %s", reasonOf(err))
	}
	return ParseBirthDateKey(yymmdd)
}

// ParseAuthPIN checks that s is 4 digits.
func ParseAuthPIN(s string) (AuthPIN, error) {
	if err := parseDigits(SecretAuthPIN, s, 4); err != nil {
		return AuthPIN{}, err
	}
	return AuthPIN{v: seal(s)}, nil
}

// ParseTextPIN checks that s is 4 digits.
func ParseTextPIN(s string) (TextPIN, error) {
	if err := parseDigits(SecretTextPIN, s, 4); err != nil {
		return TextPIN{}, err
	}
	return TextPIN{v: seal(s)}, nil
}

// ParseJukiPIN checks that s is 4 digits.
func ParseJukiPIN(s string) (JukiPIN, error) {
	if err := parseDigits(SecretJukiPIN, s, 4); err != nil {
		return JukiPIN{}, err
	}
	return JukiPIN{v: seal(s)}, nil
}

// ParseSignPassword checks that s is 6–16 ASCII letters and digits with at least one of each;
// lower-case letters are upper-cased, as the card compares upper case.
func ParseSignPassword(s string) (SignPassword, error) {
	const k = SecretSignPassword
	if c := utf8.RuneCountInString(s); c < 6 || c > 16 {
		return SignPassword{}, formErr(k, "must be 6-16 characters, got %d", c)
	}
	var up [maxSecretLen]byte
	letter, digit := false, false
	for i, r := range []rune(s) {
		switch {
		case r >= 'A' && r <= 'Z':
			letter = true
		case r >= 'a' && r <= 'z':
			letter = true
			r -= 'a' - 'A'
		case r >= '0' && r <= '9':
			digit = true
		default:
			clear(up[:])
			return SignPassword{}, formErr(k, "must contain only letters A-Z and digits 0-9 (character %d is not)", i+1)
		}
		up[i] = byte(r)
	}
	defer clear(up[:])
	if !letter {
		return SignPassword{}, formErr(k, "must contain at least one letter A-Z")
	}
	if !digit {
		return SignPassword{}, formErr(k, "must contain at least one digit 0-9")
	}
	return SignPassword{v: seal(string(up[:len(s)]))}, nil
}

// reasonOf returns an error's message without a "myna: " prefix.
func reasonOf(err error) string {
	s := err.Error()
	if len(s) > 6 && s[:6] == "myna: " {
		return s[6:]
	}
	return s
}
