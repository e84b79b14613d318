package cardocr

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/taimen-dev/taimen/myna"
)

// digitRuns finds the runs of ASCII digits.
var digitRuns = regexp.MustCompile(`[0-9]+`)

// normalize maps full-width digits to ASCII and drops white space.
func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case unicode.IsSpace(r):
			return -1
		}
		return r
	}, s)
}

// parseBirthDate parses a printed birth date: "昭和55年 2月17日生" (era form,
// 元 for the first year) or "1978年11月 5日生" (Western form). It returns the
// Gregorian date, the form, and the date as printed without spaces or 生.
func parseBirthDate(text string) (time.Time, myna.DateForm, string, error) {
	fail := func(reason string) (time.Time, myna.DateForm, string, error) {
		return time.Time{}, 0, "", &FieldError{Field: FieldBirthDate, Reason: reason}
	}
	s := normalize(text)
	var era myna.Era
	rest := s
	for _, e := range myna.Eras() {
		if i := strings.Index(s, e.Kanji()); i >= 0 {
			if era != 0 {
				return fail("two era names")
			}
			era, rest = e, s[i+len(e.Kanji()):]
		}
	}
	if era != 0 && strings.HasPrefix(rest, "元") {
		rest = "1" + strings.TrimPrefix(rest, "元")
	}
	runs := digitRuns.FindAllString(rest, -1)
	if len(runs) != 3 {
		return fail(fmt.Sprintf("want a year, a month and a day, read %d number(s)", len(runs)))
	}
	var n [3]int
	for i, r := range runs {
		n[i], _ = strconv.Atoi(r) // digits only, and short: cannot fail
		if len(r) > 4 {
			return fail("a number is too long")
		}
	}
	if era != 0 {
		t, err := myna.FromEra(era, n[0], time.Month(n[1]), n[2])
		if err != nil {
			return fail("not a date of its era")
		}
		d, _ := myna.ToEra(t) // t is after 1873: no error
		return t, myna.DateFormEra, d.String(), nil
	}
	if len(runs[0]) != 4 {
		return fail("no era name and no four-digit year")
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], 0, 0, 0, 0, time.UTC)
	if y, m, d := t.Date(); y != n[0] || int(m) != n[1] || d != n[2] || n[1] < 1 || n[2] < 1 {
		return fail("not a calendar date")
	}
	if t.Before(myna.EraMeiji.Start()) || t.After(time.Now()) {
		return fail("not a plausible birth date")
	}
	return t, myna.DateFormWestern, fmt.Sprintf("%d年%d月%d日", n[0], n[1], n[2]), nil
}

// parseExpiryYear parses the four digits of the expiry year.
func parseExpiryYear(text string) (int, error) {
	s := normalize(text)
	if len(s) != 4 || strings.Trim(s, digits) != "" {
		return 0, &FieldError{Field: FieldExpiryYear, Reason: "want four digits"}
	}
	y, _ := strconv.Atoi(s)
	if y < 2015 || y > 2099 {
		return 0, &FieldError{Field: FieldExpiryYear, Reason: "not a plausible expiry year (2015-2099)"}
	}
	return y, nil
}

// parseSecurityCode parses the four digits of the security code.
func parseSecurityCode(text string) (string, error) {
	s := normalize(text)
	if len(s) != 4 || strings.Trim(s, digits) != "" {
		return "", &FieldError{Field: FieldSecurityCode, Reason: "want four digits"}
	}
	return s, nil
}
