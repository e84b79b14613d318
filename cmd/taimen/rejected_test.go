package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/internal/fixture"
)

// The same wrong code sent by three `read` commands to a card whose counters outlive each
// command spends exactly one try: the second and third are refused (exit 7) with the way to
// clear the memory; `taimen forget` clears it, and the file never holds the code.
func TestReadWrongCodeThriceSpendsOneTry(t *testing.T) {
	t.Parallel()
	p := profile(t)
	state := t.TempDir()
	mem := filepath.Join(t.TempDir(), "state", "rejected.json")
	wrong := "550218" + "2035" + "0000" // a well-formed check code B that p01-showa rejects
	if wrong == p.CheckCodeB().Reveal() {
		t.Fatal("the wrong code is the right one")
	}
	env := map[string]string{"TAIMEN_CHECK_CODE_B": wrong, "TAIMEN_REJECTED": mem}
	tries := func() int {
		t.Helper()
		r := runCLI(t, env, "status", "--emulator", p01, "--state", state, "--json")
		var st struct {
			Keys []struct {
				App, Key string
				Tries    int
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
			t.Fatalf("status: %v\n%s%s", err, r.stdout, r.stderr)
		}
		for _, k := range st.Keys {
			if k.App == "surface" && k.Key == "0012" {
				return k.Tries
			}
		}
		t.Fatalf("status lacks surface/0012:\n%s", r.stdout)
		return 0
	}
	before := tries()
	want := []int{exitWrongCode, exitRefused, exitRefused}
	for i, code := range want {
		r := runCLI(t, env, "read", "face", "--emulator", p01, "--state", state)
		if r.code != code {
			t.Fatalf("read %d: exit %d, want %d:\n%s", i+1, r.code, code, r.stderr)
		}
		if code == exitRefused && (!strings.Contains(r.stderr, "rejected this value before") || !strings.Contains(r.stderr, "taimen forget")) {
			t.Errorf("read %d: the refusal does not say why or how to clear it:\n%s", i+1, r.stderr)
		}
		assertNoPersonal(t, "stderr", r.stderr, p)
	}
	if got := tries(); got != before-1 {
		t.Errorf("three reads with one wrong code: tries %d → %d, want one spent", before, got)
	}
	b, err := os.ReadFile(mem)
	if err != nil {
		t.Fatal(err)
	}
	// Salts and salted digests are random hex, which holds "0218" now and then by chance.
	rest, n := fixture.WithoutDigests(b)
	if n < 3 || strings.Contains(string(rest), wrong) || strings.Contains(string(rest), "0218") {
		t.Errorf("the memory holds the code (%d salt and digest fields):\n%s", n, b)
	}
	if r := runCLI(t, env, "forget"); r.code != exitOK || !strings.Contains(r.stdout, "forgot 1") {
		t.Fatalf("forget: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, env, "read", "face", "--emulator", p01, "--state", state); r.code != exitWrongCode {
		t.Errorf("after forget, the value is sent again: exit %d %s", r.code, r.stderr)
	}
	// Without --state an emulated card is new each time: nothing is remembered.
	env["TAIMEN_REJECTED"] = filepath.Join(t.TempDir(), "state", "rejected.json")
	for range 2 {
		if r := runCLI(t, env, "read", "face", "--emulator", p01); r.code != exitWrongCode {
			t.Errorf("a fresh emulated card: exit %d %s", r.code, r.stderr)
		}
	}
	if r := runCLI(t, map[string]string{"TAIMEN_REJECTED_TTL": "1y"}, "forget"); r.code != exitUsage || !strings.Contains(r.stderr, "TAIMEN_REJECTED_TTL") {
		t.Errorf("a malformed TTL: exit %d %s", r.code, r.stderr)
	}
}
