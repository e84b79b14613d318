package myna

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Era is a Japanese era (元号). The zero value names none.
type Era uint8

// The eras since the Gregorian calendar was adopted (1873-01-01, 明治6年).
const (
	EraMeiji  Era = iota + 1 // 明治, from 1868-10-23 (Gregorian dates from 1873-01-01)
	EraTaisho                // 大正, from 1912-07-30
	EraShowa                 // 昭和, from 1926-12-25
	EraHeisei                // 平成, from 1989-01-08
	EraReiwa                 // 令和, from 2019-05-01
)

type eraInfo struct {
	kanji, romaji string
	letter        byte
	y             int
	m             time.Month
	d             int
}

var eras = [...]eraInfo{
	EraMeiji:  {"明治", "Meiji", 'M', 1868, time.October, 23},
	EraTaisho: {"大正", "Taisho", 'T', 1912, time.July, 30},
	EraShowa:  {"昭和", "Showa", 'S', 1926, time.December, 25},
	EraHeisei: {"平成", "Heisei", 'H', 1989, time.January, 8},
	EraReiwa:  {"令和", "Reiwa", 'R', 2019, time.May, 1},
}

// gregorianStart is the first day taimen converts: Japan used a lunisolar calendar before it.
var gregorianStart = time.Date(1873, time.January, 1, 0, 0, 0, 0, time.UTC)

// ErrLunisolar is wrapped by errors for dates before 1873-01-01, when Japan used the lunisolar
// calendar, which is out of scope.
var ErrLunisolar = errors.New("dates before 1873-01-01 (明治6年) use the Japanese lunisolar calendar, which is out of scope")

// ErrInvalidDate is wrapped by errors for dates that do not exist or do not fit their era.
var ErrInvalidDate = errors.New("invalid date")

// Eras returns every era, oldest first.
func Eras() []Era { return []Era{EraMeiji, EraTaisho, EraShowa, EraHeisei, EraReiwa} }

// Valid reports whether e is a known era.
func (e Era) Valid() bool { return e >= EraMeiji && e <= EraReiwa }

// Kanji returns the era's name in kanji, e.g. "昭和".
func (e Era) Kanji() string {
	if !e.Valid() {
		return ""
	}
	return eras[e].kanji
}

// Romaji returns the era's name in romaji without macrons, e.g. "Showa".
func (e Era) Romaji() string {
	if !e.Valid() {
		return ""
	}
	return eras[e].romaji
}

// Letter returns the era's customary one-letter abbreviation: M, T, S, H or R.
func (e Era) Letter() byte {
	if !e.Valid() {
		return 0
	}
	return eras[e].letter
}

// String returns the romaji name, e.g. "Showa".
func (e Era) String() string {
	if !e.Valid() {
		return "Era(" + strconv.Itoa(int(e)) + ")"
	}
	return eras[e].romaji
}

// Start returns the first day of the era (UTC midnight).
func (e Era) Start() time.Time {
	if !e.Valid() {
		return time.Time{}
	}
	i := eras[e]
	return time.Date(i.y, i.m, i.d, 0, 0, 0, 0, time.UTC)
}

// End returns the last day of the era (UTC midnight); ok is false for the current era.
func (e Era) End() (last time.Time, ok bool) {
	if !e.Valid() || e == EraReiwa {
		return time.Time{}, false
	}
	return (e + 1).Start().AddDate(0, 0, -1), true
}

// ParseEra accepts an era's kanji ("昭和"), romaji in any case with or without macrons
// ("Showa", "shōwa") or letter ("S").
func ParseEra(s string) (Era, error) {
	norm := strings.NewReplacer("ō", "o", "Ō", "O", "ū", "u", "Ū", "U").Replace(strings.TrimSpace(s))
	for _, e := range Eras() {
		i := eras[e]
		if norm == i.kanji || strings.EqualFold(norm, i.romaji) || strings.EqualFold(norm, string(i.letter)) {
			return e, nil
		}
	}
	return 0, fmt.Errorf("myna: unknown era %q (want 明治, 大正, 昭和, 平成, 令和 or their romaji)", s)
}

// EraDate is a date in the Japanese era calendar; Year 1 is 元年.
type EraDate struct {
	Era   Era        // the era
	Year  int        // year within the era, 1 = 元年
	Month time.Month // month, 1-12
	Day   int        // day of the month
}

// ToEra converts the calendar date of t (in t's location) to the era calendar. Dates before
// 1873-01-01 fail with ErrLunisolar.
func ToEra(t time.Time) (EraDate, error) {
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if day.Before(gregorianStart) {
		return EraDate{}, fmt.Errorf("myna: %w", ErrLunisolar)
	}
	era := EraMeiji
	for _, e := range Eras() {
		if !day.Before(e.Start()) {
			era = e
		}
	}
	return EraDate{Era: era, Year: y - eras[era].y + 1, Month: m, Day: d}, nil
}

