package myna

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func licenceSection() map[string]any {
	return map[string]any{
		"number": "301900456780", "commission": "30", "issued": "2025-04-10", "expiry": "2030-09-12",
		"categories": map[string]any{"ordinary-motorcycle": "2011-05-20", "ordinary": "2009-10-01"},
		"conditions": []any{"glasses"}, "pin": "2468", "key": "licence.pem",
	}
}

// writeLicenceProfile writes baseProfile with a licence section changed by mutate, and the
// licence key file licence.pem beside it.
func writeLicenceProfile(t *testing.T, mutate func(m map[string]any)) string {
	t.Helper()
	path := writeProfileSet(t, func(m map[string]any) {
		m["licence"] = licenceSection()
		if mutate != nil {
			mutate(m)
		}
	})
	key := keyPEM(t, map[string]*rsa.PrivateKey{RoleLicenceIssuer: testKeys()[RoleCommonIA]}, RoleLicenceIssuer)
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "licence.pem"), key, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadProfileLicence(t *testing.T) {
	p, err := LoadProfile(writeLicenceProfile(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	l := p.Licence
	if l == nil {
		t.Fatal("no licence loaded")
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	if l.Number != "301900456780" || l.Commission != "30" || !l.Issued.Equal(day("2025-04-10")) || !l.Expiry.Equal(day("2030-09-12")) {
		t.Error("licence fields differ from the file")
	}
	var got []string
	for _, g := range l.Grants {
		got = append(got, g.Category.Key+"@"+g.Since.Format(time.DateOnly))
	}
	if d := cmp.Diff([]string{"ordinary@2009-10-01", "ordinary-motorcycle@2011-05-20"}, got); d != "" {
		t.Errorf("grants, in code order (-want +got):\n%s", d)
	}
	if len(l.Conditions) != 1 || l.Conditions[0].Key != "glasses" {
		t.Errorf("conditions %v", l.Conditions)
	}
	if !l.PINSet() || p.Secret(SecretLicencePIN).Reveal() != "2468" || l.IssuerKey() == nil {
		t.Error("PIN or key not loaded")
	}
	if s := fmt.Sprintf("%v %+v %#v %s", *l, *l, *l, l.PIN()); strings.Contains(s, "2468") || strings.Contains(s, "301900456780") {
		t.Errorf("a licence prints personal data: %s", s)
	}
	if p.Behaviour.Licence.SignatureFree {
		t.Error("default signature_read must be pin")
	}

	none, err := LoadProfile(writeLicenceProfile(t, set("licence.pin", "****")))
	if err != nil {
		t.Fatal(err)
	}
	if none.Licence.PINSet() {
		t.Error(`"****" must mean no PIN set`)
	}
	free, err := LoadProfile(writeLicenceProfile(t, set("behaviour.licence.signature_read", "free")))
	if err != nil {
		t.Fatal(err)
	}
	if !free.Behaviour.Licence.SignatureFree {
		t.Error("signature_read free not loaded")
	}
	plain, err := LoadProfile(writeProfileSet(t, nil))
	if err != nil || plain.Licence != nil || plain.Secret(SecretLicencePIN) != nil {
		t.Errorf("a profile without a licence section: err %v, licence %v", err, plain.Licence)
	}
}

func TestLoadProfileLicenceErrors(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(map[string]any)
		want   string
	}{
		{"key missing", set("licence.key", deleteField), `licence.key: missing: a licence needs the issuing prefecture's key file`},
		{"key absent file", set("licence.key", "nope.pem"), "licence.key: "},
		{"key wrong role", set("licence.key", "keys.pem"), `licence.key: `},
		{"key absolute", set("licence.key", "/etc/passwd"), "licence.key: must be a path relative to the profile file"},
		{"pin missing", set("licence.pin", deleteField), `licence.pin: missing; give the 4-digit PIN, or "****"`},
		{"pin letters", set("licence.pin", "12ab"), `licence.pin: must be 4 digits, or "****"`},
		{"pin short", set("licence.pin", "123"), `licence.pin: must be 4 digits`},
		{"number", set("licence.number", "30190045678"), "licence.number: must be 12 digits"},
		{"commission", set("licence.commission", "3"), "licence.commission: must be 2 digits"},
		{"expiry before issue", set("licence.expiry", "2024-01-01"), "licence.expiry: must be after licence.issued"},
		{"issued format", set("licence.issued", "2025/04/10"), "licence.issued: must be a date YYYY-MM-DD"},
		{"no categories", set("licence.categories", map[string]any{}), "licence.categories: missing"},
		{"unknown category", set("licence.categories.tank", "2001-01-01"), "licence.categories.tank: unknown category"},
		{"category date", set("licence.categories.ordinary", "1800-01-01"), "licence.categories.ordinary: must be on or after 1873-01-01"},
		{"unknown condition", set("licence.conditions", []any{"glasses", "sunglasses"}), "licence.conditions[1]: unknown condition"},
		{"unknown field", set("licence.colour", "gold"), `unknown field "colour"`},
		{"signature_read", set("behaviour.licence.signature_read", "never"), `behaviour.licence.signature_read: must be "pin" or "free"`},
		{"token form", set("card.form", "jpki-token-ios"), "licence: a jpki-token-ios carries no driving-licence application"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadProfile(writeLicenceProfile(t, tc.mutate))
			if err == nil {
				t.Fatal("loaded")
			}
			var pe *ProfileError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			for _, s := range []string{"2468", "301900456780", "2468"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error shows a licence value: %q", err)
				}
			}
		})
	}
}

