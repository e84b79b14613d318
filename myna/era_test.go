package myna

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestToEraBoundaries(t *testing.T) {
	cases := []struct {
		date   string
		era    Era
		year   int
		yymmdd string
		ja     string
	}{
		{"1873-01-01", EraMeiji, 6, "060101", "明治6年1月1日"},
		{"1912-07-29", EraMeiji, 45, "450729", "明治45年7月29日"},
		{"1912-07-30", EraTaisho, 1, "010730", "大正元年7月30日"},
		{"1926-12-24", EraTaisho, 15, "151224", "大正15年12月24日"},
		{"1926-12-25", EraShowa, 1, "011225", "昭和元年12月25日"},
		{"1980-02-17", EraShowa, 55, "550217", "昭和55年2月17日"},
		{"1989-01-07", EraShowa, 64, "640107", "昭和64年1月7日"},
		{"1989-01-08", EraHeisei, 1, "010108", "平成元年1月8日"},
		{"1995-07-30", EraHeisei, 7, "070730", "平成7年7月30日"},
		{"2019-04-30", EraHeisei, 31, "310430", "平成31年4月30日"},
		{"2019-05-01", EraReiwa, 1, "010501", "令和元年5月1日"},
		{"2020-02-24", EraReiwa, 2, "020224", "令和2年2月24日"},
		{"2024-02-29", EraReiwa, 6, "060229", "令和6年2月29日"},
	}
	for _, tc := range cases {
		d, err := time.Parse(time.DateOnly, tc.date)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ToEra(d)
		if err != nil {
			t.Errorf("ToEra(%s): %v", tc.date, err)
			continue
		}
		if got.Era != tc.era || got.Year != tc.year {
			t.Errorf("ToEra(%s) = %v %d, want %v %d", tc.date, got.Era, got.Year, tc.era, tc.year)
		}
		if got.YYMMDD() != tc.yymmdd {
			t.Errorf("ToEra(%s).YYMMDD() = %s, want %s", tc.date, got.YYMMDD(), tc.yymmdd)
		}
		if got.String() != tc.ja {
			t.Errorf("ToEra(%s).String() = %s, want %s", tc.date, got, tc.ja)
		}
		back, err := FromEra(tc.era, tc.year, got.Month, got.Day)
		if err != nil || !back.Equal(d) {
			t.Errorf("FromEra(%v %d %d %d) = %v, %v; want %s", tc.era, tc.year, got.Month, got.Day, back, err, tc.date)
		}
		if tt, err := got.Time(); err != nil || !tt.Equal(d) {
			t.Errorf("EraDate.Time() = %v, %v", tt, err)
		}
	}
}

func TestToEraUsesLocalCalendarDate(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	// 1989-01-08 00:30 JST is 1989-01-07 in UTC; the date in t's own location counts.
	d, err := ToEra(time.Date(1989, 1, 8, 0, 30, 0, 0, jst))
	if err != nil || d.Era != EraHeisei || d.Year != 1 {
		t.Errorf("ToEra(1989-01-08 00:30 JST) = %v, %v", d, err)
	}
}

func TestToEraLunisolar(t *testing.T) {
	for _, s := range []string{"1872-12-31", "1868-10-23", "1800-01-01", "0001-01-01"} {
		d, _ := time.Parse(time.DateOnly, s)
		_, err := ToEra(d)
		if !errors.Is(err, ErrLunisolar) {
			t.Errorf("ToEra(%s): err = %v, want ErrLunisolar", s, err)
			continue
		}
		if !strings.Contains(err.Error(), "lunisolar") || strings.Contains(err.Error(), s) {
			t.Errorf("ToEra(%s): message %q", s, err)
		}
	}
}

