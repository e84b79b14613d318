package myna

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const baseProfile = `{
  "schema": "taimen.profile/v1",
  "id": "p01-showa",
  "description": "test person",
  "person": {
    "name": "番号　太郎",
    "address": "東京都千代田区試験町一丁目２番３号",
    "birth_date": "1980-02-17",
    "date_form": "era",
    "sex": "1",
    "individual_number": "123456789018",
    "municipality_code": "13101"
  },
  "card": {
    "expiry": "2035-02-17",
    "security_code": "4821",
    "serial": "912345000000001"
  },
  "secrets": {
    "text_pin": "5931",
    "auth_pin": "5931",
    "sign_password": "TAIMEN2024",
    "juki_pin": "5931"
  },
  "images": {
    "face": "face.jp2",
    "name": "name.png",
    "address": "address.png",
    "security_code": "security-code.png",
    "number": "number.png"
  },
  "keys": "keys.pem",
  "ca_keys": "../testca/keys.pem"
}`

// Values of baseProfile that no error or rendering may show.
var baseSecrets = []string{"5931", "TAIMEN2024", "123456789018", "4821", "55021720354821", "550217",
	"番号", "太郎", "千代田", "1980-02-17", "19800217", "912345000000001", "2035-02-17"}

var (
	testJP2 = append(bytes.Clone(jp2Signature), []byte("\x00\x00\x00\x14ftypjp2 ")...)
	testPNG = append(bytes.Clone(pngSignature), []byte("\x00\x00\x00\x0DIHDR")...)
)

// writeProfileSet writes baseProfile, changed by mutate, with its images and keys into a fresh
// directory tree root/{testca/keys.pem, p01-showa/…} and returns the profile path.
func writeProfileSet(t *testing.T, mutate func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(baseProfile), &m); err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(m)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return writeProfileFiles(t, data)
}

func writeProfileFiles(t *testing.T, profileJSON []byte) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "p01-showa")
	keys := testKeys()
	files := map[string][]byte{
		"testca/keys.pem":             keyPEM(t, keys, SetKeyRoles()...),
		"p01-showa/keys.pem":          keyPEM(t, keys, CardKeyRoles()...),
		"p01-showa/face.jp2":          testJP2,
		"p01-showa/name.png":          append(bytes.Clone(testPNG), 'n'),
		"p01-showa/address.png":       append(bytes.Clone(testPNG), 'a'),
		"p01-showa/security-code.png": append(bytes.Clone(testPNG), 's'),
		"p01-showa/number.png":        append(bytes.Clone(testPNG), 'N'),
		"p01-showa/profile.json":      profileJSON,
	}
	for name, b := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "profile.json")
}

// setPath sets (or with value deleteField, deletes) a dotted path in a decoded JSON object.
func setPath(m map[string]any, path string, value any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	if value == deleteField {
		delete(m, parts[len(parts)-1])
		return
	}
	m[parts[len(parts)-1]] = value
}

type deleteMarker struct{}

var deleteField = deleteMarker{}

func set(path string, value any) func(map[string]any) {
	return func(m map[string]any) { setPath(m, path, value) }
}

