package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reports"
	"github.com/taimen-dev/taimen/reports/browsertest"
)

// envMain makes the test binary behave as the taimen binary (main), so that
// tests run `taimen run` in a process of its own: Ginkgo runs once per process.
const envMain = "TAIMEN_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envMain) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// suiteRun is one `taimen run` in a child process.
type suiteRun struct {
	code           int
	stdout, stderr string
	out, tmp       string // the report directory; the child's TMPDIR
}

// taimen runs the binary's main in a child process with a private TMPDIR and
// no TAIMEN_* variable from the outside.
func taimen(t *testing.T, args ...string) suiteRun {
	t.Helper()
	return taimenEnv(t, nil, args...)
}

// childEnv is the environment of a child that runs this test binary as taimen: this process's,
// without its TAIMEN_* variables and those starting with a prefix in drop, then envMain and add.
func childEnv(drop []string, add ...string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "TAIMEN_") || slices.ContainsFunc(drop, func(p string) bool { return strings.HasPrefix(kv, p) })
	})
	return append(append(env, envMain+"=1"), add...)
}

// taimenEnv is taimen with extra environment variables (KEY=VALUE).
func taimenEnv(t *testing.T, extra []string, args ...string) suiteRun {
	t.Helper()
	base := t.TempDir()
	r := suiteRun{tmp: filepath.Join(base, "tmp")}
	if err := os.Mkdir(r.tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = childEnv([]string{"TMPDIR="}, append([]string{"TMPDIR=" + r.tmp, "NO_COLOR=1",
		"TAIMEN_REJECTED=" + filepath.Join(base, "state", "rejected.json")}, extra...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	r.stdout, r.stderr = o.String(), e.String()
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run taimen: %v", err)
	}
	return r
}

// TestRunEmulator runs every area against the emulator from the binary's
// code path, then checks the files, the verdict, the re-rendering, the
// comparison of two runs, the redaction of every file and the HTML in a
// real browser.
func TestRunEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	t.Parallel()
	out := filepath.Join(t.TempDir(), "run")
	r := taimen(t, "run", "--target", "emulator", "--profile", p01, "--out", out)
	r.out = out
	s, err := reports.Load(out)
	if err != nil {
		t.Fatalf("exit %d, no summary: %v\nstdout:\n%s\nstderr:\n%s", r.code, err, r.stdout, r.stderr)
	}
	t.Logf("%s", verdictLine(s))
	if m := regexp.MustCompile(`(?m)^  written  in (\S+), ([0-9.]+)% of the run's \S+$`).FindStringSubmatch(r.stdout); m == nil {
		t.Errorf("the run does not say how long writing the reports took:\n%s", r.stdout)
	} else {
		t.Logf("reports written in %s, %s%% of the run", m[1], m[2])
	}
	recordAPDUs(t, "emulator", s)
	for _, sp := range s.Specs {
		if sp.Outcome == reports.OutcomeFail {
			t.Logf("failed: %s %s: %s", sp.ID, sp.State, firstLine(sp.Failure.Message))
		}
	}

	t.Run("exit code and verdict", func(t *testing.T) {
		if s.Verdict != reports.Pass {
			t.Errorf("the clean emulator does not pass every spec: %s", verdictLine(s))
		}
		want := map[string]int{reports.Pass: exitOK, reports.Fail: exitError}[s.Verdict]
		if r.code != want {
			t.Errorf("exit %d with verdict %s", r.code, s.Verdict)
		}
		if !strings.Contains(r.stdout, verdictLine(s)) {
			t.Errorf("stdout lacks the verdict line %q:\n%s", verdictLine(s), r.stdout)
		}
		if s.Totals.Passed == 0 || s.Target.Kind != "emulator" || s.Target.Profile != "p01-showa" || s.Target.ATR == "" {
			t.Errorf("summary: totals %+v target %+v", s.Totals, s.Target)
		}
		for _, a := range s.Areas {
			if a.Area == "reads" && a.Verdict != reports.Pass {
				t.Errorf("the reads area: %s %+v", a.Verdict, a.Counts)
			}
		}
		if s.Scrubbed != 0 {
			t.Errorf("the last-resort scrubber removed %d values: a trace or message leaked upstream", s.Scrubbed)
		}
	})

	t.Run("files", func(t *testing.T) {
		f := reports.FilesIn(out)
		for _, p := range []string{f.Ginkgo, f.JUnit, f.Summary, f.HTML, filepath.Join(out, reports.FileConsole)} {
			if st, err := os.Stat(p); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v", p, err)
			}
			if !strings.Contains(r.stdout, p) {
				t.Errorf("stdout does not name %s", p)
			}
		}
		g, err := reports.ReadGinkgo(f.Ginkgo)
		if err != nil {
			t.Error(err)
		}
		// A passed spec keeps its trace as a digest, and no Ginkgo timeline either.
		for _, sr := range g.SpecReports {
			if sr.State.Is(types.SpecStatePassed) && len(sr.SpecEvents) > 0 {
				t.Errorf("%s passed and keeps %d spec events in %s", sr.LeafNodeText, len(sr.SpecEvents), f.Ginkgo)
			}
		}
	})

	t.Run("redaction of every file", func(t *testing.T) {
		p := profile(t)
		texts := runOutputs(t, r, out, r.tmp)
		if len(texts) < 7 {
			t.Fatalf("only %d outputs to search", len(texts))
		}
		assertNoLeaks(t, texts, p)
		ns := needles(p)
		t.Logf("searched %d outputs for %d values in %d forms", len(texts), len(ns), countForms(ns))
	})

	t.Run("report --in re-renders", func(t *testing.T) {
		html := filepath.Join(t.TempDir(), "again.html")
		rr := runCLI(t, nil, "report", "--in", out, "--html", html)
		if rr.code != exitOK || !strings.Contains(rr.stdout, s.Verdict) {
			t.Fatalf("exit %d: %s%s", rr.code, rr.stdout, rr.stderr)
		}
		again, _ := os.ReadFile(html)
		orig, _ := os.ReadFile(filepath.Join(out, reports.FileHTML))
		if !bytes.Equal(again, orig) {
			t.Error("the re-rendered HTML differs from the run's")
		}
	})

	t.Run("report --diff", func(t *testing.T) {
		worse := t.TempDir()
		b, _ := os.ReadFile(filepath.Join(out, reports.FileSummary))
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var id string
		for _, x := range m["specs"].([]any) {
			sp := x.(map[string]any)
			if sp["outcome"] == reports.OutcomePass {
				sp["state"], sp["outcome"], id = "failed", reports.OutcomeFail, sp["id"].(string)
				break
			}
		}
		b, _ = json.Marshal(m)
		os.WriteFile(filepath.Join(worse, reports.FileSummary), b, 0o644)
		for _, tc := range []struct {
			name     string
			old, new string
			code     int
			want     string
		}{
			{"same run", out, out, exitOK, "no spec changed status"},
			{"a spec got worse", out, worse, exitError, "worse   " + id},
			{"a spec got better", worse, out, exitOK, "better  " + id},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rr := runCLI(t, nil, "report", "--diff", tc.old, tc.new)
				if rr.code != tc.code || !strings.Contains(rr.stdout, tc.want) {
					t.Errorf("exit %d, want %d; stdout lacks %q:\n%s%s", rr.code, tc.code, tc.want, rr.stdout, rr.stderr)
				}
			})
		}
	})

	t.Run("HTML in a browser", func(t *testing.T) {
		browsertest.Need(t)
		res := browsertest.Check(t, filepath.Join(out, reports.FileHTML), t.ArtifactDir())
		if len(res.Console) > 0 {
			t.Errorf("console messages:\n%s", strings.Join(res.Console, "\n"))
		}
		if !strings.Contains(res.DOM, `<div class="word">`+s.Verdict+`</div>`) {
			t.Error("the DOM lacks the verdict")
		}
		t.Logf("screenshot: %s", res.Screenshot)
	})
}

