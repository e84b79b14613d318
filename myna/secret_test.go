package myna

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestIndividualNumberCheckDigit(t *testing.T) {
	// The worked example and the five synthetic people of docs/CONTRACTS.md.
	for _, n := range []string{"123456789018", "987654321093", "202411240012", "314159265352", "271828182840"} {
		d, err := IndividualNumberCheckDigit(n[:11])
		if err != nil {
			t.Fatalf("IndividualNumberCheckDigit(%s): %v", n[:11], err)
		}
		if want := int(n[11] - '0'); d != want {
			t.Errorf("check digit of %s = %d, want %d", n[:11], d, want)
		}
	}
	// r ≤ 1 gives 0: 00000000000 has r = 0.
	if d, _ := IndividualNumberCheckDigit("00000000000"); d != 0 {
		t.Errorf("check digit of 00000000000 = %d, want 0", d)
	}
	// r = 1: P1 = 5 with Q1 = 2 gives 10 … find one by search and check the rule directly.
	for i := range 100000 {
		s := fmt.Sprintf("%011d", i)
		sum := 0
		for n := 1; n <= 11; n++ {
			q := n + 1
			if n >= 7 {
				q = n - 5
			}
			sum += int(s[11-n]-'0') * q
		}
		want := 0
		if r := sum % 11; r > 1 {
			want = 11 - r
		}
		if d, _ := IndividualNumberCheckDigit(s); d != want {
			t.Fatalf("check digit of %s = %d, want %d", s, d, want)
		}
	}
	if _, err := IndividualNumberCheckDigit("1234567890"); !errors.Is(err, ErrForm) {
		t.Errorf("10 digits: err = %v, want ErrForm", err)
	}
}

type parseCase struct {
	in     string
	reason string // "" = valid
}

func checkParse[S Secret](t *testing.T, parse func(string) (S, error), kind SecretKind, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		s, err := parse(tc.in)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%s: parse(%q): %v", kind, tc.in, err)
				continue
			}
			if s.Kind() != kind || s.IsZero() {
				t.Errorf("%s: parse(%q) = kind %v, zero %v", kind, tc.in, s.Kind(), s.IsZero())
			}
			continue
		}
		var fe *FormError
		if !errors.As(err, &fe) {
			t.Errorf("%s: parse(%q): err = %v, want *FormError", kind, tc.in, err)
			continue
		}
		if fe.Kind != kind || fe.Secret != kind.String() {
			t.Errorf("%s: parse(%q): FormError kind %v secret %q", kind, tc.in, fe.Kind, fe.Secret)
		}
		if !strings.Contains(fe.Reason, tc.reason) {
			t.Errorf("%s: parse(%q): reason %q, want it to contain %q", kind, tc.in, fe.Reason, tc.reason)
		}
		if !errors.Is(err, ErrForm) {
			t.Errorf("%s: parse(%q): not ErrForm", kind, tc.in)
		}
		if len(tc.in) >= 4 && strings.Contains(err.Error(), tc.in) {
			t.Errorf("%s: error %q echoes the input", kind, err)
		}
	}
}

func TestParseCheckCodeA(t *testing.T) {
	checkParse(t, ParseCheckCodeA, SecretCheckCodeA, []parseCase{
		{"123456789018", ""},
		{"987654321093", ""},
		{"123456789011", "check digit"},
		{"12345678901", "must be 12 digits, got 11"},
		{"1234567890188", "must be 12 digits, got 13"},
		{"", "must be 12 digits, got 0"},
		{"1234-5678901", "character 5 is not a digit"},
		{"１２３４５６７８９０１８", "full-width"},
		{" 23456789018", "character 1 is not a digit"},
	})
}

func TestParseCheckCodeB(t *testing.T) {
	checkParse(t, ParseCheckCodeB, SecretCheckCodeB, []parseCase{
		{"55021720354821", ""},
		{"64010720261187", ""},
		{"00022920300000", ""}, // 29 February is allowed for any YY
		{"01123120992222", ""},
		{"01013120152222", ""},
		{"5502172035482", "must be 14 digits, got 13"},
		{"550217203548210", "must be 14 digits, got 15"},
		{"55131720354821", "month must be 01-12"},
		{"55001720354821", "month must be 01-12"},
		{"55023020354821", "day is not valid"},
		{"55043120354821", "day is not valid"},
		{"55020020354821", "day is not valid"},
		{"55021720144821", "expiry year (digits 7-10) must be 2015-2099"},
		{"55021721004821", "expiry year"},
		{"5502172035482A", "character 14 is not a digit"},
	})
}

