package main

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"os"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// fontCandidates are the places Debian's fonts-ipafont-gothic puts IPA Gothic.
var fontCandidates = []string{
	"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
	"/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
	"/usr/share/fonts/truetype/ipafont-gothic/ipag.ttf",
}

// findFont returns the first IPA Gothic file that exists.
func findFont() (string, error) {
	for _, p := range fontCandidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("IPA Gothic not found in %q: install Debian's fonts-ipafont-gothic or pass -font", fontCandidates)
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
	font *opentype.Font
}

// newTextRenderer loads an OpenType/TrueType font from path.
func newTextRenderer(path string) (*textRenderer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read font: %w", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse font %s: %w", path, err)
	}
	return &textRenderer{font: f}, nil
}

// render draws s in black on white with layout l, wrapping onto as many lines
// as needed, and thresholds the anti-aliased result to a 1-bit bitmap.
func (r *textRenderer) render(s string, l textLayout) (*bitmap, error) {
	face, err := opentype.NewFace(r.font, &opentype.FaceOptions{Size: l.size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("font face: %w", err)
	}
	defer face.Close()
	m := face.Metrics()
	if (m.Ascent + m.Descent).Ceil() > l.lineHeight {
		return nil, fmt.Errorf("font size %v too large for %d-pixel lines", l.size, l.lineHeight)
	}
	lines, err := wrap(face, s, fixed.I(l.width-2*l.margin))
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

// wrap splits s into lines no wider than maxWidth. Lines break between any
// two CJK characters or at spaces; a run of Latin letters or digits stays
// together unless it alone is too wide. Spaces at the start of a line are
// dropped.
func wrap(face font.Face, s string, maxWidth fixed.Int26_6) ([]string, error) {
	tokens := tokenize(s)
	var lines []string
	var cur []rune
	var curW fixed.Int26_6
	flush := func() {
		lines = append(lines, string(cur))
		cur, curW = nil, 0
	}
	for _, tok := range tokens {
		if len(cur) == 0 && isSpace(tok[0]) {
			continue
		}
		w := font.MeasureString(face, string(tok))
		if curW+w <= maxWidth {
			cur, curW = append(cur, tok...), curW+w
			continue
		}
		if isSpace(tok[0]) {
			flush()
			continue
		}
		if len(cur) > 0 {
			flush()
		}
		if w <= maxWidth {
			cur, curW = append(cur, tok...), w
			continue
		}
		// A single word wider than a line: break it between characters.
		for _, c := range tok {
			cw := font.MeasureString(face, string(c))
			if cw > maxWidth {
				return nil, errors.New("wrap: a character is wider than the line")
			}
			if curW+cw > maxWidth {
				flush()
			}
			cur, curW = append(cur, c), curW+cw
		}
	}
	if len(cur) > 0 || len(lines) == 0 {
		flush()
	}
	return lines, nil
}

// tokenize splits s into wrap units: each space, each non-ASCII character,
// and each run of other ASCII characters.
func tokenize(s string) [][]rune {
	var toks [][]rune
	var word []rune
	for _, c := range s {
		if c < unicode.MaxASCII && !isSpace(c) {
			word = append(word, c)
			continue
		}
		if len(word) > 0 {
			toks, word = append(toks, word), nil
		}
		toks = append(toks, []rune{c})
	}
	if len(word) > 0 {
		toks = append(toks, word)
	}
	return toks
}

// isSpace reports whether c is an ASCII or ideographic space.
func isSpace(c rune) bool {
	return c == ' ' || c == '\u3000'
}
