package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/myna"
)

var p01 = filepath.Join("..", "..", "vectors", "profiles", "p01-showa", "profile.json")

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, envVars map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	if envVars == nil {
		envVars = map[string]string{}
	}
	if _, ok := envVars["TAIMEN_HISTORY"]; !ok {
		envVars["TAIMEN_HISTORY"] = filepath.Join(t.TempDir(), "history.jsonl")
	}
	if _, ok := envVars["TAIMEN_REJECTED"]; !ok {
		envVars["TAIMEN_REJECTED"] = filepath.Join(t.TempDir(), "state", "rejected.json")
	}
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return envVars[k] }}
	code := run(context.Background(), args, e)
	return result{code, out.String(), errb.String()}
}

func profile(t *testing.T) *myna.Profile {
	p, err := myna.LoadProfile(p01)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// personal returns every personal datum and secret of p as it could appear in text.
// assertNoPersonal fails when text holds any of the profile's secrets or
// personal data (needles), as findLeaks finds them: a short number only as a
// standalone token, so that a 4-digit PIN does not match inside a timestamp
// or a random challenge.
func assertNoPersonal(t *testing.T, where, text string, p *myna.Profile) {
	t.Helper()
	for _, hit := range findLeaks([]byte(text), needles(p)) {
		t.Errorf("%s: %s", where, hit)
	}
}

func TestReadFaceCLI(t *testing.T) {
	p := profile(t)
	hist := filepath.Join(t.TempDir(), "h.jsonl")
	out := t.TempDir()
	trace := filepath.Join(t.TempDir(), "trace.json")
	r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal(), "TAIMEN_HISTORY": hist},
		"read", "face", "--profile", p01, "--out", out, "--trace", trace)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"AUTHENTIC under a test CA", "not covered by the signature", "taimen test CA 9000023"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	assertNoPersonal(t, "stdout", r.stdout+r.stderr, p)
	h, _ := os.ReadFile(hist)
	tr, _ := os.ReadFile(trace)
	assertNoPersonal(t, "history", string(h), p)
	assertNoPersonal(t, "trace", string(tr), p)
	if !strings.Contains(string(h), `"outcome":"ok"`) || !strings.Contains(string(h), `"tries_left":10`) {
		t.Errorf("history line: %s", h)
	}
	for name, want := range map[string][]byte{"face.jp2": p.Images.Face, "name.png": p.Images.Name, "security-code.png": p.Images.SecurityCode} {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v", name, err)
		}
		if st, _ := os.Stat(filepath.Join(out, name)); st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", name, st.Mode())
		}
	}
}

func TestReadFaceJSONRevealAndGregorianInput(t *testing.T) {
	p := profile(t)
	r := runCLI(t, map[string]string{"TAIMEN_BIRTH_DATE": "1980-02-17", "TAIMEN_EXPIRY_YEAR": "2035", "TAIMEN_SECURITY_CODE": p.Card.SecurityCode},
		"read", "face", "--profile", p01, "--json", "--reveal")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var o readOutput
	if err := json.Unmarshal([]byte(r.stdout), &o); err != nil {
		t.Fatal(err)
	}
	if !o.Authentic || o.Authenticity.Production || !o.Revealed {
		t.Fatalf("%+v", o)
	}
	found := false
	for _, f := range o.Fields {
		if f.Name == "birth date" && strings.Contains(f.Value, "昭和55年") {
			found = true
		}
		if (f.Name == "expiry" || f.Name == "security code") && f.Signed {
			t.Errorf("%s presented as signed", f.Name)
		}
	}
	if !found {
		t.Errorf("revealed birth date not shown with its era: %s", r.stdout)
	}
}

