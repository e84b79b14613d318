package main

import (
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// displayWidth is the number of terminal columns s takes: East Asian wide and full-width
// characters (kanji, kana, full-width digits) take two, combining marks none, the rest one.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
		case width.LookupRune(r).Kind() == width.EastAsianWide || width.LookupRune(r).Kind() == width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// writeTable writes rows as aligned columns on a terminal: each cell padded with spaces to the
// display width of its column's widest cell, columns two spaces apart, each line after indent
// and without trailing spaces. (text/tabwriter counts characters, so Japanese text misaligns.)
func writeTable(w io.Writer, indent string, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		line := indent
		for i, c := range row {
			if i < len(row)-1 {
				c += strings.Repeat(" ", widths[i]-displayWidth(c)+2)
			}
			line += c
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