// FromEra converts an era date to the Gregorian calendar (UTC midnight), checking that the date
// exists and lies within the era: 昭和64 runs only to 1989-01-07, 平成31 only to 2019-04-30, and
// so on. Errors name the rule, not the date.
func FromEra(era Era, year int, month time.Month, day int) (time.Time, error) {
	if !era.Valid() {
		return time.Time{}, fmt.Errorf("myna: unknown era: %w", ErrInvalidDate)
	}
	name := era.Kanji()
	if year < 1 {
		return time.Time{}, fmt.Errorf("myna: %s year must be 1 (元年) or more: %w", name, ErrInvalidDate)
	}
	t, err := gregorian(eras[era].y+year-1, month, day)
	if err != nil {
		return time.Time{}, err
	}
	if t.Before(gregorianStart) {
		return time.Time{}, fmt.Errorf("myna: %w", ErrLunisolar)
	}
	if t.Before(era.Start()) {
		first := EraDate{Era: era, Year: 1, Month: eras[era].m, Day: eras[era].d}
		return time.Time{}, fmt.Errorf("myna: %s (%s) began on %s (%s): %w",
			name, era.Romaji(), first, era.Start().Format(time.DateOnly), ErrInvalidDate)
	}
	if last, ok := era.End(); ok && t.After(last) {
		ly, lm, ld := last.Date()
		end := EraDate{Era: era, Year: ly - eras[era].y + 1, Month: lm, Day: ld}
		return time.Time{}, fmt.Errorf("myna: %s (%s) ended on %s (%s): %w",
			name, era.Romaji(), end, last.Format(time.DateOnly), ErrInvalidDate)
	}
	return t, nil
}

// gregorian returns the UTC midnight of a Gregorian date, rejecting dates that do not exist.
func gregorian(year int, month time.Month, day int) (time.Time, error) {
	if month < time.January || month > time.December {
		return time.Time{}, fmt.Errorf("myna: month must be 1-12: %w", ErrInvalidDate)
	}
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	if day < 1 || t.Month() != month {
		return time.Time{}, fmt.Errorf("myna: day is not valid for the month: %w", ErrInvalidDate)
	}
	return t, nil
}

// Time returns the Gregorian date at UTC midnight, validating the era date as FromEra does.
func (d EraDate) Time() (time.Time, error) { return FromEra(d.Era, d.Year, d.Month, d.Day) }

// YYMMDD returns the six digits printed on the card and used in check code B: the era year's
// last two digits, month and day, e.g. "550217" for 昭和55年2月17日.
func (d EraDate) YYMMDD() string {
	return fmt.Sprintf("%02d%02d%02d", d.Year%100, int(d.Month), d.Day)
}

// String returns the date as written in Japanese, e.g. "平成元年1月8日" or "昭和55年2月17日".
func (d EraDate) String() string {
	y := strconv.Itoa(d.Year)
	if d.Year == 1 {
		y = "元"
	}
	return d.Era.Kanji() + y + "年" + strconv.Itoa(int(d.Month)) + "月" + strconv.Itoa(d.Day) + "日"
}

// DateForm says how the card prints the birth date, and so how check code B's first six
// digits and the birth-date key are written. The zero value is DateFormEra.
type DateForm uint8

// The two date forms.
const (
	// DateFormEra is the Japanese era year (most holders): 1980-02-17 → 昭和55 → "550217".
	DateFormEra DateForm = iota
	// DateFormWestern is the Western year (foreign residents): 1978-11-05 → "781105".
	DateFormWestern
)

// String returns "era" or "western".
func (f DateForm) String() string {
	switch f {
	case DateFormEra:
		return "era"
	case DateFormWestern:
		return "western"
	}
	return "DateForm(" + strconv.Itoa(int(f)) + ")"
}

// ParseDateForm accepts "era" or "western".
func ParseDateForm(s string) (DateForm, error) {
	switch s {
	case "era":
		return DateFormEra, nil
	case "western":
		return DateFormWestern, nil
	}
	return 0, fmt.Errorf("myna: date form %q must be \"era\" or \"western\"", s)
}

// MarshalText returns "era" or "western".
func (f DateForm) MarshalText() ([]byte, error) {
	if f != DateFormEra && f != DateFormWestern {
		return nil, fmt.Errorf("myna: invalid date form %d", uint8(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText accepts "era" or "western".
func (f *DateForm) UnmarshalText(b []byte) error {
	v, err := ParseDateForm(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// YYMMDD writes the calendar date of t (in t's location) as six digits in form f.
func (f DateForm) YYMMDD(t time.Time) (string, error) {
	switch f {
	case DateFormEra:
		d, err := ToEra(t)
		if err != nil {
			return "", err
		}
		return d.YYMMDD(), nil
	case DateFormWestern:
		y, m, d := t.Date()
		if y < 0 {
			return "", fmt.Errorf("myna: year must not be negative: %w", ErrInvalidDate)
		}
		return fmt.Sprintf("%02d%02d%02d", y%100, int(m), d), nil
	}
	return "", fmt.Errorf("myna: invalid date form %d", uint8(f))
}
