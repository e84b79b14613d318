package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/taimen-dev/taimen/myna"
)

// promptTries is how often a field of check code B is asked again after a malformed answer.
const promptTries = 3

// promptField asks for one field until check accepts it (at most promptTries times), saying
// after each refusal why, never echoing the value. Full-width digits and letters are folded to
// ASCII, and surrounding spaces dropped, before check sees the answer.
func promptField(e env, label string, check func(string) error) (string, error) {
	var err error
	for range promptTries {
		var v string
		if v, err = e.prompt(label); err != nil {
			return "", err
		}
		v = strings.TrimSpace(width.Fold.String(v))
		if err = check(v); err == nil {
			return v, nil
		}
		fmt.Fprintf(e.stderr, "  %s; try again\n", strings.TrimPrefix(err.Error(), "myna: "))
	}
	return "", usageError{err}
}

// promptCheckCodeB asks for check code B's three parts as printed on the card, checking each as
// it is typed: the birth date as printed (昭和62年4月1日, S62.4.1) or Gregorian, the expiry
// year, the security code.
func promptCheckCodeB(e env, western bool) (myna.CheckCodeB, error) {
	form := myna.DateFormEra
	if western {
		form = myna.DateFormWestern
	}
	var birth time.Time
	if _, err := promptField(e, "birth date as printed (e.g. 昭和62年4月1日, S62.4.1 or 1987-04-01)", func(s string) error {
		t, err := myna.ParseDate(s)
		if err == nil {
			_, err = myna.NewBirthDateKey(t, form) // in a form the card can hold
		}
		birth = t
		return err
	}); err != nil {
		return myna.CheckCodeB{}, err
	}
	var year int
	if _, err := promptField(e, "expiry year (YYYY, as printed: 20XX年)", func(s string) error {
		y, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("the expiry year must be four digits")
		}
		year = y
		return myna.CheckExpiryYear(y)
	}); err != nil {
		return myna.CheckCodeB{}, err
	}
	code, err := promptField(e, "security code (4 digits under the photo)", myna.CheckSecurityCode)
	if err != nil {
		return myna.CheckCodeB{}, err
	}
	b, err := myna.NewCheckCodeB(birth, form, year, code)
	if err != nil {
		return myna.CheckCodeB{}, usageError{err}
	}
	return b, nil
}
