package myna

import (
	"fmt"
	"slices"
	"strings"
)

// Form is what carries the applications: the physical My Number Card, or
// something a reader meets in its place (FIELD.md, "Cards and tokens a reader
// meets"). It decides which applications answer a SELECT, the ATR and the
// JPKI token label. The zero value is FormCard.
type Form string

// The forms.
const (
	// FormCard is the My Number Card itself: every application of CARD.md.
	FormCard Form = "card"
	// FormJPKITokenAndroid is an Android phone's My Number Card function: the
	// JPKI application only, token label JPKIAPGPSETOKEN.
	FormJPKITokenAndroid Form = "jpki-token-android"
	// FormJPKITokenIOS is an iPhone's My Number Card function: the JPKI
	// application only, token label JPKIAPIOSTOKEN.
	FormJPKITokenIOS Form = "jpki-token-ios"
	// FormNotMyNumber is a card with no My Number application at all: every
	// SELECT by AID answers 6A82.
	FormNotMyNumber Form = "not-my-number"
)

// Forms returns every form, FormCard first.
func Forms() []Form {
	return []Form{FormCard, FormJPKITokenAndroid, FormJPKITokenIOS, FormNotMyNumber}
}

// ParseForm returns the form named s ("" is FormCard).
func ParseForm(s string) (Form, error) {
	f := Form(s)
	if s == "" {
		f = FormCard
	}
	if !slices.Contains(Forms(), f) {
		names := make([]string, 0, 4)
		for _, x := range Forms() {
			names = append(names, string(x))
		}
		return "", fmt.Errorf("myna: unknown card form %q (known: %s)", s, strings.Join(names, ", "))
	}
	return f, nil
}

// String returns the form's name; the zero value is "card".
func (f Form) String() string {
	if f == "" {
		return string(FormCard)
	}
	return string(f)
}

// IsCard reports whether f is the My Number Card itself (or the zero value).
func (f Form) IsCard() bool { return f == "" || f == FormCard }

// Has reports whether an application of the form answers SELECT. The card has
// them all; a phone's JPKI token has only the JPKI application (no
// card-surface, text, juki or common application, and no reachable issuer
// security domain); a card that is not a My Number Card has none.
func (f Form) Has(a App) bool {
	switch f {
	case "", FormCard:
		return a.Valid() && !a.Optional() // the licence application depends on the holder (Profile.Licence)
	case FormJPKITokenAndroid, FormJPKITokenIOS:
		return a == JPKIAP
	}
	return false
}

// ATR returns the answer to reset the form presents instead of the profile's,
// or nil for the card (whose ATR the profile sets). Both are taimen's
// choices, not measurements:
//
//   - a phone's token: 3B 80 80 01 01, the ATR PC/SC synthesises for an
//     ISO/IEC 14443-4 type A target without historical bytes, as phones in
//     card emulation are commonly seen;
//   - a card that is not a My Number Card: 3B F8 13 00 00 81 31 FE 45 4A 43
//     4F 50 76 32 34 31 B7, a blank JavaCard (NXP JCOP 2.4.1, "JCOPv241" in
//     its historical bytes).
func (f Form) ATR() []byte {
	switch f {
	case FormJPKITokenAndroid, FormJPKITokenIOS:
		return []byte{0x3B, 0x80, 0x80, 0x01, 0x01}
	case FormNotMyNumber:
		return []byte{0x3B, 0xF8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x4A, 0x43, 0x4F, 0x50, 0x76, 0x32, 0x34, 0x31, 0xB7}
	}
	return nil
}

// TokenLabel returns the PKCS#11 token label of the form's JPKI application
// (FIELD.md), or "" when it has none.
func (f Form) TokenLabel() string {
	switch f {
	case "", FormCard:
		return "JPKIAPICCTOKEN2"
	case FormJPKITokenAndroid:
		return "JPKIAPGPSETOKEN"
	case FormJPKITokenIOS:
		return "JPKIAPIOSTOKEN"
	}
	return ""
}

// HasMFData reports whether the form answers the MF-level GET DATA objects
// (CARD.md §2.5): only the card does.
func (f Form) HasMFData() bool { return f.IsCard() }
