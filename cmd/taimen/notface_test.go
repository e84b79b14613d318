package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/reader"
)

// `read face` on a phone's JPKI-only token or on a card that is not a My
// Number Card fails with exit 10 and says why, sends no VERIFY (the trace has
// none), and writes the outcome to --out's result.json.
func TestReadFaceNotACardFace(t *testing.T) {
	p := profile(t)
	cases := []struct {
		form, says, outcome string
	}{
		{"jpki-token-android", "this is a JPKI-only token, such as a smartphone's My Number Card function: it has no card-surface application", "jpki-only-token"},
		{"jpki-token-ios", "ask for the physical card", "jpki-only-token"},
		{"not-my-number", "this is not a My Number Card (no My Number application answered)", "not-my-number-card"},
	}
	for _, tc := range cases {
		t.Run(tc.form, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			trace := filepath.Join(t.TempDir(), "trace.json")
			hist := filepath.Join(t.TempDir(), "h.jsonl")
			r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal(), "TAIMEN_HISTORY": hist},
				"read", "face", "--profile", p01, "--emulator-form", tc.form, "--trace", trace, "--out", out, "--json")
			if r.code != exitNotCardFace {
				t.Fatalf("exit %d, want %d: %s", r.code, exitNotCardFace, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.says) {
				t.Errorf("stderr %q does not say %q", r.stderr, tc.says)
			}
			b, err := os.ReadFile(trace)
			if err != nil {
				t.Fatal(err)
			}
			var entries []reader.Entry
			if err := json.Unmarshal(b, &entries); err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 {
				t.Fatal("empty trace")
			}
			for _, e := range entries {
				if e.Op != "SELECT" {
					t.Errorf("trace entry %d is a %s: only SELECT may be sent", e.Seq, e.Op)
				}
			}
			if h, _ := os.ReadFile(hist); !strings.Contains(string(h), `"outcome":"`+tc.outcome+`"`) {
				t.Errorf("history: %s", h)
			}
			o := readResultFile(t, out)
			if o.Schema != "taimen.read/v1" || o.Authentic || o.Outcome != tc.outcome || !strings.Contains(o.Error, tc.says) {
				t.Errorf("result.json: %+v", o)
			}
		})
	}
	if r := runCLI(t, nil, "read", "face", "--profile", p01, "--emulator-form", "phone"); r.code != exitUsage {
		t.Errorf("unknown form: exit %d", r.code)
	}
	if r := runCLI(t, nil, "read", "face", "--reader", "x", "--emulator-form", "not-my-number"); r.code != exitUsage {
		t.Errorf("--emulator-form without --emulator: exit %d", r.code)
	}
}

// result.json holds the outcome and no personal datum unless --reveal, on a
// good read and on a failed one.
func TestReadResultFile(t *testing.T) {
	p := profile(t)
	good := t.TempDir()
	r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()}, "read", "face", "--profile", p01, "--out", good)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	o := readResultFile(t, good)
	if !o.Authentic || o.Outcome != "ok" || o.Error != "" || o.Revealed || len(o.Fields) == 0 {
		t.Errorf("good read: %+v", o)
	}
	b, _ := os.ReadFile(filepath.Join(good, resultFile))
	assertNoPersonal(t, "result.json", string(b), p)

	wrong := t.TempDir()
	code := []byte(p.CheckCodeB().Reveal())
	code[len(code)-1] = '0' + (code[len(code)-1]-'0'+1)%10
	r = runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": string(code)}, "read", "face", "--profile", p01, "--out", wrong)
	if r.code != exitWrongCode {
		t.Fatalf("wrong code: exit %d: %s", r.code, r.stderr)
	}
	o = readResultFile(t, wrong)
	if o.Authentic || o.Outcome != "wrong-code" || !strings.Contains(o.Error, "tries left") || len(o.Fields) != 0 {
		t.Errorf("wrong code: %+v", o)
	}
	b, _ = os.ReadFile(filepath.Join(wrong, resultFile))
	assertNoPersonal(t, "result.json", string(b), p)
}

// TestReadResultOnly: --result writes result.json and nothing else (no
// image), and cannot be given with --out.
func TestReadResultOnly(t *testing.T) {
	p := profile(t)
	dir := t.TempDir()
	env := map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()}
	r := runCLI(t, env, "read", "face", "--profile", p01, "--result", dir)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if o := readResultFile(t, dir); !o.Authentic || o.Outcome != "ok" {
		t.Errorf("result: %+v", o)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("--result wrote %v, want only %s", names, resultFile)
	}
	if r := runCLI(t, env, "read", "face", "--profile", p01, "--result", dir, "--out", t.TempDir()); r.code != exitUsage {
		t.Errorf("--result with --out: exit %d, want %d", r.code, exitUsage)
	}
}

func readResultFile(t *testing.T, dir string) readOutput {
	t.Helper()
	path := filepath.Join(dir, resultFile)
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
		t.Errorf("result.json mode %v, want a regular file of mode 0600", st.Mode())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var o readOutput
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("result.json: %v", err)
	}
	return o
}