func TestReadExitCodes(t *testing.T) {
	p := profile(t)
	state := t.TempDir()
	wrong := []byte(p.CheckCodeB().Reveal())
	wrong[13] = '0' + (wrong[13]-'0'+1)%10
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"no secret, no terminal", nil, []string{"read", "face", "--profile", p01}, exitUsage},
		{"secret on argv is refused", nil, []string{"read", "face", "--profile", p01, p.CheckCodeB().Reveal()}, exitUsage},
		{"malformed code costs nothing", map[string]string{"TAIMEN_CHECK_CODE_B": "1234"}, []string{"read", "face", "--profile", p01, "--state", state}, exitUsage},
		{"wrong code", map[string]string{"TAIMEN_CHECK_CODE_B": string(wrong)}, []string{"read", "face", "--profile", p01, "--state", state}, exitWrongCode},
		{"unknown flow", nil, []string{"read", "passport", "--profile", p01}, exitUsage},
		{"unknown command", nil, []string{"frobnicate"}, exitUsage},
		{"both targets", map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()}, []string{"read", "face", "--profile", p01, "--reader", "x"}, exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, tc.args...)
			if r.code != tc.want {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tc.want, r.stderr)
			}
			assertNoPersonal(t, "output", r.stdout+r.stderr, p)
		})
	}
	// The malformed code spent nothing; the wrong one spent one try.
	st := runCLI(t, nil, "status", "--profile", p01, "--state", state, "--json")
	if st.code != exitOK || !strings.Contains(st.stdout, `"key": "0012"`) {
		t.Fatalf("status: %d %s", st.code, st.stderr)
	}
	var status struct {
		Keys []struct {
			App, Key string
			Tries    int
		}
	}
	json.Unmarshal([]byte(st.stdout), &status)
	for _, k := range status.Keys {
		if k.App == "surface" && k.Key == "0012" && k.Tries != 9 {
			t.Fatalf("surface/0012 has %d tries, want 9", k.Tries)
		}
	}
}

func TestReadBlockedCLI(t *testing.T) {
	t.Parallel()
	p := profile(t)
	state := t.TempDir()
	for i := 0; i < 10; i++ {
		v := []byte(p.CheckCodeB().Reveal())
		copy(v[10:], []byte{'9', '9', '9', byte('0' + i)})
		r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": string(v)}, "read", "face", "--profile", p01, "--state", state)
		if r.code != exitWrongCode && r.code != exitBlocked {
			t.Fatalf("try %d: exit %d %s", i, r.code, r.stderr)
		}
	}
	r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()}, "read", "face", "--profile", p01, "--state", state)
	if r.code != exitBlocked {
		t.Fatalf("exit %d, want %d (blocked): %s", r.code, exitBlocked, r.stderr)
	}
}

