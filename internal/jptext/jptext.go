// Package jptext draws Japanese text with IPA Gothic (Debian's
// fonts-ipafont-gothic): it finds and loads the font, makes faces of a given
// pixel size, and wraps text the way the card face does (between any two CJK
// characters, or at spaces). vectors/gen uses it for the name and address
// images, internal/cardimage for the rendered card faces.
package jptext

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// FontCandidates are the places Debian's fonts-ipafont-gothic puts IPA Gothic.
var FontCandidates = []string{
	"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
	"/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
	"/usr/share/fonts/truetype/ipafont-gothic/ipag.ttf",
}

// ErrNoFont is wrapped when IPA Gothic is not installed.
var ErrNoFont = errors.New("IPA Gothic not found: install Debian's fonts-ipafont-gothic")

// FindFont returns the first IPA Gothic file that exists.
func FindFont() (string, error) {
	for _, p := range FontCandidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w (looked in %q)", ErrNoFont, FontCandidates)
}

// Font is a parsed OpenType/TrueType font.
type Font struct {
	f *opentype.Font
}

// Load parses the font file at path; "" finds IPA Gothic (FindFont).
func Load(path string) (*Font, error) {
	if path == "" {
		var err error
		if path, err = FindFont(); err != nil {
			return nil, err
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read font: %w", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse font %s: %w", path, err)
	}
	return &Font{f: f}, nil
}

// Face returns a face whose em is size pixels, fully hinted. Close it after use.
func (f *Font) Face(size float64) (font.Face, error) {
	face, err := opentype.NewFace(f.f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("font face: %w", err)
	}
	return face, nil
}

// Draw writes s on dst in colour c with its baseline's left end at (x, y)
// and returns the x where the text ends.
func Draw(dst draw.Image, face font.Face, c color.Color, x, y int, s string) int {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
	return d.Dot.X.Ceil()
}

// Width returns the advance width of s in face, in whole pixels (rounded up).
func Width(face font.Face, s string) int { return font.MeasureString(face, s).Ceil() }

// Wrap splits s into lines no wider than maxWidth. Lines break between any
// two CJK characters or at spaces; a run of Latin letters or digits stays
// together unless it alone is too wide. Spaces at the start of a line are
// dropped.
func Wrap(face font.Face, s string, maxWidth fixed.Int26_6) ([]string, error) {
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