func TestLoadProfile(t *testing.T) {
	path := writeProfileSet(t, func(m map[string]any) {
		setPath(m, "ef_sizes", map[string]any{"text/0001": 17, "surface/0002": 9000})
		setPath(m, "retry_limits.check_code_b", 5)
		setPath(m, "behaviour.blocked_status_query", "6984")
		setPath(m, "behaviour.filler", "00")
		setPath(m, "behaviour.extended_length", false)
		setPath(m, "card.interface", "contactless")
	})
	p, err := LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "p01-showa" || p.Description != "test person" || p.Path != path {
		t.Errorf("header: %q %q %q", p.ID, p.Description, p.Path)
	}
	per := p.Person
	if per.Name != "番号　太郎" || per.Address != "東京都千代田区試験町一丁目２番３号" || per.Sex != SexMale ||
		per.DateForm != DateFormEra || per.MunicipalityCode != "13101" || per.IndividualNumber.Reveal() != "123456789018" {
		t.Errorf("person fields wrong")
	}
	if !per.BirthDate.Equal(time.Date(1980, 2, 17, 0, 0, 0, 0, time.UTC)) || per.BirthDateDigits() != "19800217" {
		t.Errorf("birth date %v", per.BirthDate)
	}
	if ed, err := per.BirthDateEra(); err != nil || ed.String() != "昭和55年2月17日" {
		t.Errorf("BirthDateEra = %v, %v", ed, err)
	}
	c := p.Card
	if !c.Expiry.Equal(time.Date(2035, 2, 17, 0, 0, 0, 0, time.UTC)) || c.ExpiryDigits() != "20350217" ||
		c.SecurityCode != "4821" || c.Serial != "912345000000001" || c.Interface != InterfaceContactless {
		t.Errorf("card fields wrong")
	}
	if !bytes.Equal(c.ATR(), DefaultATRContactless()) || !bytes.Equal(c.ATRContact, DefaultATRContact()) {
		t.Errorf("ATR = % X", c.ATR())
	}
	secrets := map[SecretKind]string{
		SecretCheckCodeA: "123456789018", SecretCheckCodeB: "55021720354821", SecretBirthDateKey: "550217",
		SecretTextPIN: "5931", SecretAuthPIN: "5931", SecretSignPassword: "TAIMEN2024", SecretJukiPIN: "5931",
	}
	for k, v := range secrets {
		if s := p.Secret(k); s == nil || s.Reveal() != v || s.Kind() != k {
			t.Errorf("Secret(%v) wrong", k)
		}
	}
	if p.CheckCodeA().Reveal() != "123456789018" || p.CheckCodeB().Reveal() != "55021720354821" ||
		p.BirthDateKey().Reveal() != "550217" || p.TextPIN().Reveal() != "5931" || p.AuthPIN().Reveal() != "5931" ||
		p.SignPassword().Reveal() != "TAIMEN2024" || p.JukiPIN().Reveal() != "5931" {
		t.Error("typed secret accessors wrong")
	}
	if p.Secret(0) != nil {
		t.Error("Secret(0) != nil")
	}
	want := DefaultRetryLimits()
	want.CheckCodeB = 5
	if diff := cmp.Diff(want, p.RetryLimits); diff != "" {
		t.Errorf("retry limits (-want +got):\n%s", diff)
	}
	if p.RetryLimits.For(SecretCheckCodeB) != 5 || p.RetryLimits.For(SecretSignPassword) != 5 || p.RetryLimits.For(SecretTextPIN) != 3 || p.RetryLimits.For(0) != 0 {
		t.Error("RetryLimits.For wrong")
	}
	wb := DefaultBehaviour()
	wb.BlockedStatusQuery = 0x6984
	wb.Filler = 0x00
	wb.ExtendedLength = false
	if diff := cmp.Diff(wb, p.Behaviour); diff != "" {
		t.Errorf("behaviour (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[EFRef]int{{TextAP, TextIndividualNumber}: 17, {CardSurfaceAP, SurfaceFace}: 9000}, p.EFSizes); diff != "" {
		t.Errorf("ef sizes (-want +got):\n%s", diff)
	}
	if n, ok := p.EFSize(TextAP, TextIndividualNumber); !ok || n != 17 {
		t.Errorf("EFSize = %d, %v", n, ok)
	}
	if _, ok := p.EFSize(TextAP, TextBasicFour); ok {
		t.Error("EFSize of an unset EF")
	}
	if !bytes.Equal(p.Images.Face, testJP2) || p.Images.Name[len(p.Images.Name)-1] != 'n' || p.Images.Address[len(p.Images.Address)-1] != 'a' ||
		p.Images.SecurityCode[len(p.Images.SecurityCode)-1] != 's' || p.Images.Number[len(p.Images.Number)-1] != 'N' {
		t.Error("images wrong")
	}
	keys := testKeys()
	for _, r := range append(SetKeyRoles(), CardKeyRoles()...) {
		if k, ok := p.Key(r); !ok || !k.Equal(keys[r]) {
			t.Errorf("Key(%s) wrong", r)
		}
	}
	if _, ok := p.Key("nope"); ok {
		t.Error("Key(nope) found")
	}
}

func TestLoadProfileDefaults(t *testing.T) {
	path := writeProfileSet(t, func(m map[string]any) {
		setPath(m, "keys", deleteField)
		setPath(m, "ca_keys", deleteField)
		setPath(m, "person.date_form", deleteField)
		setPath(m, "description", deleteField)
	})
	p, err := LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(DefaultRetryLimits(), p.RetryLimits); diff != "" {
		t.Errorf("retry limits (-want +got):\n%s", diff)
	}
	wantRL := RetryLimits{CheckCodeA: 10, CheckCodeB: 10, BirthDateKey: 10, TextPIN: 3, AuthPIN: 3, SignPassword: 5, JukiPIN: 3}
	if diff := cmp.Diff(wantRL, DefaultRetryLimits()); diff != "" {
		t.Errorf("DefaultRetryLimits (-want +got):\n%s", diff)
	}
	wantB := Behaviour{BlockedStatusQuery: 0x63C0, ProtectedRead: 0x6982, WrongLengthVerify: WrongLengthCounts, OffsetBeyondEnd: 0x6B00,
		ReselectSameAPClears: true, WrongCodeClears: true, FCIOnP2_00: FCIEmpty, Filler: 0xFF, ExtendedLength: true}
	if diff := cmp.Diff(wantB, p.Behaviour); diff != "" {
		t.Errorf("behaviour (-want +got):\n%s", diff)
	}
	if p.Card.Interface != InterfaceContact || !bytes.Equal(p.Card.ATR(), []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}) {
		t.Errorf("default interface/ATR: %v % X", p.Card.Interface, p.Card.ATR())
	}
	if !bytes.Equal(p.Card.ATRContactless, []byte{0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x05, 0xE0, 0xB3, 0x81, 0xA1, 0x00, 0x7F}) {
		t.Errorf("default contactless ATR % X", p.Card.ATRContactless)
	}
	if p.Person.DateForm != DateFormEra || p.EFSizes != nil {
		t.Error("defaults wrong")
	}
	if _, ok := p.Key(RoleCVCAKenkaku); !ok {
		t.Error("default ca_keys not loaded")
	}
}

