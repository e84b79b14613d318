package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The phone-token profiles: read face stops before any VERIFY with a message a counter clerk
// can act on (exit 10); read jpki shows each token's label; read licence says there is none.
func TestTokenProfilesCLI(t *testing.T) {
	for id, label := range map[string]string{"p08-android-token": "JPKIAPGPSETOKEN", "p09-iphone-token": "JPKIAPIOSTOKEN"} {
		path := filepath.Join("..", "..", "vectors", "profiles", id, "profile.json")
		r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": "08062020336180"}, "read", "face", "--emulator", path)
		if r.code != exitNotCardFace || !strings.Contains(r.stderr, "ask for the physical card") {
			t.Errorf("%s: read face exit %d: %s", id, r.code, r.stderr)
		}
		if r := runCLI(t, nil, "read", "jpki", "--emulator", path); r.code != exitOK || !strings.Contains(r.stdout, label) {
			t.Errorf("%s: read jpki exit %d: %s%s", id, r.code, r.stdout, r.stderr)
		}
		if r := runCLI(t, nil, "read", "licence", "--emulator", path); r.code != exitNotCardFace || !strings.Contains(r.stderr, "no licence on this card") {
			t.Errorf("%s: read licence exit %d: %s", id, r.code, r.stderr)
		}
	}
}