// TestRunRedactionForeignResident: a second profile (Western birth date,
// other codes), the reads area only.
// TestRunVPCD runs every area against the emulator behind a private pcscd:
// the same specs must pass through the real PC/SC stack.
func TestRunVPCD(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	t.Parallel()
	if err := pcscd.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	r := taimen(t, "run", "--target", "vpcd", "--profile", p01, "--out", out)
	s, err := reports.Load(out)
	if err != nil {
		t.Fatalf("exit %d, no summary: %v\nstderr:\n%s", r.code, err, r.stderr)
	}
	recordAPDUs(t, "vpcd", s)
	for _, sp := range s.Specs {
		if sp.Outcome == reports.OutcomeFail {
			t.Errorf("failed through vpcd: %s %s: %s", sp.ID, sp.State, firstLine(sp.Failure.Message))
		}
	}
	for _, sp := range s.Specs {
		if sp.Outcome == reports.OutcomeSkip && sp.App != "licence" {
			t.Errorf("skipped through vpcd: %s (%s): only the licence specs may skip on p01, which has no licence", sp.ID, sp.App)
		}
	}
	if s.Verdict != reports.Pass || r.code != exitOK || s.Target.Kind != "vpcd" {
		t.Fatalf("exit %d: %s (target %s, %+v)", r.code, verdictLine(s), s.Target.Kind, s.Totals)
	}
	t.Logf("%s", verdictLine(s))
}

