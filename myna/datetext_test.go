package myna

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"1980-02-17", d(1980, 2, 17)},
		{"1980/2/17", d(1980, 2, 17)},
		{"1980.02.17", d(1980, 2, 17)},
		{"1980年2月17日", d(1980, 2, 17)},
		{"昭和55年2月17日", d(1980, 2, 17)},
		{"昭和55年 2月17日生", d(1980, 2, 17)}, // as the card prints it
		{"S55.2.17", d(1980, 2, 17)},
		{"s55/02/17", d(1980, 2, 17)},
		{"Showa 55-2-17", d(1980, 2, 17)},
		{"Ｓ５５．２．１７", d(1980, 2, 17)},
		{"昭和５５年２月１７日", d(1980, 2, 17)},
		{"１９８０－０２－１７", d(1980, 2, 17)},
		{"平成元年1月8日", d(1989, 1, 8)},
		{"H1.1.8", d(1989, 1, 8)},
		{"R1.5.1", d(2019, 5, 1)},
		{"T15.12.24", d(1926, 12, 24)},
		{"大正元年7月30日", d(1912, 7, 30)},
	} {
		got, err := ParseDate(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseDate(%q) = %s, %v; want %s", tc.in, got.Format(time.DateOnly), err, tc.want.Format(time.DateOnly))
		}
	}
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"", ErrDateForm},
		{"17 February 1980", ErrDateForm},
		{"X55.2.17", ErrDateForm},
		{"S56.3", ErrDateForm},
		{"昭和64年1月8日", ErrInvalidDate}, // 昭和 ended on 64年1月7日
		{"平成31年5月1日", ErrInvalidDate},
		{"H1.1.7", ErrInvalidDate},
		{"1980-02-30", ErrInvalidDate},
		{"S55.13.1", ErrInvalidDate},
		{"1872-12-31", ErrLunisolar},
	} {
		_, err := ParseDate(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("ParseDate(%q): %v; want %v", tc.in, err, tc.want)
		}
		if err != nil && tc.in != "" && strings.Contains(err.Error(), tc.in) {
			t.Errorf("ParseDate(%q): the error quotes the date: %v", tc.in, err)
		}
	}
}

func TestCheckExpiryYearAndSecurityCode(t *testing.T) {
	for y, ok := range map[int]bool{2014: false, 2015: true, 2035: true, 10000: false} {
		if err := CheckExpiryYear(y); (err == nil) != ok {
			t.Errorf("CheckExpiryYear(%d): %v", y, err)
		}
	}
	for s, ok := range map[string]bool{"1234": true, "123": false, "12345": false, "12a4": false, "１２３４": false} {
		if err := CheckSecurityCode(s); (err == nil) != ok {
			t.Errorf("CheckSecurityCode(%q): %v", s, err)
		}
	}
}
