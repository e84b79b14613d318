package myna

import (
	"bytes"
	"strings"
	"testing"
)

func TestForms(t *testing.T) {
	cases := []struct {
		form  Form
		apps  []App // the applications that answer SELECT
		label string
		atr   bool // the form has its own ATR
	}{
		{"", Apps(), "JPKIAPICCTOKEN2", false},
		{FormCard, Apps(), "JPKIAPICCTOKEN2", false},
		{FormJPKITokenAndroid, []App{JPKIAP}, "JPKIAPGPSETOKEN", true},
		{FormJPKITokenIOS, []App{JPKIAP}, "JPKIAPIOSTOKEN", true},
		{FormNotMyNumber, nil, "", true},
	}
	for _, tc := range cases {
		var has []App
		for _, a := range Apps() {
			if tc.form.Has(a) {
				has = append(has, a)
			}
		}
		if len(has) != len(tc.apps) || (len(has) > 0 && !bytes.Equal(appBytes(has), appBytes(tc.apps))) {
			t.Errorf("%s: applications %v, want %v", tc.form, has, tc.apps)
		}
		if got := tc.form.TokenLabel(); got != tc.label {
			t.Errorf("%s: token label %q, want %q", tc.form, got, tc.label)
		}
		atr := tc.form.ATR()
		if (atr != nil) != tc.atr {
			t.Errorf("%s: ATR %X", tc.form, atr)
		}
		if atr != nil {
			if err := CheckATR(atr); err != nil {
				t.Errorf("%s: ATR %X: %v", tc.form, atr, err)
			}
			if bytes.Equal(atr, DefaultATRContact()) || bytes.Equal(atr, DefaultATRContactless()) {
				t.Errorf("%s: ATR %X is a My Number Card's", tc.form, atr)
			}
		}
		if tc.form.HasMFData() != tc.form.IsCard() {
			t.Errorf("%s: MF data %v", tc.form, tc.form.HasMFData())
		}
		if p, err := ParseForm(tc.form.String()); err != nil || !(p == tc.form || tc.form == "" && p == FormCard) {
			t.Errorf("ParseForm(%q) = %q, %v", tc.form.String(), p, err)
		}
	}
	if !bytes.Equal(FormJPKITokenAndroid.ATR(), FormJPKITokenIOS.ATR()) || bytes.Equal(FormJPKITokenAndroid.ATR(), FormNotMyNumber.ATR()) {
		t.Error("the tokens share an ATR, the other card has its own")
	}
	if _, err := ParseForm("phone"); err == nil {
		t.Error("ParseForm accepted an unknown form")
	}
}

func TestProfileForm(t *testing.T) {
	token := func(m map[string]any) { set("card.form", "jpki-token-ios")(m); set("images", deleteField)(m) }
	p, err := LoadProfile(writeProfileSet(t, token))
	if err != nil {
		t.Fatal(err)
	}
	// A token has no card-surface application: a card-surface section (images) is refused, naming it.
	_, err = LoadProfile(writeProfileSet(t, set("card.form", "jpki-token-android")))
	if err == nil || !strings.Contains(err.Error(), "images: a jpki-token-android has no card-surface application") {
		t.Errorf("token with images: %v", err)
	}
	// A card still needs its images.
	if _, err := LoadProfile(writeProfileSet(t, set("images", deleteField))); err == nil || !strings.Contains(err.Error(), "images: missing") {
		t.Errorf("card without images: %v", err)
	}
	if p.Card.Form != FormJPKITokenIOS {
		t.Fatalf("form %q", p.Card.Form)
	}
	p, err = LoadProfile(writeProfileSet(t, nil))
	if err != nil || !p.Card.Form.IsCard() {
		t.Fatalf("default form %q, %v", p.Card.Form, err)
	}
}

func appBytes(as []App) []byte {
	b := make([]byte, len(as))
	for i, a := range as {
		b[i] = byte(a)
	}
	return b
}
