// Package cardimage renders a profile's My Number Card faces as PNG images,
// the way the card is printed: the front with the title, name, address, birth
// date (era or Western form, as the profile's DateForm says), sex, expiry,
// the security-code box and the face photo on the right; the back with the
// individual number, the name, the birth date and the IC chip. The card is
// ID-1 (85.60 × 53.98 mm) drawn at 300 dpi: Width × Height pixels.
//
// Text is drawn with IPA Gothic (Debian's fonts-ipafont-gothic, through
// internal/jptext). The photo is the profile's face.jp2, decoded with
// opj_decompress (libopenjp2-tools): the printed photo is then the one the
// chip holds, for every profile, not only the generator's. The images are
// fake cards for tests and certification, with fictional data.
package cardimage

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/taimen-dev/taimen/internal/jptext"
	"github.com/taimen-dev/taimen/myna"
)

// The size of a rendered face: ID-1 at 300 dpi.
const (
	DPI    = 300
	Width  = 1011 // 85.60 mm
	Height = 638  // 53.98 mm
)

// Side is a face of the card.
type Side string

// The two sides.
const (
	Front Side = "front"
	Back  Side = "back"
)

// ParseSide accepts "front" or "back".
func ParseSide(s string) (Side, error) {
	switch Side(s) {
	case Front, Back:
		return Side(s), nil
	}
	return "", fmt.Errorf("card side %q must be front or back", s)
}

// Renderer draws card faces with one loaded font.
type Renderer struct {
	font *jptext.Font
}

// New loads the font at fontPath ("" finds IPA Gothic) and returns a renderer.
func New(fontPath string) (*Renderer, error) {
	f, err := jptext.Load(fontPath)
	if err != nil {
		return nil, fmt.Errorf("card image: %w", err)
	}
	return &Renderer{font: f}, nil
}

// Render draws one side of p's card.
func (r *Renderer) Render(p *myna.Profile, side Side) (image.Image, error) {
	switch side {
	case Front:
		return r.front(p)
	case Back:
		return r.back(p)
	}
	return nil, fmt.Errorf("card image: unknown side %q", side)
}

// PNG draws one side of p's card and encodes it as PNG.
func (r *Renderer) PNG(p *myna.Profile, side Side) ([]byte, error) {
	img, err := r.Render(p, side)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("card image: encode PNG: %w", err)
	}
	return b.Bytes(), nil
}
