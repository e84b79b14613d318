package cardocr

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/taimen-dev/taimen/internal/cardimage"
	"github.com/taimen-dev/taimen/myna"
)

// profileIDs are the committed profiles whose rendered fronts are read.
var profileIDs = []string{"p01-showa", "p02-long-address", "p03-foreign-resident", "p04-reiwa-boundary", "p05-near-expiry", "p06-taisho-contactless"}

// needTesseract skips the test where tesseract or its languages are missing.
func needTesseract(t *testing.T) {
	t.Helper()
	if _, err := newTesseract(context.Background(), Options{}); err != nil {
		t.Skip(err)
	}
}

// TestReadRenderedFronts runs tesseract on every profile's committed front
// (vectors/profiles/<id>/card-front.png) and gets the birth date (era or
// Western), the expiry year and the security code back exactly, and so the
// profile's check code B.
func TestReadRenderedFronts(t *testing.T) {
	needTesseract(t)
	for _, id := range profileIDs {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			p, err := myna.LoadProfile(filepath.Join("..", "..", "vectors", "profiles", id, "profile.json"))
			if err != nil {
				t.Fatal(err)
			}
			f, err := ReadFile(context.Background(), filepath.Join("..", "..", "vectors", "profiles", id, "card-front.png"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !f.BirthDate.Equal(p.Person.BirthDate) {
				t.Error("birth date differs from the profile's")
			}
			if f.Form != p.Person.DateForm {
				t.Errorf("date form %v, want %v", f.Form, p.Person.DateForm)
			}
			if f.ExpiryYear != p.Card.Expiry.Year() {
				t.Error("expiry year differs from the profile's")
			}
			if f.SecurityCode != p.Card.SecurityCode {
				t.Error("security code differs from the profile's")
			}
			code, err := f.CheckCodeB()
			if err != nil {
				t.Fatal(err)
			}
			if !code.Equal(p.CheckCodeB()) {
				t.Error("check code B differs from the profile's")
			}
		})
	}
}

// TestReadErrors checks the typed errors: no tesseract, and an image that is
// not a card front (its back: no birth date where the front prints it).
func TestReadErrors(t *testing.T) {
	back := filepath.Join("..", "..", "vectors", "profiles", "p01-showa", "card-back.png")
	_, err := ReadFile(context.Background(), back, Options{Tesseract: "/nonexistent/tesseract"})
	if !errors.Is(err, ErrNoTesseract) {
		t.Errorf("missing tesseract: %v, want ErrNoTesseract", err)
	}
	needTesseract(t)
	_, err = ReadFile(context.Background(), back, Options{})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != FieldBirthDate || !errors.Is(err, ErrUnreadable) {
		t.Errorf("the back read as a front: %v, want a birth-date FieldError", err)
	}
	if _, err := ReadFile(context.Background(), "cardocr.go", Options{}); err == nil {
		t.Error("a Go file read as an image")
	}
	if _, err := exec.LookPath("tesseract"); err == nil {
		if _, err := Read(context.Background(), cardimageTooSmall(), Options{}); err == nil {
			t.Error("a tiny image was read")
		}
	}
}

func cardimageTooSmall() *imageRGBA { return newRGBA(cardimage.Width/4, cardimage.Height/4) }