// TestRunEveryProfile runs every area against each committed profile but
// p01 (TestRunEmulator runs that one): the clean emulator must pass whatever
// the profile chooses where CARD.md is silent, and no file the run wrote may
// hold that profile's codes or personal data.
func TestRunEveryProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites once per profile")
	}
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("..", "..", "vectors", "profiles", "p*", "profile.json"))
	if err != nil || len(dirs) < 6 {
		t.Fatalf("profiles: %v (%d found)", err, len(dirs))
	}
	for _, path := range dirs {
		id := filepath.Base(filepath.Dir(path))
		if id == "p01-showa" {
			continue
		}
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			p, err := myna.LoadProfile(path)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "run")
			r := taimen(t, "run", "--profile", path, "--out", out)
			s, err := reports.Load(out)
			if err != nil {
				t.Fatalf("exit %d, no summary: %v\n%s%s", r.code, err, r.stdout, r.stderr)
			}
			if s.Scrubbed != 0 {
				t.Errorf("the last-resort scrubber removed %d values: a trace or message leaked upstream", s.Scrubbed)
			}
			atr := p.Card.ATR()
			if a := p.Card.Form.ATR(); a != nil {
				atr = a // a phone's token presents its form's ATR
			}
			if want := strings.ToUpper(hex.EncodeToString(atr)); s.Target.ATR != want {
				t.Errorf("report ATR %s, want the profile's %s ATR %s", s.Target.ATR, p.Card.Interface, want)
			}
			if r.code != exitOK || s.Verdict != reports.Pass || s.Target.Profile != id {
				t.Errorf("exit %d, %s, profile %q", r.code, verdictLine(s), s.Target.Profile)
				for _, sp := range s.Specs {
					if sp.Outcome == reports.OutcomeFail {
						t.Logf("failed: %s: %s", sp.ID, firstLine(sp.Failure.Message))
					}
				}
			}
			assertNoLeaks(t, runOutputs(t, r, out), p)
		})
	}
}

func TestRunUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad target", []string{"run", "--target", "floppy"}, nil, "want emulator, vpcd or pcsc:READER"},
		{"bad target from the environment", []string{"run"}, map[string]string{"TAIMEN_TARGET": "floppy"}, "floppy"},
		{"bad label filter", []string{"run", "--label-filter", "reads &&"}, nil, "label filter"},
		{"profile with a physical card", []string{"run", "--target", "pcsc:X", "--profile", p01}, nil, "--profile is for emulated targets"},
		{"unknown profile", []string{"run", "--profile", "p99-nobody"}, nil, "no such file"},
		{"floor", []string{"run", "--floor", "0"}, nil, "--floor"},
		{"stray argument", []string{"run", "now"}, nil, "unexpected argument"},
		{"report without a mode", []string{"report"}, nil, "give --in DIR, or --diff OLD NEW"},
		{"diff with one run", []string{"report", "--diff", "a"}, nil, "two runs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr lacks %q:\n%s", r.code, tc.want, r.stderr)
			}
		})
	}
	if r := runCLI(t, nil, "report", "--in", t.TempDir()); r.code != exitError {
		t.Errorf("report of an empty directory: exit %d", r.code)
	}
}

