package main

import (
	"fmt"
	"image"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"github.com/taimen-dev/taimen/internal/jptext"
)

// findFont returns the first IPA Gothic file that exists.
func findFont() (string, error) {
	p, err := jptext.FindFont()
	if err != nil {
		return "", fmt.Errorf("%w, or pass -font", err)
	}
	return p, nil
}

// textLayout fixes how a field of the card face is printed.
type textLayout struct {
	// width is the image width in pixels; text wraps to stay inside it.
	width int
	// lineHeight is the height of one printed line in pixels.
	lineHeight int
	// size is the font size in pixels (em height).
	size float64
	// margin is the blank space left and right of the text, in pixels.
	margin int
}

// The layouts of the name and address fields: one 336-pixel-wide field, the
// name in larger type on 32-pixel lines, the address on 24-pixel lines.
var (
	nameLayout    = textLayout{width: 336, lineHeight: 32, size: 28, margin: 2}
	addressLayout = textLayout{width: 336, lineHeight: 24, size: 20, margin: 2}
)

// textRenderer draws text with one font.
type textRenderer struct {
	// font is the parsed IPA Gothic font.
	font *jptext.Font
}

// newTextRenderer loads an OpenType/TrueType font from path.
func newTextRenderer(path string) (*textRenderer, error) {
	f, err := jptext.Load(path)
	if err != nil {
		return nil, err
	}
	return &textRenderer{font: f}, nil
}

// render draws s in black on white with layout l, wrapping onto as many lines
// as needed, and thresholds the anti-aliased result to a 1-bit bitmap.
func (r *textRenderer) render(s string, l textLayout) (*bitmap, error) {
	face, err := r.font.Face(l.size)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	m := face.Metrics()
	if (m.Ascent + m.Descent).Ceil() > l.lineHeight {
		return nil, fmt.Errorf("font size %v too large for %d-pixel lines", l.size, l.lineHeight)
	}
	lines, err := jptext.Wrap(face, s, fixed.I(l.width-2*l.margin))
	if err != nil {
		return nil, err
	}
	img := image.NewGray(image.Rect(0, 0, l.width, l.lineHeight*len(lines)))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	// Centre the ascent+descent box vertically in each line.
	top := (fixed.I(l.lineHeight) - m.Ascent - m.Descent) / 2
	d := font.Drawer{Dst: img, Src: image.Black, Face: face}
	for i, line := range lines {
		d.Dot = fixed.Point26_6{X: fixed.I(l.margin), Y: fixed.I(i*l.lineHeight) + top + m.Ascent}
		d.DrawString(line)
	}
	return threshold(img), nil
}