func TestReadTextAndJPKICLI(t *testing.T) {
	p := profile(t)
	r := runCLI(t, map[string]string{"TAIMEN_TEXT_PIN": p.TextPIN().Reveal()}, "read", "text", "--profile", p01)
	if r.code != exitOK || !strings.Contains(r.stdout, "individual number") {
		t.Fatalf("text: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	assertNoPersonal(t, "text output", r.stdout, p)
	r = runCLI(t, map[string]string{"TAIMEN_TEXT_PIN": p.TextPIN().Reveal()}, "read", "text", "--sm", "--profile", p01, "--json")
	if r.code != exitOK || !strings.Contains(r.stdout, "secure messaging") {
		t.Fatalf("text --sm: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_A": p.CheckCodeA().Reveal()}, "read", "text", "--sm", "--profile", p01)
	if r.code != exitUsage {
		t.Fatalf("text --sm with check code A: exit %d", r.code)
	}
	r = runCLI(t, map[string]string{"TAIMEN_AUTH_PIN": p.AuthPIN().Reveal(), "TAIMEN_SIGN_PASSWORD": p.SignPassword().Reveal()}, "read", "jpki", "--sign", "--profile", p01, "--json")
	if r.code != exitOK || strings.Count(r.stdout, "verified with the certificate") != 2 {
		t.Fatalf("jpki: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestMutantsUnknownProfile(t *testing.T) {
	r := runCLI(t, nil, "mutants", "--profile", "p99-nobody", "--out", t.TempDir())
	if r.code != exitUsage || !strings.Contains(r.stderr, "p99-nobody") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// read --out checks the directory before the card is touched, and writes owner-only files
// that replace, never follow, what a hostile file system left there.
func TestReadOutHostileDirectory(t *testing.T) {
	p := profile(t)
	wrong := []byte(p.CheckCodeB().Reveal())
	wrong[13] = '0' + (wrong[13]-'0'+1)%10
	base := t.TempDir()
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{open, link} {
		// A wrong check code: had the VERIFY been sent, the exit would be 3 and a try spent.
		state := t.TempDir()
		r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": string(wrong)}, "read", "face", "--profile", p01, "--state", state, "--out", dir)
		if r.code != exitSetup || !strings.Contains(r.stderr, dir) || !strings.Contains(r.stderr, "unsafe directory") {
			t.Errorf("%s: exit %d, want %d naming the directory:\n%s", dir, r.code, exitSetup, r.stderr)
		}
		if entries, _ := os.ReadDir(state); len(entries) != 0 {
			t.Errorf("%s: the emulated card was opened (%d state files) before the directory was refused", dir, len(entries))
		}
	}

	out := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(out, "face.jp2")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "name.png"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()}, "read", "face", "--profile", p01, "--out", out)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Error("the face photo was written through a planted symbolic link")
	}
	for name, want := range map[string][]byte{"face.jp2": p.Images.Face, "name.png": p.Images.Name} {
		st, err := os.Lstat(filepath.Join(out, name))
		got, _ := os.ReadFile(filepath.Join(out, name))
		if err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 || !bytes.Equal(got, want) {
			t.Errorf("%s: %v %v, want the image in a regular file of mode 0600", name, st.Mode(), err)
		}
	}
}

// commandNames are the commands the top-level usage lists, and certify-reader's verify.
func commandNames(t *testing.T) []string {
	t.Helper()
	_, list, ok := strings.Cut(usage, "commands:\n")
	if !ok {
		t.Fatal("usage lists no commands")
	}
	list, _, _ = strings.Cut(list, "\n\n")
	names := []string{"certify-reader verify"}
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 0 && !slices.Contains(names, f[0]) {
			names = append(names, f[0])
		}
	}
	if len(names) < 14 {
		t.Fatalf("only %d commands in the usage: %v", len(names), names)
	}
	return names
}

// -h of every command exits 0 and teaches: its usage and a line of purpose, its flags, two or
// more examples, the TAIMEN_* variables it reads and the exit codes it can return, each line
// from the one table (exitCodes); a bad flag still exits 2.
func TestHelpOfEveryCommand(t *testing.T) {
	meaning := map[int]string{}
	for _, c := range exitCodes {
		meaning[c.code] = c.meaning
	}
	for _, name := range commandNames(t) {
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, nil, append(strings.Fields(name), "-h")...)
			if r.code != exitOK {
				t.Fatalf("exit %d:\n%s", r.code, r.stderr)
			}
			help := r.stderr
			head, rest, ok := strings.Cut(help, "\nflags:\n")
			if !ok || !strings.HasPrefix(head, "usage of taimen "+name+":\n  taimen "+name) {
				t.Fatalf("no usage line or no flags:\n%s", help)
			}
			if _, purpose, _ := strings.Cut(head, "\n\n"); len(strings.TrimSpace(purpose)) < 40 {
				t.Errorf("no line of purpose after the usage:\n%s", head)
			}
			_, ex, ok := strings.Cut(rest, "\nexamples:\n")
			ex, env, ok2 := strings.Cut(ex, "\nenvironment:\n")
			env, exits, ok3 := strings.Cut(env, "\nexit codes:\n")
			if !ok || !ok2 || !ok3 {
				t.Fatalf("sections missing (examples, environment, exit codes):\n%s", help)
			}
			exLines := strings.Split(strings.TrimRight(ex, "\n"), "\n")
			for _, l := range exLines {
				if !strings.HasPrefix(l, "  taimen ") && !strings.HasPrefix(l, "  TAIMEN_") || !strings.Contains(l, "taimen ") {
					t.Errorf("example %q is not a taimen command line", l)
				}
			}
			if len(exLines) < 2 || !strings.Contains(exLines[0], "taimen "+name) {
				t.Errorf("want two or more examples, the first of taimen %s:\n%s", name, ex)
			}
			for _, v := range commandEnv[name] {
				if envDocs[v] == "" || !strings.Contains(env, "  "+v+" ") {
					t.Errorf("variable %s not listed, or not described in envDocs", v)
				}
			}
			lines := strings.Split(strings.TrimRight(exits, "\n"), "\n")
			codes := commandExits[name]
			if len(lines) != len(codes) || !slices.Contains(codes, exitOK) || !slices.Contains(codes, exitUsage) {
				t.Fatalf("exit codes %v, lines:\n%s", codes, exits)
			}
			for i, c := range codes {
				if want := fmt.Sprintf("  %2d  %s", c, meaning[c]); meaning[c] == "" || lines[i] != want {
					t.Errorf("exit line %q, want %q from exitCodes", lines[i], want)
				}
			}
			if r := runCLI(t, nil, append(strings.Fields(name), "--no-such-flag")...); r.code != exitUsage {
				t.Errorf("--no-such-flag: exit %d, want %d", r.code, exitUsage)
			}
			if r2 := runCLI(t, nil, append([]string{"help"}, strings.Fields(name)...)...); r2.code != exitOK || r2.stderr != help {
				t.Errorf("taimen help %s differs from -h (exit %d)", name, r2.code)
			}
		})
	}
}

