package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// scripted is a terminal prompt that answers from a script and records the labels it was shown.
type scripted struct {
	answers []string
	labels  []string
}

func (s *scripted) prompt(label string) (string, error) {
	s.labels = append(s.labels, label)
	if len(s.answers) == 0 {
		return "", errors.New("no more answers")
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a, nil
}

// fullWidth writes the ASCII digits of s as full-width ones, as a Japanese input method may.
func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r += '０' - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// The terminal prompt for check code B takes the birth date as printed on the card (era form,
// full-width digits too) or Gregorian, and asks again for a field that is malformed, saying
// why, before anything is sent.
func TestPromptCheckCodeB(t *testing.T) {
	p := profile(t)
	era, err := p.Person.BirthDateEra()
	if err != nil {
		t.Fatal(err)
	}
	expiry := fmt.Sprint(p.Card.Expiry.Year())
	short := fmt.Sprintf("%c%d.%d.%d", era.Era.Letter(), era.Year, era.Month, era.Day)
	for _, tc := range []struct {
		name    string
		answers []string
		code    int
		retries int
	}{
		{"era form as printed", []string{era.String(), expiry, p.Card.SecurityCode}, exitOK, 0},
		{"short era form, full-width", []string{fullWidth(short), fullWidth(expiry), fullWidth(p.Card.SecurityCode)}, exitOK, 0},
		{"Gregorian", []string{p.Person.BirthDate.Format("2006-01-02"), expiry, p.Card.SecurityCode}, exitOK, 0},
		{"each field asked again", []string{"昭和64年1月8日", "someday", era.String(), "20", expiry, "12a4", p.Card.SecurityCode}, exitOK, 4},
		{"three bad dates", []string{"S99.1.1", "x", "1980-02-30"}, exitUsage, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &scripted{answers: tc.answers}
			var out, errb bytes.Buffer
			e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, prompt: s.prompt,
				getenv: func(k string) string {
					if k == "TAIMEN_HISTORY" {
						return filepath.Join(t.TempDir(), "history.jsonl")
					}
					return ""
				}}
			code := run(context.Background(), []string{"read", "face", "--profile", "p01-showa", "--json"}, e)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, errb.String())
			}
			if n := strings.Count(errb.String(), "try again"); n != tc.retries {
				t.Errorf("%d fields asked again, want %d:\n%s", n, tc.retries, errb.String())
			}
			if len(s.answers) != 0 {
				t.Errorf("answers left unasked: %d", len(s.answers))
			}
			assertNoPersonal(t, "stderr", errb.String(), p)
		})
	}
}
