package myna

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// String returns "profile(<id>)".
func (p Profile) String() string { return "profile(" + p.ID + ")" }

// GoString returns a Go-syntax rendering with only the ID, for %#v.
func (p Profile) GoString() string { return "myna.Profile{ID: " + strconv.Quote(p.ID) + "}" }

// Format writes only the ID whatever the verb, so that %v and %+v never show personal data.
func (p Profile) Format(f fmt.State, verb rune) { formatOnly(f, verb, p.String(), p.GoString()) }

// MarshalJSON returns {"id": …} only.
func (p Profile) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID string `json:"id"`
	}{p.ID})
}

// LogValue makes slog print only the ID.
func (p Profile) LogValue() slog.Value { return slog.GroupValue(slog.String("id", p.ID)) }

// String returns "person([redacted])".
func (p Person) String() string { return "person(" + Redacted + ")" }

// GoString returns "myna.Person{[redacted]}".
func (p Person) GoString() string { return "myna.Person{" + Redacted + "}" }

// Format writes the redacted rendering whatever the verb.
func (p Person) Format(f fmt.State, verb rune) { formatOnly(f, verb, p.String(), p.GoString()) }

// MarshalJSON returns "[redacted]".
func (p Person) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// LogValue makes slog print "[redacted]".
func (p Person) LogValue() slog.Value { return slog.StringValue(Redacted) }

// String returns "card([redacted])".
func (c Card) String() string { return "card(" + Redacted + ")" }

// GoString returns "myna.Card{[redacted]}".
func (c Card) GoString() string { return "myna.Card{" + Redacted + "}" }

// Format writes the redacted rendering whatever the verb.
func (c Card) Format(f fmt.State, verb rune) { formatOnly(f, verb, c.String(), c.GoString()) }

// MarshalJSON returns "[redacted]".
func (c Card) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// LogValue makes slog print "[redacted]".
func (c Card) LogValue() slog.Value { return slog.StringValue(Redacted) }

// String returns the image sizes only, e.g. "images(face 4096 B, name 310 B, …)".
func (im Images) String() string {
	return fmt.Sprintf("images(face %d B, name %d B, address %d B, security code %d B, number %d B)",
		len(im.Face), len(im.Name), len(im.Address), len(im.SecurityCode), len(im.Number))
}

// GoString returns the same as String, for %#v.
func (im Images) GoString() string { return im.String() }

// Format writes the sizes only, whatever the verb.
func (im Images) Format(f fmt.State, verb rune) { formatOnly(f, verb, im.String(), im.GoString()) }

// MarshalJSON returns "[redacted]".
func (im Images) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// LogValue makes slog print the sizes only.
func (im Images) LogValue() slog.Value { return slog.StringValue(im.String()) }

func formatOnly(f fmt.State, verb rune, s, gs string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, gs)
	case verb == 'q':
		io.WriteString(f, strconv.Quote(s))
	default:
		io.WriteString(f, s)
	}
}
