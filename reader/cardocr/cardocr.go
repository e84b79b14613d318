// Package cardocr reads what check code B is made of — the birth date (era
// or Western form), the expiry year and the security code — from a photo of a
// My Number Card's front, with Debian's tesseract (tesseract-ocr, and
// tesseract-ocr-jpn for the era kanji).
//
// The photo must show the card's front upright: cropped to the card, as
// `taimen card-image` writes it, or lying on a darker surface, where the card
// is found first (the light ID-1-shaped area). Each field is cut out at its
// place on the ID-1 layout (internal/cardimage), scaled to the card's size in
// the photo, and read on
// its own with the language, page-segmentation mode and character whitelist
// that suit it. What was read is parsed and validated (myna's era calendar and
// check code B rules) before anything is returned; nothing read is ever put in
// an error. Images go to tesseract through a pipe, never a temporary file.
package cardocr

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // photos are often JPEG
	_ "image/png"
	"os"
	"time"

	"github.com/taimen-dev/taimen/internal/cardimage"
	"github.com/taimen-dev/taimen/myna"
)

// Field names a printed field that is read.
type Field string

// The fields read.
const (
	FieldBirthDate    Field = "birth date"
	FieldExpiryYear   Field = "expiry year"
	FieldSecurityCode Field = "security code"
)

// ErrNoTesseract is wrapped when the tesseract program is not installed.
var ErrNoTesseract = errors.New("tesseract not found: install Debian's tesseract-ocr and tesseract-ocr-jpn")

// ErrNoLanguage is wrapped when tesseract lacks a language it needs (jpn or eng).
var ErrNoLanguage = errors.New("tesseract language data missing: install Debian's tesseract-ocr-jpn and tesseract-ocr-eng")

// ErrUnreadable is wrapped by every FieldError.
var ErrUnreadable = errors.New("field could not be read")

// FieldError says which field could not be read and why, without what was read.
type FieldError struct {
	Field  Field
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("card image: %s: %s (retake the photo, or type the birth date, expiry year and security code by hand)", e.Field, e.Reason)
}

// Unwrap returns ErrUnreadable.
func (e *FieldError) Unwrap() error { return ErrUnreadable }

// Fields is what was read from the card's front. It holds personal data:
// its String method redacts it; read the fields.
type Fields struct {
	// BirthDate is the Gregorian birth date (UTC midnight).
	BirthDate time.Time
	// Form is how the card prints the birth date: era or Western.
	Form myna.DateForm
	// Printed is the birth date as printed, normalized: "昭和55年2月17日" or "1978年11月5日".
	Printed string
	// ExpiryYear is the Western year the card expires.
	ExpiryYear int
	// SecurityCode is the 4-digit security code.
	SecurityCode string
}

// String returns "cardocr.Fields([redacted])".
func (f Fields) String() string { return "cardocr.Fields(" + myna.Redacted + ")" }

// CheckCodeB builds check code B from the fields, as the manual entry does.
func (f Fields) CheckCodeB() (myna.CheckCodeB, error) {
	return myna.NewCheckCodeB(f.BirthDate, f.Form, f.ExpiryYear, f.SecurityCode)
}

// Options configure Read.
type Options struct {
	// Tesseract is the program; "" looks up "tesseract" in PATH.
	Tesseract string
	// Timeout bounds each tesseract run; 0 means 30 seconds.
	Timeout time.Duration
}

// ReadFile decodes the PNG or JPEG photo at path and reads it (Read).
func ReadFile(ctx context.Context, path string, o Options) (*Fields, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("card image: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("card image %s: not a PNG or JPEG image: %w", path, err)
	}
	return Read(ctx, img, o)
}

// Read reads the birth date, the expiry year and the security code from a
// photo of the card's front: cropped to the card, or on a darker surface.
func Read(ctx context.Context, img image.Image, o Options) (*Fields, error) {
	t, err := newTesseract(ctx, o)
	if err != nil {
		return nil, err
	}
	b, err := locate(img)
	if err != nil {
		return nil, err
	}
	if b.Dx() < cardimage.Width/3 || b.Dy() < cardimage.Height/3 {
		return nil, fmt.Errorf("card image: %dx%d pixels is too small to read (at least %dx%d)", b.Dx(), b.Dy(), cardimage.Width/3, cardimage.Height/3)
	}
	crop := func(r image.Rectangle) image.Image { return subImage(img, cardimage.Scale(r, b)) }
	var f Fields
	text, err := t.ocr(ctx, crop(cardimage.BirthDateBox), "jpn", birthWhitelist)
	if err != nil {
		return nil, err
	}
	if f.BirthDate, f.Form, f.Printed, err = parseBirthDate(text); err != nil {
		return nil, err
	}
	text, err = t.ocr(ctx, crop(cardimage.ExpiryYearBox), "eng", digits)
	if err != nil {
		return nil, err
	}
	if f.ExpiryYear, err = parseExpiryYear(text); err != nil {
		return nil, err
	}
	text, err = t.ocr(ctx, crop(cardimage.SecurityCodeBox), "eng", digits)
	if err != nil {
		return nil, err
	}
	if f.SecurityCode, err = parseSecurityCode(text); err != nil {
		return nil, err
	}
	return &f, nil
}

// subImage returns the part of img inside r, copied into a new RGBA image.
func subImage(img image.Image, r image.Rectangle) image.Image {
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			out.Set(x-r.Min.X, y-r.Min.Y, img.At(x, y))
		}
	}
	return out
}
