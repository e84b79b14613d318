package cardocr

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	xdraw "golang.org/x/image/draw"

	"github.com/taimen-dev/taimen/internal/cardimage"
	"github.com/taimen-dev/taimen/myna"
)

// TestReadPhotoLikeFronts reads p01's and p04's fronts as a phone would hand
// them over: scaled (smaller and larger than 300 dpi) and JPEG-compressed.
func TestReadPhotoLikeFronts(t *testing.T) {
	needTesseract(t)
	for _, id := range []string{"p01-showa", "p04-reiwa-boundary"} {
		p, err := myna.LoadProfile(filepath.Join("..", "..", "vectors", "profiles", id, "profile.json"))
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join("..", "..", "vectors", "profiles", id, "card-front.png"))
		if err != nil {
			t.Fatal(err)
		}
		src, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, scale := range []float64{0.6, 1.5} {
			b := src.Bounds()
			dst := image.NewRGBA(image.Rect(0, 0, int(float64(b.Dx())*scale), int(float64(b.Dy())*scale)))
			xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, b, xdraw.Src, nil)
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}); err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Read(context.Background(), img, Options{})
			if err != nil {
				t.Errorf("%s at %.1f×, JPEG: %v", id, scale, err)
				continue
			}
			if code, err := got.CheckCodeB(); err != nil || !code.Equal(p.CheckCodeB()) {
				t.Errorf("%s at %.1f×, JPEG: check code B differs from the profile's", id, scale)
			}
		}
	}
}

// onSurface returns src lying at (dx, dy) on a dark grey surface of w × h pixels.
func onSurface(src image.Image, w, h, dx, dy int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.Draw(dst, dst.Bounds(), image.NewUniform(color.RGBA{0x3a, 0x3c, 0x40, 0xff}), image.Point{}, xdraw.Src)
	xdraw.Draw(dst, src.Bounds().Sub(src.Bounds().Min).Add(image.Pt(dx, dy)), src, src.Bounds().Min, xdraw.Src)
	return dst
}

// TestLocate finds the card on a dark surface, takes a cropped card whole,
// and refuses a dark photo with no card-shaped light area.
func TestLocate(t *testing.T) {
	card := image.NewRGBA(image.Rect(0, 0, cardimage.Width, cardimage.Height))
	xdraw.Draw(card, card.Bounds(), image.NewUniform(color.RGBA{0xfb, 0xf7, 0xf0, 0xff}), image.Point{}, xdraw.Src)
	if r, err := locate(card); err != nil || r != card.Bounds() {
		t.Errorf("cropped card: %v, %v", r, err)
	}
	photo := onSurface(card, 1400, 1000, 150, 200)
	if r, err := locate(photo); err != nil || r != image.Rect(150, 200, 150+cardimage.Width, 200+cardimage.Height) {
		t.Errorf("card on a surface: %v, %v", r, err)
	}
	white := image.NewRGBA(image.Rect(0, 0, 400, 400))
	xdraw.Draw(white, white.Bounds(), image.White, image.Point{}, xdraw.Src)
	if _, err := locate(onSurface(white, 800, 800, 200, 200)); !errors.Is(err, errNoCard) {
		t.Errorf("a square: %v, want errNoCard", err)
	}
	if _, err := locate(onSurface(image.NewRGBA(image.Rect(0, 0, 1, 1)), 300, 200, 0, 0)); !errors.Is(err, errNoCard) {
		t.Errorf("a dark photo: %v, want errNoCard", err)
	}
}

// TestReadCardOnSurface reads p03's (Western) front photographed on a dark desk.
func TestReadCardOnSurface(t *testing.T) {
	needTesseract(t)
	p, err := myna.LoadProfile(filepath.Join("..", "..", "vectors", "profiles", "p03-foreign-resident", "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("..", "..", "vectors", "profiles", "p03-foreign-resident", "card-front.png"))
	if err != nil {
		t.Fatal(err)
	}
	src, _, err := image.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(context.Background(), onSurface(src, 1500, 1100, 213, 187), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if code, err := got.CheckCodeB(); err != nil || !code.Equal(p.CheckCodeB()) {
		t.Error("check code B differs from the profile's")
	}
}