func TestParseBirthDateKey(t *testing.T) {
	checkParse(t, ParseBirthDateKey, SecretBirthDateKey, []parseCase{
		{"550217", ""},
		{"640107", ""},
		{"55021", "must be 6 digits, got 5"},
		{"551317", "month must be 01-12"},
		{"550230", "day is not valid"},
		{"55O217", "character 3 is not a digit"},
	})
}

func TestParsePINs(t *testing.T) {
	cases := []parseCase{
		{"5931", ""},
		{"0000", ""},
		{"593", "must be 4 digits, got 3"},
		{"59312", "must be 4 digits, got 5"},
		{"59a1", "character 3 is not a digit"},
		{"５９３１", "full-width"},
	}
	checkParse(t, ParseAuthPIN, SecretAuthPIN, cases)
	checkParse(t, ParseTextPIN, SecretTextPIN, cases)
	checkParse(t, ParseJukiPIN, SecretJukiPIN, cases)
}

func TestParseSignPassword(t *testing.T) {
	checkParse(t, ParseSignPassword, SecretSignPassword, []parseCase{
		{"TAIMEN2024", ""},
		{"ab12cd34", ""},
		{"A1B2C3", ""},
		{"ABCDEFGHIJKLMNO1", ""},
		{"A1B2C", "must be 6-16 characters, got 5"},
		{"ABCDEFGHIJKLMNOP1", "must be 6-16 characters, got 17"},
		{"ABCDEFG", "at least one digit"},
		{"1234567", "at least one letter"},
		{"ABC-1234", "character 4 is not"},
		{"ABCı1234", "character 4 is not"}, // dotless i upper-cases to I with strings.ToUpper; not here
		{"ÄBC1234", "character 1 is not"},
	})
	s, err := ParseSignPassword("ab12Cd34")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Reveal(); got != "AB12CD34" {
		t.Errorf("Reveal = %q, want AB12CD34", got)
	}
}

func TestSecretBytesMatchesEqual(t *testing.T) {
	b, err := ParseCheckCodeB("55021720354821")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Bytes(); !bytes.Equal(got, []byte("55021720354821")) {
		t.Errorf("Bytes = %q", got)
	}
	got := b.Bytes()
	got[0] = 'X'
	if b.Reveal() != "55021720354821" {
		t.Error("Bytes aliases the secret")
	}
	if !b.Matches([]byte("55021720354821")) || b.Matches([]byte("55021720354822")) || b.Matches([]byte("5502172035482")) || b.Matches(nil) {
		t.Error("Matches is wrong")
	}
	b2, _ := ParseCheckCodeB("55021720354821")
	b3, _ := ParseCheckCodeB("55021720354822")
	if !b.Equal(b2) || b.Equal(b3) || b.Equal(CheckCodeB{}) {
		t.Error("Equal is wrong")
	}
	if !cmp.Equal(b, b2) || cmp.Equal(b, b3) {
		t.Error("cmp.Equal does not use Equal")
	}
	if b.BirthDateKey().Reveal() != "550217" {
		t.Errorf("BirthDateKey differs at %s", differingPositions(b.BirthDateKey().Reveal(), "550217"))
	}
	var zero CheckCodeB
	if !zero.IsZero() || zero.Bytes() != nil || zero.Reveal() != "" || zero.Matches([]byte{}) || !zero.BirthDateKey().IsZero() {
		t.Error("zero value misbehaves")
	}
}

func TestSecretKindParse(t *testing.T) {
	values := map[SecretKind]string{
		SecretCheckCodeA: "123456789018", SecretCheckCodeB: "55021720354821", SecretBirthDateKey: "550217",
		SecretAuthPIN: "5931", SecretSignPassword: "TAIMEN2024", SecretTextPIN: "5931", SecretJukiPIN: "5931", SecretLicencePIN: "2468",
	}
	for _, k := range SecretKinds() {
		s, err := k.Parse(values[k])
		if err != nil {
			t.Fatalf("%v.Parse: %v", k, err)
		}
		if s.Kind() != k || s.Reveal() != values[k] {
			t.Errorf("%v.Parse gave kind %v", k, s.Kind())
		}
		if strings.ContainsAny(k.String(), "0123456789") {
			t.Errorf("label %q contains a digit", k)
		}
		lo, hi := k.Lengths()
		if n := len(values[k]); n < lo || n > hi {
			t.Errorf("%v: Lengths %d-%d exclude a valid value", k, lo, hi)
		}
		if k.NameJA() == "" || k.DefaultRetryLimit() < 1 {
			t.Errorf("%v: missing NameJA or retry limit", k)
		}
	}
	if _, err := SecretKind(0).Parse("1234"); err == nil {
		t.Error("SecretKind(0).Parse: no error")
	}
}

