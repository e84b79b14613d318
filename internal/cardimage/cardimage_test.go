package cardimage

import (
	"errors"
	"image"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/internal/jptext"
	"github.com/taimen-dev/taimen/myna"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestPrintedBirthDate checks the birth date as printed, in both forms,
// at era boundaries and with 元年.
func TestPrintedBirthDate(t *testing.T) {
	for _, tc := range []struct {
		birth time.Time
		form  myna.DateForm
		want  string
	}{
		{day(1980, 2, 17), myna.DateFormEra, "昭和55年 2月17日生"},
		{day(1989, 1, 7), myna.DateFormEra, "昭和64年 1月 7日生"},
		{day(1989, 1, 8), myna.DateFormEra, "平成元年 1月 8日生"},
		{day(2019, 5, 1), myna.DateFormEra, "令和元年 5月 1日生"},
		{day(1925, 3, 3), myna.DateFormEra, "大正14年 3月 3日生"},
		{day(1978, 11, 5), myna.DateFormWestern, "1978年11月 5日生"},
	} {
		got, err := PrintedBirthDate(tc.birth, tc.form)
		if err != nil || got != tc.want {
			t.Errorf("PrintedBirthDate(%s, %v) = %q, %v; want %q", tc.birth.Format(time.DateOnly), tc.form, got, err, tc.want)
		}
	}
	if _, err := PrintedBirthDate(day(1872, 12, 31), myna.DateFormEra); !errors.Is(err, myna.ErrLunisolar) {
		t.Errorf("a lunisolar date: %v", err)
	}
	if _, err := PrintedBirthDate(day(1980, 2, 17), myna.DateForm(7)); err == nil {
		t.Error("an unknown date form was printed")
	}
	if got := PrintedExpiry(day(2035, 2, 17)); got != "2035年 2月17日まで有効" {
		t.Errorf("PrintedExpiry = %q", got)
	}
}

// TestParseSide accepts the two sides only.
func TestParseSide(t *testing.T) {
	for in, ok := range map[string]bool{"front": true, "back": true, "": false, "Front": false, "side": false} {
		if _, err := ParseSide(in); (err == nil) != ok {
			t.Errorf("ParseSide(%q): %v", in, err)
		}
	}
}

// TestScale maps the layout onto images of other sizes and offsets.
func TestScale(t *testing.T) {
	for _, tc := range []struct {
		bounds image.Rectangle
		want   image.Rectangle
	}{
		{image.Rect(0, 0, Width, Height), SecurityCodeBox},
		{image.Rect(0, 0, 2*Width, 2*Height), image.Rect(2*SecurityCodeBox.Min.X, 2*SecurityCodeBox.Min.Y, 2*SecurityCodeBox.Max.X, 2*SecurityCodeBox.Max.Y)},
		{image.Rect(10, 20, 10+Width, 20+Height), SecurityCodeBox.Add(image.Pt(10, 20))},
	} {
		if got := Scale(SecurityCodeBox, tc.bounds); got != tc.want {
			t.Errorf("Scale(_, %v) = %v, want %v", tc.bounds, got, tc.want)
		}
	}
}

// TestRender draws both sides of a profile at the ID-1 size, and refuses an
// unknown side and a profile without a face photo.
func TestRender(t *testing.T) {
	r, err := New("")
	if errors.Is(err, jptext.ErrNoFont) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	p, err := myna.LoadProfile(filepath.Join("..", "..", "vectors", "profiles", "p01-showa", "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("opj_decompress"); err == nil {
		img, err := r.Render(p, Front)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height {
			t.Errorf("front is %v", b)
		}
	}
	if _, err := r.Render(p, Side("side")); err == nil {
		t.Error("an unknown side was drawn")
	}
	noFace := *p
	noFace.Images.Face = nil
	if _, err := r.Render(&noFace, Front); err == nil {
		t.Error("a front without a face photo was drawn")
	}
	bad := *p
	bad.Images.Face = []byte("not a JP2")
	if _, err := r.Render(&bad, Front); err == nil {
		t.Error("a front with a broken face photo was drawn")
	}
	if _, err := r.Render(&noFace, Back); err != nil {
		t.Errorf("the back needs no photo: %v", err)
	}
}
