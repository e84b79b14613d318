package cardimage

import (
	"fmt"
	"time"

	"github.com/taimen-dev/taimen/myna"
)

// PrintedBirthDate returns the birth date as the card prints it: in the era
// form "昭和55年 2月17日生" (元年 for an era's first year), or in the Western form
// "1978年11月 5日生"; month and day are padded to two places with a space.
func PrintedBirthDate(birth time.Time, form myna.DateForm) (string, error) {
	switch form {
	case myna.DateFormEra:
		d, err := myna.ToEra(birth)
		if err != nil {
			return "", fmt.Errorf("birth date: %w", err)
		}
		year := fmt.Sprint(d.Year)
		if d.Year == 1 {
			year = "元"
		}
		return fmt.Sprintf("%s%s年%2d月%2d日生", d.Era.Kanji(), year, int(d.Month), d.Day), nil
	case myna.DateFormWestern:
		y, m, d := birth.Date()
		return fmt.Sprintf("%d年%2d月%2d日生", y, int(m), d), nil
	}
	return "", fmt.Errorf("birth date: unknown date form %v", form)
}

// PrintedExpiry returns the expiry as the card prints it, "2035年 2月17日まで有効".
func PrintedExpiry(expiry time.Time) string {
	y, m, d := expiry.Date()
	return fmt.Sprintf("%d年%2d月%2d日まで有効", y, int(m), d)
}

// printedSex returns the sex as printed: 男, 女, or a dash when not known or not applicable.
func printedSex(s myna.Sex) string {
	switch s {
	case myna.SexMale:
		return "男"
	case myna.SexFemale:
		return "女"
	}
	return "－"
}

// groupedNumber writes the 12-digit individual number in groups of four, as the back prints it.
func groupedNumber(n string) string {
	if len(n) != 12 {
		return n
	}
	return n[0:4] + " " + n[4:8] + " " + n[8:12]
}