// allSecrets returns one value of every secret type, with its plain value.
func allSecrets(t *testing.T) []struct {
	s     Secret
	plain string
} {
	t.Helper()
	var out []struct {
		s     Secret
		plain string
	}
	for k, v := range map[SecretKind]string{
		SecretCheckCodeA: "123456789018", SecretCheckCodeB: "55021720354821", SecretBirthDateKey: "550217",
		SecretAuthPIN: "5931", SecretSignPassword: "TAIMEN2024", SecretTextPIN: "2580", SecretJukiPIN: "7046",
	} {
		s, err := k.Parse(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, struct {
			s     Secret
			plain string
		}{s, v})
	}
	return out
}

// leaks reports whether out shows the value or any part of it: for digit secrets, any digit at
// all; for the sign password, the value or any 3-character piece of it.
func leaks(out, plain string) bool {
	if strings.Contains(out, plain) {
		return true
	}
	if strings.Trim(plain, "0123456789") == "" {
		return strings.ContainsAny(out, "0123456789")
	}
	for i := 0; i+3 <= len(plain); i++ {
		if strings.Contains(out, plain[i:i+3]) {
			return true
		}
	}
	return false
}

// addresses matches a pointer as fmt prints it: ten or more hex digits (0xc000…, c000… for %x, decimal for %d).
var addresses = regexp.MustCompile(`(0x)?[0-9a-f]{10,}`)

func TestSecretsNeverPrint(t *testing.T) {
	// Verbs that reach Format print exactly the redacted rendering, whatever the width and flags.
	plainVerbs := []string{"%v", "%+v", "%s", "%x", "%X", "%d", "%10s", "%-20v", "%t", "%08d", "%e", "%U", "%c", "% x"}
	for _, tc := range allSecrets(t) {
		name := tc.s.Kind().String()
		want := name + "([redacted])"
		if got := tc.s.String(); got != want || leaks(got, tc.plain) {
			t.Errorf("String() = %q, want %q", got, want)
		}
		for _, verb := range plainVerbs {
			if out := fmt.Sprintf(verb, tc.s); out != want {
				t.Errorf("%s: Sprintf(%s) = %q, want %q", name, verb, out, want)
			}
		}
		if out := fmt.Sprintf("%q", tc.s); out != strconv.Quote(want) {
			t.Errorf("%s: %%q = %q", name, out)
		}
		gs := tc.s.(fmt.GoStringer).GoString()
		if out := fmt.Sprintf("%#v", tc.s); out != gs || !strings.HasPrefix(gs, "myna.") || !strings.Contains(gs, "{[redacted]}") || leaks(gs, tc.plain) {
			t.Errorf("%s: %%#v = %q, GoString = %q", name, out, gs)
		}
		// %p and %T do not reach Format: %p prints the fields by reflection, which see only the
		// masked value.
		for _, verb := range []string{"%p", "%T"} {
			if out := fmt.Sprintf(verb, tc.s); strings.Contains(out, tc.plain) {
				t.Errorf("%s: Sprintf(%s) = %q leaks", name, verb, out)
			}
		}
		// Inside structs, slices and maps, Format is called for exported fields and elements.
		type holder struct{ Exported Secret }
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			for _, v := range []any{holder{Exported: tc.s}, []Secret{tc.s}, map[string]Secret{"k": tc.s}} {
				if out := fmt.Sprintf(verb, v); leaks(out, tc.plain) || !strings.Contains(out, "[redacted]") {
					t.Errorf("%s: Sprintf(%s, %T) = %q leaks", name, verb, v, out)
				}
			}
		}
		// Unexported fields, and any verb that makes fmt report a bad verb on a pointer, are
		// printed by reflection: they see only the masked value.
		s := tc.s
		hidden := struct {
			s Secret
			p *Secret
		}{s, &s}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
			// The pointer's address is printed too (0xc000…, or in decimal for %d): a
			// 4-digit PIN may appear in it by chance, so addresses are left out of the search.
			if out := fmt.Sprintf(verb, hidden); strings.Contains(addresses.ReplaceAllString(out, "<addr>"), tc.plain) {
				t.Errorf("%s: Sprintf(%s, unexported fields) = %q leaks", name, verb, out)
			}
		}
		// json.Marshal of a struct containing it, and of the secret alone.
		js, err := json.Marshal(struct {
			Code Secret `json:"code"`
			Kind string `json:"kind"`
		}{tc.s, "x"})
		if err != nil {
			t.Fatal(err)
		}
		if string(js) != `{"code":"[redacted]","kind":"x"}` {
			t.Errorf("%s: json = %s", name, js)
		}
		js, _ = json.Marshal(map[string]any{"a": tc.s, "b": []Secret{tc.s}})
		if leaks(string(js), tc.plain) {
			t.Errorf("%s: json map = %s leaks", name, js)
		}
		// MarshalText (used by encoding/xml, map keys, flag values …).
		txt, err := tc.s.(interface{ MarshalText() ([]byte, error) }).MarshalText()
		if err != nil || string(txt) != "[redacted]" {
			t.Errorf("%s: MarshalText = %q, %v", name, txt, err)
		}
		// slog, text and JSON handlers, as an attribute, in a group and as the message argument.
		for _, mk := range []func(*bytes.Buffer) slog.Handler{
			func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var buf bytes.Buffer
			log := slog.New(mk(&buf))
			log.Info("verify", "code", tc.s, slog.Group("g", "inner", tc.s), "any", any(tc.s))
			log.Info(fmt.Sprint(tc.s))
			out := removeSlogTime(buf.String())
			if !strings.Contains(out, "[redacted]") || leaks(out, tc.plain) {
				t.Errorf("%s: slog output %q leaks or lacks [redacted]", name, out)
			}
		}
	}
}

