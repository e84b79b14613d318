package jptext

import (
	"errors"
	"image"
	"image/color"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/math/fixed"
)

// TestTokenize splits CJK characters and spaces apart and keeps ASCII runs whole.
func TestTokenize(t *testing.T) {
	var got []string
	for _, tok := range tokenize("SMITH JOHN 試験町1-2　番") {
		got = append(got, string(tok))
	}
	want := []string{"SMITH", " ", "JOHN", " ", "試", "験", "町", "1-2", "\u3000", "番"}
	if !slices.Equal(got, want) {
		t.Errorf("tokenize = %q, want %q", got, want)
	}
}

// TestWrapAndDraw wraps to a width, keeps a Latin word whole, refuses a
// width narrower than one character, and draws ink.
func TestWrapAndDraw(t *testing.T) {
	f, err := Load("")
	if errors.Is(err, ErrNoFont) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	face, err := f.Face(20)
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	lines, err := Wrap(face, "東京都千代田区試験町一丁目 ALEXANDER", fixed.I(150))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if w := Width(face, l); w > 150 {
			t.Errorf("line %q is %d pixels wide", l, w)
		}
	}
	if len(lines) < 3 || lines[len(lines)-1] != "ALEXANDER" {
		t.Errorf("lines %q", lines)
	}
	if strings.ReplaceAll(strings.Join(lines, ""), " ", "") != "東京都千代田区試験町一丁目ALEXANDER" {
		t.Errorf("wrapped lines lose text: %q", lines)
	}
	if _, err := Wrap(face, "東", fixed.I(5)); err == nil {
		t.Error("a character wider than the line was wrapped")
	}
	img := image.NewGray(image.Rect(0, 0, 60, 30))
	if end := Draw(img, face, color.White, 2, 24, "番号"); end <= 2 {
		t.Errorf("Draw ended at %d", end)
	}
	if !slices.ContainsFunc(img.Pix, func(v uint8) bool { return v > 0 }) {
		t.Error("Draw drew nothing")
	}
}