func TestCatalogueCLI(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"catalogue"}, "| RD-001 |"},
		{[]string{"catalogue", "--json"}, `"id": "RD-001"`},
	} {
		r := taimen(t, tc.args...)
		if r.code != exitOK || !strings.Contains(r.stdout, tc.want) {
			t.Errorf("%v: exit %d, stdout lacks %q:\n%.500s%s", tc.args, r.code, tc.want, r.stdout, r.stderr)
		}
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// needle is one secret or personal datum, in every form it could be written.
type needle struct {
	what  string
	forms []string
	token bool // the ASCII form is a short number: only a standalone token counts
}

// needles are the profile's codes, PINs and personal data: each as text and
// as upper- and lower-case hex of its bytes.
func needles(p *myna.Profile) []needle {
	vals := [][2]string{
		{"check code B", p.CheckCodeB().Reveal()},
		{"check code A", p.CheckCodeA().Reveal()},
		{"text PIN", p.TextPIN().Reveal()},
		{"auth PIN", p.AuthPIN().Reveal()},
		{"signing password", p.SignPassword().Reveal()},
		{"birth-date key", p.BirthDateKey().Reveal()},
		{"individual number", p.Person.IndividualNumber.Reveal()},
		{"name", p.Person.Name},
		{"address", p.Person.Address},
		{"birth date (YYYYMMDD)", p.Person.BirthDateDigits()},
		{"security code", p.Card.SecurityCode},
		{"municipality code", p.Person.MunicipalityCode},
		{"expiry (YYYYMMDD)", p.Card.ExpiryDigits()},
		{"expiry (YYYY-MM-DD)", p.Card.Expiry.Format("2006-01-02")},
	}
	if d, err := time.Parse("20060102", p.Person.BirthDateDigits()); err == nil {
		vals = append(vals, [2]string{"birth date (YYYY-MM-DD)", d.Format("2006-01-02")})
		if e, err := myna.ToEra(d); err == nil {
			vals = append(vals, [2]string{"birth date (era)", e.String()})
		}
	}
	var out []needle
	for _, v := range vals {
		if v[1] == "" {
			continue
		}
		h := hex.EncodeToString([]byte(v[1]))
		n := needle{what: v[0], forms: []string{v[1], h, strings.ToUpper(h)}}
		n.token = len(v[1]) < 8 && strings.Trim(v[1], "0123456789") == ""
		out = append(out, n)
	}
	return out
}

// runOutputs returns what a run wrote, by name: its stdout and stderr, and
// every file under dirs.
func runOutputs(t *testing.T, r suiteRun, dirs ...string) map[string][]byte {
	t.Helper()
	texts := map[string][]byte{"stdout": []byte(r.stdout), "stderr": []byte(r.stderr)}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			texts[path] = b
			return err
		})
		if err != nil {
			t.Error(err)
		}
	}
	return texts
}

// assertNoLeaks fails for every secret or personal datum of p found in texts.
func assertNoLeaks(t *testing.T, texts map[string][]byte, p *myna.Profile) {
	t.Helper()
	for name, b := range texts {
		assertNoPersonal(t, name, string(b), p)
	}
}

func countForms(ns []needle) int {
	n := 0
	for _, x := range ns {
		n += len(x.forms)
	}
	return n
}

// findLeaks returns where any needle occurs in b, with the value itself
// masked (test output is a log too). A short number counts only as a
// standalone token, and not where the report writes a measured number: a
// JSON number, an HTML numeric cell, "n=…".
func findLeaks(b []byte, ns []needle) []string {
	text := string(b)
	var hits []string
	for _, n := range ns {
		for fi, form := range n.forms {
			for off := 0; ; {
				i := strings.Index(text[off:], form)
				if i < 0 {
					break
				}
				i += off
				end := i + len(form)
				off = end
				if fi == 0 && n.token && !standalone(text, i, end) {
					continue
				}
				lo, hi := max(0, i-40), min(len(text), end+40)
				hits = append(hits, fmt.Sprintf("%s (form %d) at byte %d: …%s<%s>%s…", n.what, fi, i, text[lo:i], strings.ToUpper(n.what), text[end:hi]))
			}
		}
	}
	return hits
}

func standalone(s string, i, end int) bool {
	word := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	if i > 0 && (word(s[i-1]) || s[i-1] == '.' && i > 1 && digit(s[i-2])) {
		return false
	}
	if end < len(s) && (word(s[end]) || s[end] == '.' && end+1 < len(s) && digit(s[end+1])) {
		return false
	}
	before := strings.TrimRight(s[:i], " ")
	after := s[end:]
	next := byte(0)
	if after != "" {
		next = after[0]
	}
	inArray := strings.HasSuffix(strings.TrimRight(s[:i], " \t\r\n"), ",") || strings.HasSuffix(strings.TrimRight(s[:i], " \t\r\n"), "[")
	switch {
	case strings.HasSuffix(before, ":") && strings.ContainsRune(",}] \n\r", rune(next)): // a JSON number
		return false
	case inArray && (strings.HasPrefix(strings.TrimLeft(after, " \t\r\n"), ",") || strings.HasPrefix(strings.TrimLeft(after, " \t\r\n"), "]")): // a bare number in a JSON array (samples)
		return false
	case strings.HasSuffix(before, "n="): // "n=1934"
		return false
	case strings.HasSuffix(before, ">") && next == '<': // <td class="num">1934</td>
		tag := before[strings.LastIndexByte(before, '<')+1:]
		return !strings.Contains(tag, `class="num`)
	}
	return true
}