func TestLoadProfileBehaviourValues(t *testing.T) {
	path := writeProfileSet(t, func(m map[string]any) {
		setPath(m, "behaviour", map[string]any{
			"blocked_status_query": "63c0", "protected_read": "6982", "wrong_length_verify": "6700",
			"offset_beyond_end": "6282", "reselect_same_ap_clears": false, "wrong_code_clears": false, "fci_on_p2_00": "empty",
			"filler": 255, "extended_length": true,
		})
		setPath(m, "retry_limits", map[string]any{"check_code_a": 1, "check_code_b": 15, "birth_date_key": 7,
			"text_pin": 3, "auth_pin": 3, "sign_password": 5, "juki_pin": 3})
		setPath(m, "person.date_form", "western")
		setPath(m, "card.atr_contact", "3B C5 FF 81 31 FB 45 80 73 C6 01 00 00")
	})
	p, err := LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Behaviour{BlockedStatusQuery: 0x63C0, ProtectedRead: 0x6982, WrongLengthVerify: WrongLengthRejects, OffsetBeyondEnd: 0x6282,
		ReselectSameAPClears: false, WrongCodeClears: false, FCIOnP2_00: FCIEmpty, Filler: 0xFF, ExtendedLength: true}
	if diff := cmp.Diff(want, p.Behaviour); diff != "" {
		t.Errorf("behaviour (-want +got):\n%s", diff)
	}
	if p.RetryLimits.CheckCodeA != 1 || p.RetryLimits.CheckCodeB != 15 || p.RetryLimits.BirthDateKey != 7 {
		t.Errorf("retry limits %+v", p.RetryLimits)
	}
	if p.CheckCodeB().Reveal() != "80021720354821" || p.BirthDateKey().Reveal() != "800217" {
		t.Error("western check code B wrong")
	}
	if WrongLengthRejects.String() != "6700" || WrongLengthCounts.String() != "count" || FCIEmpty.String() != "empty" {
		t.Error("enum strings")
	}
}

