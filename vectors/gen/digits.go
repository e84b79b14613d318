package main

import "fmt"

// Cell geometry of the small digit images: each digit takes a 6×12 cell with
// a 5×9 glyph at (0, digitTop), as in the 72×12 My Number image
// (12 digits × 6 px) and the 24×12 security-code image (4 digits × 6 px).
const (
	digitCellW = 6
	digitCellH = 12
	digitTop   = 1
)

// digitGlyphs is a hand-made 5×9 bitmap font for 0–9 ('#' is ink). It is
// small enough for 6-pixel cells, unlike basicfont's 7×13 face.
var digitGlyphs = [10][9]string{
	{".###.", "#...#", "#...#", "#..##", "#.#.#", "##..#", "#...#", "#...#", ".###."},
	{"..#..", ".##..", "#.#..", "..#..", "..#..", "..#..", "..#..", "..#..", "#####"},
	{".###.", "#...#", "....#", "....#", "...#.", "..#..", ".#...", "#....", "#####"},
	{".###.", "#...#", "....#", "....#", "..##.", "....#", "....#", "#...#", ".###."},
	{"...#.", "..##.", ".#.#.", "#..#.", "#..#.", "#####", "...#.", "...#.", "...#."},
	{"#####", "#....", "#....", "####.", "....#", "....#", "....#", "#...#", ".###."},
	{"..##.", ".#...", "#....", "####.", "#...#", "#...#", "#...#", "#...#", ".###."},
	{"#####", "....#", "....#", "...#.", "..#..", "..#..", ".#...", ".#...", ".#..."},
	{".###.", "#...#", "#...#", "#...#", ".###.", "#...#", "#...#", "#...#", ".###."},
	{".###.", "#...#", "#...#", "#...#", ".####", "....#", "....#", "...#.", ".##.."},
}

// renderDigits draws a string of ASCII digits in the small bitmap font into a
// (6·len)×12 bitmap.
func renderDigits(s string) (*bitmap, error) {
	b := newBitmap(digitCellW*len(s), digitCellH)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("render digits: character %d is not a digit", i)
		}
		for y, row := range digitGlyphs[c-'0'] {
			for x := 0; x < len(row); x++ {
				if row[x] == '#' {
					b.set(i*digitCellW+x, digitTop+y)
				}
			}
		}
	}
	return b, nil
}
