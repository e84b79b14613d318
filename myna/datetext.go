package myna

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// ErrDateForm is wrapped when a date is in none of the forms ParseDate takes.
var ErrDateForm = errors.New("not a date in a form taimen reads")

// dateForms match a date once folded to narrow characters and stripped of spaces: an era (kanji,
// romaji or letter) with its year (元 for 1) or a Gregorian year, then month and day separated by
// 年 月 (日), '.', '/' or '-'.
var (
	eraDate       = regexp.MustCompile(`^([^\d元]+?)\.?(\d{1,2}|元)(?:年|[./-])(\d{1,2})(?:月|[./-])(\d{1,2})日?$`)
	gregorianDate = regexp.MustCompile(`^(\d{4})(?:年|[./-])(\d{1,2})(?:月|[./-])(\d{1,2})日?$`)
)

// ParseDate reads a date as a person writes it or as the card prints it: Gregorian
// (1980-02-17, 1980/2/17, 1980年2月17日) or in the era calendar (昭和55年2月17日, 平成元年1月8日,
// S55.2.17, Showa 55/2/17), with full-width digits and letters too (Ｓ５５．２．１７), spaces
// anywhere and the card's trailing 生 ("born"). Era dates are checked against their era (FromEra);
// errors name the rule that failed, never the date.
func ParseDate(s string) (time.Time, error) {
	n := strings.Join(strings.Fields(width.Fold.String(s)), "")
	n = strings.TrimSuffix(n, "生")
	if m := gregorianDate.FindStringSubmatch(n); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		t, err := gregorian(y, time.Month(mo), d)
		if err == nil && t.Before(gregorianStart) {
			return time.Time{}, fmt.Errorf("myna: %w", ErrLunisolar)
		}
		return t, err
	}
	if m := eraDate.FindStringSubmatch(n); m != nil {
		era, err := ParseEra(m[1])
		if err != nil {
			return time.Time{}, fmt.Errorf("myna: the era must be 明治, 大正, 昭和, 平成 or 令和 (or M, T, S, H, R): %w", ErrDateForm)
		}
		y := 1
		if m[2] != "元" {
			y, _ = strconv.Atoi(m[2])
		}
		mo, _ := strconv.Atoi(m[3])
		d, _ := strconv.Atoi(m[4])
		return FromEra(era, y, time.Month(mo), d)
	}
	return time.Time{}, fmt.Errorf("myna: write the date as printed (昭和62年4月1日, S62.4.1) or Gregorian (1987-04-01): %w", ErrDateForm)
}

// CheckExpiryYear checks the expiry year printed on the card, as check code B takes it.
func CheckExpiryYear(y int) error {
	if y < minExpiryYear || y > maxExpiryYear {
		return formErr(SecretCheckCodeB, "expiry year must be %d-%d", minExpiryYear, maxExpiryYear)
	}
	return nil
}

// CheckSecurityCode checks the security code printed on the card (4 digits), as check code B
// takes it.
func CheckSecurityCode(s string) error {
	if len(s) != 4 || checkDigitsOnly(SecretCheckCodeB, s) != nil {
		return formErr(SecretCheckCodeB, "security code must be 4 digits")
	}
	return nil
}
