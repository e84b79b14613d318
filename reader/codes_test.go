package reader

import (
	"errors"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/myna"
)

func TestSecretFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		kind    myna.SecretKind
		western bool
		want    string // revealed value, "" when not set
		wantErr string
	}{
		{"B as 14 digits", map[string]string{EnvCheckCodeB: "55021720354821"}, myna.SecretCheckCodeB, false, "55021720354821", ""},
		{"B from a Gregorian date (Showa)", map[string]string{EnvBirthDate: "1980-02-17", EnvExpiryYear: "2035", EnvSecurityCode: "4821"}, myna.SecretCheckCodeB, false, "55021720354821", ""},
		{"B on the era boundary", map[string]string{EnvBirthDate: "1989-01-07", EnvExpiryYear: "2026", EnvSecurityCode: "1187"}, myna.SecretCheckCodeB, false, "64010720261187", ""},
		{"B first day of Heisei", map[string]string{EnvBirthDate: "1989-01-08", EnvExpiryYear: "2030", EnvSecurityCode: "0001"}, myna.SecretCheckCodeB, false, "01010820300001", ""},
		{"B Western for a foreign resident", map[string]string{EnvBirthDate: "1978-11-05", EnvExpiryYear: "2028", EnvSecurityCode: "3170"}, myna.SecretCheckCodeB, true, "78110520283170", ""},
		{"B incomplete parts", map[string]string{EnvBirthDate: "1980-02-17"}, myna.SecretCheckCodeB, false, "", "set all of"},
		{"B too short", map[string]string{EnvCheckCodeB: "5502172035482"}, myna.SecretCheckCodeB, false, "", "14 digits"},
		{"B bad date", map[string]string{EnvBirthDate: "17/02/1980", EnvExpiryYear: "2035", EnvSecurityCode: "4821"}, myna.SecretCheckCodeB, false, "", "YYYY-MM-DD"},
		{"A check digit", map[string]string{EnvCheckCodeA: "123456789019"}, myna.SecretCheckCodeA, false, "", "check digit"},
		{"PIN unset", nil, myna.SecretTextPIN, false, "", ""},
		{"sign password upper-cased", map[string]string{EnvSignPassword: "taimen2024"}, myna.SecretSignPassword, false, "TAIMEN2024", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ok, err := SecretFromEnv(func(k string) string { return tc.env[k] }, tc.kind, tc.western)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
				}
				for _, v := range tc.env {
					if len(v) > 3 && strings.Contains(err.Error(), v) {
						t.Fatalf("the error echoes the value: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if ok {
					t.Fatal("found a secret that was not set")
				}
				return
			}
			if !ok || s.Reveal() != tc.want {
				t.Fatalf("ok %v", ok)
			}
		})
	}
	if _, _, err := SecretFromEnv(func(string) string { return "" }, myna.SecretJukiPIN, false); err == nil || errors.Is(err, ErrNoSecret) {
		t.Error("juki PIN from the environment should be refused")
	}
}