func TestEraDateCode(t *testing.T) {
	for _, tc := range []struct{ date, code string }{
		{"2030-09-12", "5120912"}, {"2019-05-01", "5010501"}, {"2019-04-30", "4310430"},
		{"1989-01-07", "3640107"}, {"1925-03-03", "2140303"}, {"1900-01-01", "1330101"},
	} {
		d, _ := time.Parse(time.DateOnly, tc.date)
		got, err := EncodeEraDate(d)
		if err != nil || got != tc.code {
			t.Errorf("EncodeEraDate(%s) = %q, %v; want %q", tc.date, got, err, tc.code)
		}
		back, err := DecodeEraDate(tc.code)
		if err != nil || !back.Equal(d) {
			t.Errorf("DecodeEraDate(%s) = %v, %v", tc.code, back, err)
		}
	}
	for _, bad := range []string{"", "512091", "6120912", "0120912", "5121312", "3650101", "5a20912"} {
		if _, err := DecodeEraDate(bad); !errors.Is(err, ErrLicenceData) {
			t.Errorf("DecodeEraDate(%q) = %v; want ErrLicenceData", bad, err)
		}
	}
}

func TestLicenceDataRoundTrip(t *testing.T) {
	p, err := LoadProfile(writeLicenceProfile(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	data, err := BuildLicenceData(p.Licence)
	if err != nil {
		t.Fatal(err)
	}
	// C2 00 C3 00 first (DLC_Starter skips these 4 bytes), then C4 number, C5 expiry.
	if !bytes.HasPrefix(data, []byte{0xC2, 0x00, 0xC3, 0x00, 0xC4, 0x0C}) || !bytes.Contains(data, []byte("\xC5\x075120912")) {
		t.Errorf("EF 001B layout: % X", data)
	}
	rec, err := ParseLicenceData(append(bytes.Clone(data), 0xFF, 0xFF, 0xFF))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Signed, data) {
		t.Error("Signed must be the TLVs without the filler")
	}
	want := &LicenceRecord{Number: p.Licence.Number, Commission: "30", Issued: p.Licence.Issued, Expiry: p.Licence.Expiry,
		Grants: p.Licence.Grants, Conditions: p.Licence.Conditions, Signed: data}
	if d := cmp.Diff(want, rec); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	sig, err := BuildLicenceSignature(data, p.Licence.IssuerKey(), "30")
	if err != nil {
		t.Fatal(err)
	}
	s, by, err := ParseLicenceSignature(sig)
	if err != nil || by != "30" || len(s) != 256 {
		t.Fatalf("EF 001C: %d-byte signature by %q, %v", len(s), by, err)
	}
	pub := &p.Licence.IssuerKey().PublicKey
	if err := VerifyLicenceSignature(data, s, pub); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	forged := bytes.Clone(data)
	forged[bytes.Index(forged, []byte("5120912"))+2]++ // 令和13年
	if VerifyLicenceSignature(forged, s, pub) == nil {
		t.Error("a changed expiry still verifies")
	}
	other := &testKeys()[RoleCard].PublicKey
	if VerifyLicenceSignature(data, s, other) == nil {
		t.Error("verifies under another key")
	}
	for name, b := range map[string][]byte{
		"truncated":        data[:len(data)-3],
		"no number":        data[6+12:],
		"bad category":     badCategory(data),
		"odd conditions":   append(data[:len(data)-4], 0xC9, 0x01, '0'),
		"letters in date":  bytes.Replace(data, []byte("5120912"), []byte("5A20912"), 1),
		"nothing but fill": {0xFF, 0xFF},
	} {
		if _, err := ParseLicenceData(b); !errors.Is(err, ErrLicenceData) {
			t.Errorf("%s: ParseLicenceData = %v; want ErrLicenceData", name, err)
		}
	}
	if set, err := ParsePINSetting(BuildPINSetting(false)); err != nil || set {
		t.Error("PIN-setting flag 00")
	}
	for _, bad := range [][]byte{{0xC1, 0x01, 0x02}, {0xC1, 0x02, 0x01}, {0xC2, 0x01, 0x01}, {0xC1}} {
		if _, err := ParsePINSetting(bad); !errors.Is(err, ErrLicenceData) {
			t.Errorf("ParsePINSetting(% X) = %v", bad, err)
		}
	}
}

func TestLicenceApplication(t *testing.T) {
	if slices := Apps(); len(slices) != 6 {
		t.Errorf("Apps() must stay the six mandatory applications, got %d", len(slices))
	}
	a, ok := LicenceAP.Application()
	if !ok || len(a.AID) != 16 || a.AID.String() != "A0000002310600000000000000000000" {
		t.Fatalf("licence AID %s", a.AID)
	}
	if got, ok := AppByAID(a.AID); !ok || got != LicenceAP {
		t.Error("AppByAID does not find the licence application")
	}
	if got, err := ParseApp("licence"); err != nil || got != LicenceAP {
		t.Error(`ParseApp("licence")`)
	}
	if FormCard.Has(LicenceAP) {
		t.Error("the card form must not promise a licence: it depends on the holder")
	}
	pin, _ := LookupEF(LicenceAP, LicencePINRef)
	data, _ := LookupEF(LicenceAP, LicenceData)
	flag, _ := LookupEF(LicenceAP, LicencePINSetting)
	if pin.Secret != SecretLicencePIN || SecretLicencePIN.DefaultRetryLimit() != 10 || !flag.Access.IsFree() ||
		!data.Access.Opens(func(k FileID) bool { return k == LicencePINRef }) {
		t.Error("licence EF descriptors")
	}
}

// badCategory returns EF 001B with its first category code (after C8 len) made 99.
func badCategory(data []byte) []byte {
	out := bytes.Clone(data)
	i := bytes.IndexByte(out, 0xC8) + 2
	out[i], out[i+1] = '9', '9'
	return out
}