// removeSlogTime drops the time attribute, which holds digits of its own.
func removeSlogTime(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "level"); i >= 0 {
			line = line[i:]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func TestSecretZeroValuePrints(t *testing.T) {
	var z CheckCodeB
	if got := z.String(); got != "check code B(<unset>)" {
		t.Errorf("zero String = %q", got)
	}
	if got := fmt.Sprintf("%#v", z); got != "myna.CheckCodeB{}" {
		t.Errorf("zero %%#v = %q", got)
	}
	if js, _ := json.Marshal(z); string(js) != `""` {
		t.Errorf("zero json = %s", js)
	}
}

func TestNewCheckCodeB(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		birth  time.Time
		form   DateForm
		expiry int
		code   string
		want   string
	}{
		{d(1980, 2, 17), DateFormEra, 2035, "4821", "55021720354821"},
		{d(1995, 7, 30), DateFormEra, 2034, "0907", "07073020340907"},
		{d(1978, 11, 5), DateFormWestern, 2028, "3170", "78110520283170"},
		{d(2019, 5, 1), DateFormEra, 2029, "6402", "01050120296402"},
		{d(1989, 1, 7), DateFormEra, 2026, "1187", "64010720261187"},
		{d(1989, 1, 8), DateFormEra, 2026, "1187", "01010820261187"},
		{d(2000, 2, 29), DateFormWestern, 2030, "0000", "00022920300000"},
		// The calendar date is taken in the time's own location.
		{time.Date(1980, 2, 17, 23, 30, 0, 0, time.FixedZone("JST", 9*3600)), DateFormEra, 2035, "4821", "55021720354821"},
	}
	for _, tc := range cases {
		b, err := NewCheckCodeB(tc.birth, tc.form, tc.expiry, tc.code)
		if err != nil {
			t.Errorf("NewCheckCodeB(%v, %v): %v", tc.birth, tc.form, err)
			continue
		}
		if b.Reveal() != tc.want {
			t.Errorf("NewCheckCodeB(%v, %v) differs at %s", tc.birth.Format(time.DateOnly), tc.form, differingPositions(b.Reveal(), tc.want))
		}
		y, m, dd := tc.birth.Date()
		b2, err := NewCheckCodeBYMD(y, m, dd, tc.form, tc.expiry, tc.code)
		if err != nil || !b2.Equal(b) {
			t.Errorf("NewCheckCodeBYMD differs: %v", err)
		}
		k, err := NewBirthDateKey(tc.birth, tc.form)
		if err != nil || k.Reveal() != tc.want[:6] {
			t.Errorf("NewBirthDateKey differs at %s (%v)", differingPositions(k.Reveal(), tc.want[:6]), err)
		}
	}
	bad := []struct {
		birth  time.Time
		form   DateForm
		expiry int
		code   string
		reason string
	}{
		{d(1872, 12, 31), DateFormEra, 2030, "1234", "lunisolar"},
		{d(1980, 2, 17), DateFormEra, 2014, "1234", "expiry year must be 2015-2099"},
		{d(1980, 2, 17), DateFormEra, 2100, "1234", "expiry year"},
		{d(1980, 2, 17), DateFormEra, 2030, "123", "security code must be 4 digits"},
		{d(1980, 2, 17), DateFormEra, 2030, "12a4", "security code must be 4 digits"},
		{d(1980, 2, 17), DateForm(7), 2030, "1234", "invalid date form"},
	}
	for _, tc := range bad {
		_, err := NewCheckCodeB(tc.birth, tc.form, tc.expiry, tc.code)
		var fe *FormError
		if !errors.As(err, &fe) || !strings.Contains(fe.Reason, tc.reason) {
			t.Errorf("NewCheckCodeB(%v, %d, %s): err = %v, want reason containing %q", tc.birth.Format(time.DateOnly), tc.expiry, tc.code, err, tc.reason)
		}
	}
	for _, ymd := range [][3]int{{1980, 2, 30}, {1980, 13, 1}, {1980, 0, 1}, {1981, 2, 29}} {
		_, err := NewCheckCodeBYMD(ymd[0], time.Month(ymd[1]), ymd[2], DateFormEra, 2030, "1234")
		if !errors.Is(err, ErrForm) || strings.Contains(err.Error(), "1980") {
			t.Errorf("NewCheckCodeBYMD(%v): err = %v", ymd, err)
		}
	}
}