func TestLoadProfileErrors(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(map[string]any)
		raw    string // used instead of mutate when set
		want   []string
	}{
		{name: "schema missing", mutate: set("schema", deleteField), want: []string{"profile p01-showa: schema: missing"}},
		{name: "schema wrong", mutate: set("schema", "taimen.profile/v2"), want: []string{"schema: unsupported"}},
		{name: "id bad", mutate: set("id", "P01 showa"), want: []string{"profile.json: id: must be"}},
		{name: "id missing", mutate: set("id", deleteField), want: []string{"profile.json: id: missing"}},
		{name: "unknown field", mutate: set("extra", 1), want: []string{`profile p01-showa: unknown field "extra"`}},
		{name: "unknown nested field", mutate: set("person.nickname", "x"), want: []string{`unknown field "nickname"`}},
		{name: "unknown behaviour", mutate: set("behaviour.sm", "x"), want: []string{`unknown field "sm"`}},
		{name: "person missing", mutate: set("person", deleteField), want: []string{"profile p01-showa: person: missing"}},
		{name: "name missing", mutate: set("person.name", deleteField), want: []string{"person.name: missing"}},
		{name: "name empty", mutate: set("person.name", ""), want: []string{"person.name: must not be empty"}},
		{name: "name control", mutate: set("person.name", "番号\n太郎"), want: []string{"person.name: must not contain control characters"}},
		{name: "address long", mutate: set("person.address", strings.Repeat("番", 400)), want: []string{"person.address: must be at most 1000 bytes"}},
		{name: "birth date month", mutate: set("person.birth_date", "1980-13-01"), want: []string{"person.birth_date: must be a date YYYY-MM-DD"}},
		{name: "birth date form", mutate: set("person.birth_date", "1980/02/17"), want: []string{"person.birth_date: must be a date YYYY-MM-DD"}},
		{name: "birth date feb 30", mutate: set("person.birth_date", "1980-02-30"), want: []string{"person.birth_date: must be a date"}},
		{name: "birth date lunisolar", mutate: set("person.birth_date", "1872-12-31"), want: []string{"person.birth_date: must be on or after 1873-01-01", "lunisolar"}},
		{name: "date form", mutate: set("person.date_form", "gregorian"), want: []string{`person.date_form: must be "era" or "western"`}},
		{name: "sex", mutate: set("person.sex", "3"), want: []string{`person.sex: must be "1", "2", "9" or "0"`}},
		{name: "sex number", mutate: set("person.sex", 1), want: []string{"profile p01-showa: person.sex: wrong type: want a JSON string"}},
		{name: "number check digit", mutate: set("person.individual_number", "123456789011"), want: []string{"person.individual_number: the check digit"}},
		{name: "number short", mutate: set("person.individual_number", "12345678901"), want: []string{"person.individual_number: must be 12 digits, got 11"}},
		{name: "number as JSON number", mutate: set("person.individual_number", 123456789018), want: []string{"person.individual_number: wrong type"}},
		{name: "municipality", mutate: set("person.municipality_code", "1310"), want: []string{"person.municipality_code: must be 5 digits"}},
		{name: "card missing", mutate: set("card", deleteField), want: []string{"card: missing"}},
		{name: "expiry year", mutate: set("card.expiry", "2014-12-31"), want: []string{"card.expiry: year must be 2015-2099"}},
		{name: "expiry format", mutate: set("card.expiry", "20350217"), want: []string{"card.expiry: must be a date YYYY-MM-DD"}},
		{name: "security code", mutate: set("card.security_code", "48a1"), want: []string{"card.security_code: must be 4 digits"}},
		{name: "serial", mutate: set("card.serial", "91234500000000"), want: []string{"card.serial: must be 15 digits"}},
		{name: "interface", mutate: set("card.interface", "nfc"), want: []string{`card.interface: must be "contact" or "contactless"`}},
		{name: "atr tck", mutate: set("card.atr_contact", "3BE000FF8131FE4515"), want: []string{"card.atr_contact: ATR check byte TCK is wrong"}},
		{name: "form", mutate: set("card.form", "phone"), want: []string{`card.form: myna: unknown card form "phone"`}},
		{name: "atr hex", mutate: set("card.atr_contactless", "3BZZ"), want: []string{"card.atr_contactless: must be hex digits"}},
		{name: "atr short", mutate: set("card.atr_contact", "3BE000FF8131FE45"), want: []string{"card.atr_contact: ATR length does not match"}},
		{name: "secrets missing", mutate: set("secrets", deleteField), want: []string{"secrets: missing"}},
		{name: "text pin long", mutate: set("secrets.text_pin", "59311"), want: []string{"secrets.text_pin: must be 4 digits, got 5"}},
		{name: "auth pin missing", mutate: set("secrets.auth_pin", deleteField), want: []string{"secrets.auth_pin: missing"}},
		{name: "juki pin letters", mutate: set("secrets.juki_pin", "59a1"), want: []string{"secrets.juki_pin: must contain only digits"}},
		{name: "sign password", mutate: set("secrets.sign_password", "taimen"), want: []string{"secrets.sign_password: must contain at least one digit"}},
		{name: "sign password long", mutate: set("secrets.sign_password", "TAIMEN2024TAIMEN2024"), want: []string{"secrets.sign_password: must be 6-16 characters, got 20"}},
		{name: "retry zero", mutate: set("retry_limits.text_pin", 0), want: []string{"retry_limits.text_pin: must be 1-15, got 0"}},
		{name: "retry 16", mutate: set("retry_limits.check_code_b", 16), want: []string{"retry_limits.check_code_b: must be 1-15, got 16"}},
		{name: "retry float", mutate: set("retry_limits.check_code_b", 2.5), want: []string{"retry_limits.check_code_b: wrong type: want an integer"}},
		{name: "blocked query", mutate: set("behaviour.blocked_status_query", "6983"), want: []string{`behaviour.blocked_status_query: must be "63C0" or "6984"`}},
		{name: "protected read", mutate: set("behaviour.protected_read", "6985"), want: []string{`behaviour.protected_read: must be "6982"`}},
		{name: "offset", mutate: set("behaviour.offset_beyond_end", "6B0"), want: []string{`behaviour.offset_beyond_end: must be "6B00" or "6282"`}},
		{name: "wrong length", mutate: set("behaviour.wrong_length_verify", "ignore"), want: []string{`behaviour.wrong_length_verify: must be "count" or "6700"`}},
		{name: "fci", mutate: set("behaviour.fci_on_p2_00", "full"), want: []string{`behaviour.fci_on_p2_00: must be "empty"`}},
		{name: "filler long", mutate: set("behaviour.filler", "FFF"), want: []string{"behaviour.filler: must be one byte"}},
		{name: "filler 256", mutate: set("behaviour.filler", 256), want: []string{"behaviour.filler: must be one byte"}},
		{name: "filler bool", mutate: set("behaviour.filler", true), want: []string{"behaviour.filler: must be one byte"}},
		{name: "reselect string", mutate: set("behaviour.reselect_same_ap_clears", "yes"), want: []string{"behaviour.reselect_same_ap_clears: wrong type: want true or false"}},
		{name: "ef size unknown EF", mutate: set("ef_sizes", map[string]any{"surface/0099": 10}), want: []string{"ef_sizes.surface/0099: application surface has no EF 0099"}},
		{name: "ef size key ref", mutate: set("ef_sizes", map[string]any{"surface/0012": 10}), want: []string{"ef_sizes.surface/0012: EF surface/0012 is a key reference EF"}},
		{name: "ef size record", mutate: set("ef_sizes", map[string]any{"common/0001": 10}), want: []string{"ef_sizes.common/0001: EF common/0001 is a record EF"}},
		{name: "ef size zero", mutate: set("ef_sizes", map[string]any{"surface/0002": 0}), want: []string{"ef_sizes.surface/0002: must be 1-65535 bytes, got 0"}},
		{name: "ef size bad key", mutate: set("ef_sizes", map[string]any{"kenkaku/0002": 10}), want: []string{`ef_sizes.kenkaku/0002: unknown application "kenkaku"`}},
		{name: "images missing", mutate: set("images", deleteField), want: []string{"images: missing"}},
		{name: "face not jp2", mutate: set("images.face", "name.png"), want: []string{"images.face: ", "is not a JPEG 2000 JP2 file"}},
		{name: "name not png", mutate: set("images.name", "face.jp2"), want: []string{"images.name: ", "is not a PNG file"}},
		{name: "number file missing", mutate: set("images.number", "missing.png"), want: []string{"images.number: stat ", "missing.png"}},
		{name: "address absolute", mutate: set("images.address", "/etc/passwd"), want: []string{"images.address: must be a path relative to the profile file"}},
		{name: "security code empty", mutate: set("images.security_code", ""), want: []string{"images.security_code: must not be empty"}},
		{name: "keys missing file", mutate: set("keys", "nokeys.pem"), want: []string{"profile p01-showa: keys: ", "nokeys.pem does not exist (the key files are generated by vectors/gen)"}},
		{name: "ca keys missing file", mutate: set("ca_keys", "../nowhere/keys.pem"), want: []string{"ca_keys: ", "does not exist"}},
		{name: "ca keys wrong file", mutate: set("ca_keys", "keys.pem"), want: []string{"ca_keys: ", `missing role "cv-ca-kenkaku"`}},
		{name: "card keys wrong file", mutate: set("keys", "../testca/keys.pem"), want: []string{"profile p01-showa: keys: ", `missing role "jpki-auth"`}},
		{name: "syntax", raw: `{"schema": "taimen.profile/v1",}`, want: []string{"profile.json: invalid JSON at byte offset"}},
		{name: "truncated", raw: `{"schema": "taimen.profile/v1"`, want: []string{"profile.json: truncated or empty JSON"}},
		{name: "empty", raw: ``, want: []string{"profile.json: truncated or empty JSON"}},
		{name: "trailing", raw: baseProfile + `{}`, want: []string{"profile p01-showa: trailing data after the JSON object"}},
		{name: "not an object", raw: `["5931"]`, want: []string{"profile.json: wrong type: want a JSON object"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var path string
			if tc.mutate != nil {
				path = writeProfileSet(t, tc.mutate)
			} else {
				path = writeProfileFiles(t, []byte(tc.raw))
			}
			p, err := LoadProfile(path)
			if err == nil {
				t.Fatalf("no error (profile %v)", p)
			}
			var pe *ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("err %T is not a *ProfileError: %v", err, err)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			// No secret or personal value of the profile appears (paths aside).
			clean := strings.ReplaceAll(msg, filepath.Dir(filepath.Dir(path)), "<dir>")
			t.Log(clean)
			for _, s := range append(baseSecrets, "59311", "TAIMEN2024TAIMEN2024", "123456789011", "1980-13-01", "48a1") {
				if strings.Contains(clean, s) {
					t.Errorf("error %q shows %q", clean, s)
				}
			}
		})
	}
}

