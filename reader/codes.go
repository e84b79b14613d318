package reader

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/taimen-dev/taimen/myna"
)

// Environment variables that carry secrets for automation. Secrets are never
// taken from the command line, where `ps` would show them.
const (
	EnvCheckCodeA   = "TAIMEN_CHECK_CODE_A"
	EnvCheckCodeB   = "TAIMEN_CHECK_CODE_B"
	EnvBirthDate    = "TAIMEN_BIRTH_DATE" // YYYY-MM-DD, Gregorian
	EnvExpiryYear   = "TAIMEN_EXPIRY_YEAR"
	EnvSecurityCode = "TAIMEN_SECURITY_CODE"
	EnvTextPIN      = "TAIMEN_TEXT_PIN"
	EnvAuthPIN      = "TAIMEN_AUTH_PIN"
	EnvSignPassword = "TAIMEN_SIGN_PASSWORD"
	EnvLicencePIN   = "TAIMEN_LICENCE_PIN" // 4 digits, or **** when the holder set none
)

// ErrNoSecret means no value was given for a secret that the flow needs.
var ErrNoSecret = errors.New("no value given")

// CheckCodeBParts builds check code B from what is printed on the card: the
// birth date as a Gregorian date (converted here to the era form, or kept
// Western for a foreign resident's card), the expiry year and the security code.
// The form is validated before anything is sent, so a typo costs no try.
func CheckCodeBParts(birthDate, expiryYear, securityCode string, western bool) (myna.CheckCodeB, error) {
	birth, err := time.Parse("2006-01-02", strings.TrimSpace(birthDate))
	if err != nil {
		return myna.CheckCodeB{}, fmt.Errorf("check code B: birth date must be YYYY-MM-DD (Gregorian; it is converted to the era form for you)")
	}
	year, err := strconv.Atoi(strings.TrimSpace(expiryYear))
	if err != nil {
		return myna.CheckCodeB{}, fmt.Errorf("check code B: expiry year must be four digits")
	}
	form := myna.DateFormEra
	if western {
		form = myna.DateFormWestern
	}
	return myna.NewCheckCodeB(birth, form, year, strings.TrimSpace(securityCode))
}

var envOf = map[myna.SecretKind]string{
	myna.SecretCheckCodeA: EnvCheckCodeA, myna.SecretCheckCodeB: EnvCheckCodeB, myna.SecretTextPIN: EnvTextPIN,
	myna.SecretAuthPIN: EnvAuthPIN, myna.SecretSignPassword: EnvSignPassword, myna.SecretLicencePIN: EnvLicencePIN,
}

// EnvOf names the variable that gives a secret of kind k ("" for none); check code B may also
// come from EnvBirthDate, EnvExpiryYear and EnvSecurityCode.
func EnvOf(k myna.SecretKind) string { return envOf[k] }

// SecretFromEnv reads the secret of kind k from the environment: ok is false
// when it is not set; a set but malformed value is an error (naming the
// variable and the rule, never the value).
func SecretFromEnv(getenv func(string) string, k myna.SecretKind, western bool) (s myna.Secret, ok bool, err error) {
	name := envOf[k]
	if name == "" {
		return nil, false, fmt.Errorf("%s: not taken from the environment", k)
	}
	if v := getenv(name); v != "" {
		s, err := k.Parse(v)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", name, err)
		}
		return s, true, nil
	}
	if k == myna.SecretCheckCodeB {
		b, y, c := getenv(EnvBirthDate), getenv(EnvExpiryYear), getenv(EnvSecurityCode)
		if b == "" && y == "" && c == "" {
			return nil, false, nil
		}
		if b == "" || y == "" || c == "" {
			return nil, false, fmt.Errorf("check code B: set all of %s, %s and %s, or %s", EnvBirthDate, EnvExpiryYear, EnvSecurityCode, EnvCheckCodeB)
		}
		code, err := CheckCodeBParts(b, y, c, western)
		if err != nil {
			return nil, false, err
		}
		return code, true, nil
	}
	return nil, false, nil
}