func TestEverySecretTypeBehaves(t *testing.T) {
	for _, tc := range allSecrets(t) {
		s := tc.s
		if string(s.Bytes()) != tc.plain || s.Reveal() != tc.plain || !s.Matches([]byte(tc.plain)) || s.Matches([]byte(tc.plain+"0")) || s.IsZero() {
			t.Errorf("%v: Bytes/Reveal/Matches/IsZero wrong", s.Kind())
		}
		again, _ := s.Kind().Parse(tc.plain)
		var equal, zeroEqual bool
		switch v := s.(type) {
		case CheckCodeA:
			equal, zeroEqual = v.Equal(again.(CheckCodeA)), v.Equal(CheckCodeA{})
		case CheckCodeB:
			equal, zeroEqual = v.Equal(again.(CheckCodeB)), v.Equal(CheckCodeB{})
		case BirthDateKey:
			equal, zeroEqual = v.Equal(again.(BirthDateKey)), v.Equal(BirthDateKey{})
		case AuthPIN:
			equal, zeroEqual = v.Equal(again.(AuthPIN)), v.Equal(AuthPIN{})
		case SignPassword:
			equal, zeroEqual = v.Equal(again.(SignPassword)), v.Equal(SignPassword{})
		case TextPIN:
			equal, zeroEqual = v.Equal(again.(TextPIN)), v.Equal(TextPIN{})
		case JukiPIN:
			equal, zeroEqual = v.Equal(again.(JukiPIN)), v.Equal(JukiPIN{})
		default:
			t.Fatalf("unexpected type %T", s)
		}
		if !equal || zeroEqual {
			t.Errorf("%v: Equal wrong", s.Kind())
		}
	}
	for _, z := range []Secret{CheckCodeA{}, CheckCodeB{}, BirthDateKey{}, AuthPIN{}, SignPassword{}, TextPIN{}, JukiPIN{}} {
		txt, _ := z.(interface{ MarshalText() ([]byte, error) }).MarshalText()
		if !z.IsZero() || z.Bytes() != nil || len(txt) != 0 || !strings.HasSuffix(z.String(), "(<unset>)") {
			t.Errorf("zero %T misbehaves", z)
		}
	}
	if SecretKind(0).String() != "secret" || SecretKind(0).NameJA() != "" || SecretKind(0).DefaultRetryLimit() != 0 {
		t.Error("SecretKind(0) misbehaves")
	}
}

// differingPositions says where got and want differ (1-based digit positions
// and lengths), so that a failing test names the wrong digits without
// printing a code.
func differingPositions(got, want string) string {
	var pos []string
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			pos = append(pos, strconv.Itoa(i+1))
		}
	}
	return fmt.Sprintf("digits %v (length %d, want %d)", pos, len(got), len(want))
}