func TestFindLeaks(t *testing.T) {
	ns := []needle{{what: "PIN", forms: []string{"5931", "35393331"}, token: true}, {what: "name", forms: []string{"番号　太郎"}}}
	for _, tc := range []struct {
		text string
		hits int
	}{
		{`"pin": "5931"`, 1},
		{"PIN 5931 sent", 1},
		{"0020008104 35393331", 1},
		{"seq 105931", 0},
		{`"seq": 5931,`, 0},
		{`\"seq\":5931}`, 0},
		{"n=5931", 0},
		{`<td class="num muted">5931</td>`, 0},
		{`<td>5931</td>`, 1},
		{"0.5931 s", 0},
		{"[\n  1552,\n  5931,\n  1783\n]", 0},
		{"[5931]", 0},
		{`["5931"]`, 1},
		{"[1552, 5931 ms]", 1},
		{"氏名 番号　太郎", 1},
	} {
		if got := len(findLeaks([]byte(tc.text), ns)); got != tc.hits {
			t.Errorf("%q: %d hits, want %d", tc.text, got, tc.hits)
		}
	}
}

// A set-up that cannot work exits with exitSetup before any spec runs, naming the file or the
// service, instead of failing every spec and exiting 1 like a card that failed one.
func TestRunSetupErrors(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Dir(p01)
	for _, f := range []string{"face.jp2", "name.png", "address.png", "security-code.png", "number.png", "keys.pem"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	whole, err := os.ReadFile(p01)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "profile.json")
	if err := os.WriteFile(truncated, whole[:len(whole)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"truncated profile", []string{"run", "--profile", truncated, "--out", t.TempDir()}, []string{truncated, "truncated"}},
		{"truncated profile by its directory", []string{"run", "--profile", dir, "--out", t.TempDir()}, []string{truncated, "truncated"}},
		{"report directory is a file", []string{"run", "--out", filepath.Join(notDir, "run")}, []string{"report directory", notDir}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			if r.code != exitSetup {
				t.Errorf("exit %d, want %d (set-up):\n%s", r.code, exitSetup, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
	t.Run("truncated profile from TAIMEN_PROFILE", func(t *testing.T) {
		r := runCLI(t, map[string]string{"TAIMEN_PROFILE": truncated}, "run", "--out", t.TempDir())
		if r.code != exitSetup || !strings.Contains(r.stderr, truncated) {
			t.Errorf("exit %d, want %d naming %s:\n%s", r.code, exitSetup, truncated, r.stderr)
		}
	})
	t.Run("unknown profile from TAIMEN_PROFILE", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "run")
		t.Chdir(t.TempDir())
		r := runCLI(t, map[string]string{"TAIMEN_PROFILE": "p99-nobody"}, "run", "--out", out)
		if r.code != exitSetup || !strings.Contains(r.stderr, "p99-nobody") || !strings.Contains(r.stderr, "p01-showa") {
			t.Errorf("exit %d, want %d naming the profile and the built-in ones:\n%s", r.code, exitSetup, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Error("the report directory was created for a run that could not start")
		}
	})
	t.Run("pcscd not running", func(t *testing.T) {
		sock := []string{"PCSCLITE_CSOCK_NAME=" + filepath.Join(t.TempDir(), "no-pcscd.sock"), "TAIMEN_CHECK_CODE_B=" + profile(t).CheckCodeB().Reveal()}
		for _, args := range [][]string{{"readers"}, {"status"}, {"read", "face"}, {"run", "--target", "pcsc:X", "--out", filepath.Join(t.TempDir(), "run")}} {
			r := taimenEnv(t, sock, args...)
			if r.code != exitSetup || !strings.Contains(r.stderr, "the PC/SC service (pcscd) is not running") || strings.Contains(r.stderr, "no reader") {
				t.Errorf("%v: exit %d, stderr:\n%s", args, r.code, r.stderr)
			}
		}
	})
}

// --profile and --emulator take a profile's directory as well as its file and its ID (the
// embedded copy, wherever the binary runs).
func TestResolveProfile(t *testing.T) {
	dir := filepath.Dir(p01)
	for _, in := range []string{p01, dir, dir + "/", "p01-showa"} {
		p, err := resolveProfile(in)
		if err != nil || p.ID != "p01-showa" || (in == "p01-showa") != (p.FS != nil) {
			t.Errorf("%s: %v %v", in, p, err)
		}
	}
	if _, err := resolveProfile(filepath.Dir(dir)); err == nil || !strings.Contains(err.Error(), "directory with no profile.json") {
		t.Errorf("a directory of profiles: %v", err)
	}
	if _, err := resolveProfile("p99-nobody"); !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "p01-showa, p02-long-address") {
		t.Errorf("an unknown ID: %v; want a usage error listing the built-in IDs", err)
	}
}