// --emulator, the old name of --profile, still works and says it is deprecated; status refuses
// the flags that would do nothing there.
func TestProfileFlagNames(t *testing.T) {
	env := map[string]string{"TAIMEN_CHECK_CODE_B": profile(t).CheckCodeB().Reveal()}
	r := runCLI(t, env, "read", "face", "--emulator", "p01-showa", "--json")
	if r.code != exitOK || !strings.Contains(r.stderr, "--emulator is deprecated: use --profile") {
		t.Errorf("read --emulator: exit %d:\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, env, "read", "face", "--profile", "p01-showa", "--json"); r.code != exitOK || strings.Contains(r.stderr, "deprecated") {
		t.Errorf("read --profile: exit %d:\n%s", r.code, r.stderr)
	}
	for _, flag := range []string{"--test-ca=p01-showa", "--allow-last-try", "--short-reads", "--chunk=128"} {
		if r := runCLI(t, nil, "status", "--profile", "p01-showa", flag); r.code != exitUsage || !strings.Contains(r.stderr, "flag provided but not defined") {
			t.Errorf("status %s: exit %d, want %d (no such flag)", flag, r.code, exitUsage)
		}
	}
	if r := runCLI(t, env, "read", "face", "--reader", "x", "--profile", "p01-showa"); r.code != exitUsage || !strings.Contains(r.stderr, "--reader and --profile exclude each other") {
		t.Errorf("--reader with --profile: exit %d:\n%s", r.code, r.stderr)
	}
}

// The driving-licence faults are caught on a card that carries the application (p07), by the
// areas that should catch them; on p01, which has none, they do not apply and are said so.
func TestMutantsLicenceFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites three times")
	}
	t.Parallel()
	faults := []string{"--fault", "forged-licence", "--fault", "licence-no-decrement"}
	r := taimen(t, append([]string{"mutants", "--profile", "p07-licence", "--out", t.TempDir()}, faults...)...)
	if r.code != exitOK {
		t.Fatalf("p07-licence: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"forged-licence", "licence-no-decrement"} {
		if !regexp.MustCompile(`(?m)^` + want + `\s+\S+\s+CAUGHT\s+\S`).MatchString(r.stdout) {
			t.Errorf("p07-licence: %s not caught by a spec of its area:\n%s", want, r.stdout)
		}
	}
	r = taimen(t, append([]string{"mutants", "--profile", "p01-showa", "--out", t.TempDir()}, faults...)...)
	if r.code != exitOK || strings.Count(r.stdout, "N/A") != 2 || !strings.Contains(r.stdout, "no driving-licence application") {
		t.Errorf("p01-showa: exit %d, want both licence faults marked N/A:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
