package myna

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The seed corpus is in testdata/fuzz/<target>; f.Add adds the same few values so that a plain
// `go test` runs them even without the files.

func FuzzParseCheckCodeB(f *testing.F) {
	for _, s := range []string{"55021720354821", "64010720261187", "00022920300000", "5502172035482", "55131720354821", "１２３４５６７８９０１２３４"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseCheckCodeB(s)
		if err != nil {
			if b != (CheckCodeB{}) {
				t.Fatal("error with a non-zero value")
			}
			if len(s) >= 4 && strings.Contains(err.Error(), s) {
				t.Fatalf("error echoes the input")
			}
			return
		}
		if b.Reveal() != s || string(b.Bytes()) != s || !b.Matches([]byte(s)) || b.Kind() != SecretCheckCodeB {
			t.Fatalf("accepted value does not round-trip")
		}
		again, err := ParseCheckCodeB(b.Reveal())
		if err != nil || !again.Equal(b) {
			t.Fatalf("re-parse: %v", err)
		}
		if k := b.BirthDateKey(); k.Reveal() != s[:6] {
			t.Fatalf("birth-date key is not the first six digits")
		}
		if _, err := ParseBirthDateKey(s[:6]); err != nil {
			t.Fatalf("first six digits are not a valid birth-date key: %v", err)
		}
		if strings.Contains(b.String(), s) || strings.ContainsAny(b.String(), "0123456789") {
			t.Fatalf("String shows the value")
		}
	})
}

func FuzzParseSignPassword(f *testing.F) {
	for _, s := range []string{"TAIMEN2024", "ab12cd34", "SHOWA64X", "ABCDEFG", "1234567", "A1B2C", "ABCı1234", "ABCDEFGHIJKLMNOP1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseSignPassword(s)
		if err != nil {
			if p != (SignPassword{}) {
				t.Fatal("error with a non-zero value")
			}
			if len(s) >= 4 && strings.Contains(err.Error(), s) {
				t.Fatalf("error echoes the input")
			}
			return
		}
		got := p.Reveal()
		if got != strings.ToUpper(s) || !utf8.ValidString(got) || len(got) < 6 || len(got) > 16 {
			t.Fatalf("accepted value is not the upper-cased input")
		}
		if strings.Trim(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			t.Fatalf("accepted value has a character outside A-Z 0-9")
		}
		again, err := ParseSignPassword(got)
		if err != nil || !again.Equal(p) || string(again.Bytes()) != got {
			t.Fatalf("re-parse: %v", err)
		}
		if strings.Contains(p.String(), got) {
			t.Fatalf("String shows the value")
		}
	})
}
