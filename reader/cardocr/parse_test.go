package cardocr

import (
	"errors"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/myna"
)

// TestParseBirthDate checks the printed forms tesseract returns, with the
// spaces and full-width digits it may give, and refuses what is not a date of
// its era.
func TestParseBirthDate(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string // YYYY-MM-DD; "" means an error
		form    myna.DateForm
		printed string
	}{
		{"昭和55年 2月17日生\n", "1980-02-17", myna.DateFormEra, "昭和55年2月17日"},
		{"令和元年 5月 1日生", "2019-05-01", myna.DateFormEra, "令和元年5月1日"},
		{"平成 1年 1月 8日生", "1989-01-08", myna.DateFormEra, "平成元年1月8日"},
		{"大正１４年３月３日生", "1925-03-03", myna.DateFormEra, "大正14年3月3日"},
		{"1978年11月 5日生", "1978-11-05", myna.DateFormWestern, "1978年11月5日"},
		{"昭和64年 1月 8日生", "", 0, ""}, // 昭和 ended on 1 January 7
		{"平成31年 5月 1日生", "", 0, ""}, // 平成 ended on 30 April
		{"昭和55年 2月30日生", "", 0, ""}, // no such day
		{"昭和55年 2月生", "", 0, ""},    // no day
		{"昭和平成55年2月17日", "", 0, ""}, // two eras
		{"78年11月 5日生", "", 0, ""},   // Western form needs four digits
		{"1978年13月 5日生", "", 0, ""}, // no such month
		{"", "", 0, ""},
	} {
		got, form, printed, err := parseBirthDate(tc.in)
		if tc.want == "" {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != FieldBirthDate {
				t.Errorf("parseBirthDate(%q) = %v, %v; want a birth-date FieldError", tc.in, got, err)
			}
			continue
		}
		if err != nil || got.Format(time.DateOnly) != tc.want || form != tc.form || printed != tc.printed {
			t.Errorf("parseBirthDate(%q) = %s %v %q %v; want %s %v %q", tc.in, got.Format(time.DateOnly), form, printed, err, tc.want, tc.form, tc.printed)
		}
	}
}

// TestParseDigits checks the expiry year and security code fields.
func TestParseDigits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		year int
	}{{"2035\n", 2035}, {" 2 0 3 5 ", 2035}, {"20354", 0}, {"203", 0}, {"1999", 0}, {"20a5", 0}} {
		y, err := parseExpiryYear(tc.in)
		if y != tc.year || (err == nil) != (tc.year != 0) {
			t.Errorf("parseExpiryYear(%q) = %d, %v; want %d", tc.in, y, err, tc.year)
		}
	}
	for _, tc := range []struct{ in, want string }{{"4821\n", "4821"}, {"０９０７", "0907"}, {"482", ""}, {"48211", ""}, {"48a1", ""}} {
		c, err := parseSecurityCode(tc.in)
		if c != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("parseSecurityCode(%q) = %q, %v; want %q", tc.in, c, err, tc.want)
		}
	}
	err := &FieldError{Field: FieldSecurityCode, Reason: "want four digits"}
	if !errors.Is(err, ErrUnreadable) {
		t.Error("FieldError does not wrap ErrUnreadable")
	}
}

// TestFieldsRedacted checks Fields does not print what it holds.
func TestFieldsRedacted(t *testing.T) {
	f := Fields{SecurityCode: "4821", Printed: "昭和55年2月17日"}
	if s := f.String(); s != "cardocr.Fields("+myna.Redacted+")" {
		t.Errorf("String = %q", s)
	}
}