func TestFromEraValidation(t *testing.T) {
	cases := []struct {
		era     Era
		y, m, d int
		want    error
		message string
	}{
		{EraShowa, 64, 1, 8, ErrInvalidDate, "昭和 (Showa) ended on 昭和64年1月7日 (1989-01-07)"},
		{EraShowa, 65, 1, 1, ErrInvalidDate, "ended on"},
		{EraHeisei, 31, 5, 1, ErrInvalidDate, "平成 (Heisei) ended on 平成31年4月30日 (2019-04-30)"},
		{EraHeisei, 32, 1, 1, ErrInvalidDate, "ended on"},
		{EraHeisei, 1, 1, 7, ErrInvalidDate, "平成 (Heisei) began on 平成元年1月8日 (1989-01-08)"},
		{EraReiwa, 1, 4, 30, ErrInvalidDate, "began on 令和元年5月1日"},
		{EraTaisho, 15, 12, 25, ErrInvalidDate, "ended on 大正15年12月24日"},
		{EraTaisho, 1, 7, 29, ErrInvalidDate, "began on"},
		{EraShowa, 1, 12, 24, ErrInvalidDate, "began on"},
		{EraMeiji, 45, 7, 30, ErrInvalidDate, "ended on 明治45年7月29日"},
		{EraMeiji, 5, 12, 31, ErrLunisolar, "lunisolar"},
		{EraMeiji, 1, 10, 23, ErrLunisolar, "lunisolar"},
		{EraShowa, 0, 1, 1, ErrInvalidDate, "year must be 1"},
		{EraShowa, -3, 1, 1, ErrInvalidDate, "year must be 1"},
		{EraShowa, 55, 2, 30, ErrInvalidDate, "day is not valid"},
		{EraShowa, 55, 13, 1, ErrInvalidDate, "month must be 1-12"},
		{EraShowa, 55, 0, 1, ErrInvalidDate, "month must be 1-12"},
		{EraShowa, 55, 2, 0, ErrInvalidDate, "day is not valid"},
		{EraHeisei, 3, 2, 29, ErrInvalidDate, "day is not valid"}, // 1991 is not a leap year
		{Era(0), 1, 1, 1, ErrInvalidDate, "unknown era"},
		{Era(9), 1, 1, 1, ErrInvalidDate, "unknown era"},
	}
	for _, tc := range cases {
		_, err := FromEra(tc.era, tc.y, time.Month(tc.m), tc.d)
		if !errors.Is(err, tc.want) {
			t.Errorf("FromEra(%v, %d, %d, %d): err = %v, want %v", tc.era, tc.y, tc.m, tc.d, err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.message) {
			t.Errorf("FromEra(%v, %d, %d, %d): message %q, want it to contain %q", tc.era, tc.y, tc.m, tc.d, err, tc.message)
		}
	}
	// Valid: the first Gregorian Meiji day, leap days.
	for _, tc := range []struct {
		era     Era
		y, m, d int
		want    string
	}{
		{EraMeiji, 6, 1, 1, "1873-01-01"},
		{EraHeisei, 12, 2, 29, "2000-02-29"},
		{EraShowa, 1, 12, 31, "1926-12-31"},
		{EraReiwa, 100, 1, 1, "2118-01-01"},
	} {
		got, err := FromEra(tc.era, tc.y, time.Month(tc.m), tc.d)
		if err != nil || got.Format(time.DateOnly) != tc.want {
			t.Errorf("FromEra(%v, %d, %d, %d) = %v, %v; want %s", tc.era, tc.y, tc.m, tc.d, got, err, tc.want)
		}
	}
}

func TestEraNamesAndRanges(t *testing.T) {
	want := []struct {
		kanji, romaji string
		letter        byte
		start, end    string
	}{
		{"明治", "Meiji", 'M', "1868-10-23", "1912-07-29"},
		{"大正", "Taisho", 'T', "1912-07-30", "1926-12-24"},
		{"昭和", "Showa", 'S', "1926-12-25", "1989-01-07"},
		{"平成", "Heisei", 'H', "1989-01-08", "2019-04-30"},
		{"令和", "Reiwa", 'R', "2019-05-01", ""},
	}
	for i, e := range Eras() {
		w := want[i]
		if e.Kanji() != w.kanji || e.Romaji() != w.romaji || e.String() != w.romaji || e.Letter() != w.letter {
			t.Errorf("era %d: %s %s %c", i, e.Kanji(), e.Romaji(), e.Letter())
		}
		if got := e.Start().Format(time.DateOnly); got != w.start {
			t.Errorf("%v.Start() = %s, want %s", e, got, w.start)
		}
		end, ok := e.End()
		if (w.end == "") == ok || (ok && end.Format(time.DateOnly) != w.end) {
			t.Errorf("%v.End() = %v, %v; want %s", e, end, ok, w.end)
		}
		for _, s := range []string{w.kanji, w.romaji, strings.ToLower(w.romaji), strings.ToUpper(w.romaji), string(w.letter), strings.ToLower(string(w.letter))} {
			if got, err := ParseEra(s); err != nil || got != e {
				t.Errorf("ParseEra(%q) = %v, %v", s, got, err)
			}
		}
	}
	for _, s := range []string{"Shōwa", "Taishō"} {
		if _, err := ParseEra(s); err != nil {
			t.Errorf("ParseEra(%q): %v", s, err)
		}
	}
	if _, err := ParseEra("Edo"); err == nil {
		t.Error("ParseEra(Edo): no error")
	}
	if Era(0).Valid() || Era(0).Kanji() != "" || !Era(0).Start().IsZero() {
		t.Error("Era(0) misbehaves")
	}
}

func TestDateForm(t *testing.T) {
	d := time.Date(1978, 11, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		f    DateForm
		want string
	}{{DateFormEra, "531105"}, {DateFormWestern, "781105"}} {
		got, err := tc.f.YYMMDD(d)
		if err != nil || got != tc.want {
			t.Errorf("%v.YYMMDD = %s, %v; want %s", tc.f, got, err, tc.want)
		}
		txt, _ := tc.f.MarshalText()
		var back DateForm
		if err := back.UnmarshalText(txt); err != nil || back != tc.f {
			t.Errorf("DateForm text round trip: %s → %v, %v", txt, back, err)
		}
	}
	if got, _ := DateFormWestern.YYMMDD(time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)); got != "000229" {
		t.Errorf("western 2000-02-29 = %s", got)
	}
	if _, err := ParseDateForm("gregorian"); err == nil {
		t.Error("ParseDateForm(gregorian): no error")
	}
	if _, err := DateForm(5).YYMMDD(d); err == nil {
		t.Error("DateForm(5).YYMMDD: no error")
	}
}