func TestLoadProfileReportsEveryProblem(t *testing.T) {
	path := writeProfileSet(t, func(m map[string]any) {
		setPath(m, "person.sex", "3")
		setPath(m, "secrets.text_pin", "1")
		setPath(m, "keys", "none.pem")
	})
	_, err := LoadProfile(path)
	for _, w := range []string{"person.sex:", "secrets.text_pin:", "keys:"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("missing key file is not fs.ErrNotExist")
	}
	if _, err := LoadProfile(filepath.Join(t.TempDir(), "none.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing profile: %v", err)
	}
}

func TestProfileNeverPrints(t *testing.T) {
	p, err := LoadProfile(writeProfileSet(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	// An unexported field is printed by reflection; hold a *Profile there (it prints as an
	// address), as LoadProfile returns.
	type holder struct {
		P   *Profile
		V   Profile
		hid *Profile
	}
	h := holder{P: p, V: *p, hid: p}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, p), fmt.Sprintf(verb, *p),
			fmt.Sprintf(verb, p.Person), fmt.Sprintf(verb, p.Card), fmt.Sprintf(verb, p.Images))
	}
	// fmt prints an unexported *Profile field as an address with the v verbs only; other verbs
	// dump it by reflection (a limit of fmt, documented on Profile).
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		outs = append(outs, fmt.Sprintf(verb, h))
	}
	if got := fmt.Sprint(p); got != "profile(p01-showa)" {
		t.Errorf("Sprint = %q", got)
	}
	if got := fmt.Sprintf("%#v", p); got != `myna.Profile{ID: "p01-showa"}` {
		t.Errorf("%%#v = %q", got)
	}
	js, err := json.Marshal(map[string]any{"p": p, "v": *p, "person": p.Person, "card": p.Card, "images": p.Images})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(js))
	if pj, _ := json.Marshal(p); string(pj) != `{"id":"p01-showa"}` {
		t.Errorf("json = %s", pj)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("loaded", "profile", p, "person", p.Person, "card", p.Card, "images", p.Images, "value", *p)
	outs = append(outs, buf.String())
	for _, out := range outs {
		for _, s := range baseSecrets {
			if strings.Contains(out, s) {
				t.Errorf("output %q shows %q", out, s)
			}
		}
	}
}

func TestCheckATR(t *testing.T) {
	good := []string{
		"3BE000FF8131FE4514",
		"3B888001000005E0B381A1007F",
		"3B888001000041E0B381A1003B",
		"3B8880010000 14E0B38191005E",
		"3BC5FF8131FB4580 73C6010000",
		"3BDA13FF8131FB468012392F31C173C601C03B",
		"3BF59100FF918171FE400042000100D1D6",
		"3B00",
		"3F00",
		"3B021122", // T=0, two historical bytes, no TCK
	}
	for _, s := range good {
		b := mustHex(t, s)
		if err := CheckATR(b); err != nil {
			t.Errorf("CheckATR(%s): %v", s, err)
		}
	}
	bad := map[string]string{
		"3B":                   "2-33 bytes",
		"3C00":                 "TS",
		"3BE000FF8131FE45":     "length",
		"3BE000FF8131FE451400": "length",
		"3BE000FF8131FE4515":   "TCK",
		"3B80":                 "interface bytes",
		"3B021122FF":           "length",
		"3B0F":                 "length",
	}
	for s, want := range bad {
		err := CheckATR(mustHex(t, s))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckATR(%s) = %v, want %q", s, err, want)
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

func TestSex(t *testing.T) {
	for s, want := range map[string]Sex{"0": SexNotKnown, "1": SexMale, "2": SexFemale, "9": SexNotApplicable} {
		got, err := ParseSex(s)
		if err != nil || got != want || string(got.Digit()) != s || got.String() == "" {
			t.Errorf("ParseSex(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "3", "M", "11"} {
		if _, err := ParseSex(s); err == nil {
			t.Errorf("ParseSex(%q): no error", s)
		}
	}
}

func TestParseRetryLimits(t *testing.T) {
	def := DefaultRetryLimits()
	if r, err := ParseRetryLimits(""); err != nil || r != def {
		t.Errorf("empty: %+v %v", r, err)
	}
	if r, err := ParseRetryLimits(def.String()); err != nil || r != def {
		t.Errorf("String does not round-trip: %q → %+v %v", def.String(), r, err)
	}
	r, err := ParseRetryLimits(" check_code_b=5, text_pin=4 ")
	want := def
	want.CheckCodeB, want.TextPIN = 5, 4
	if err != nil || r != want {
		t.Errorf("two limits: %+v %v", r, err)
	}
	for _, bad := range []string{"check_code_b", "check_code_b=0", "check_code_b=16", "check_code_b=x", "pin=3", "=3"} {
		if _, err := ParseRetryLimits(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
