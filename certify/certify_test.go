package certify

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// End-to-end certifications through a private pcscd: taimen's own reader
// passes every rule, the careless fixture fails exactly the rules it breaks,
// and a hanging reader is killed at the deadline. They run in parallel (each
// scenario has its own daemon and namespaces).

// needPCSCD skips the test where no private pcscd can run, except under CI.
func needPCSCD(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true: the CI machine must run scripts/deps and the tests as root)", err)
		}
		t.Skip(err)
	}
}

// build compiles a package of this module and returns the binary, in a directory the sandbox's
// uid can reach (visibleBase). Each package is compiled once per test process (linking taimen
// costs seconds of CPU).
func build(t *testing.T, pkg string) string {
	t.Helper()
	built.mu.Lock()
	defer built.mu.Unlock()
	if bin, ok := built.bins[pkg]; ok {
		return bin
	}
	if built.dir == "" {
		dir, err := newVisibleDir()
		built.dir = dir // TestMain removes it
		if err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(built.dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	built.bins[pkg] = bin
	return bin
}

// built holds the binaries build compiled in this test process; TestMain removes them.
var built = struct {
	mu   sync.Mutex
	dir  string
	bins map[string]string
}{bins: map[string]string{}}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

func certifyForTest(t *testing.T, command string, timeout time.Duration, scenarios ...string) *Report {
	t.Helper()
	return certifyWith(t, Options{Command: command, Timeout: timeout, Scenarios: scenarios})
}

// certifyWith runs a certification with o (and the p01 profile) and writes its reports.
func certifyWith(t *testing.T, o Options) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	o.Profile, o.Progress, o.Tool = loadP01(t), &progress, "taimen test"
	rep, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %.1fs:\n%s", o.Command, float64(rep.DurationMS)/1000, progress.String())
	paths, err := rep.WriteFiles(filepath.Join(t.TempDir(), "reports"))
	if err != nil || len(paths) != 3 {
		t.Fatal(paths, err)
	}
	return rep
}

func failedIn(rep *Report) map[string][]string {
	out := map[string][]string{}
	for _, sc := range rep.Scenarios {
		for _, r := range sc.Results {
			if r.Outcome == OutcomeFail || r.Outcome == OutcomeError {
				out[r.Rule] = append(out[r.Rule], sc.Name+": "+r.Message)
			}
		}
	}
	return out
}

func TestCertifyTaimen(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Parallel()
	bin := build(t, "./cmd/taimen")
	profile := visibleProfile(t)
	// No --out: a face-to-face reader keeps no image (RR-014).
	// --card-image is read only when no check code B is in the environment:
	// in image-only (tesseract reads the front); the code or its typed parts otherwise.
	rep := certifyForTest(t, bin+" read face --reader '{reader}' --test-ca "+profile+" --json --result '{out}' --card-image '{card_image}'", 30*time.Second)
	if rep.Verdict != VerdictPass || len(rep.FailedRules) != 0 {
		t.Fatalf("taimen read: verdict %s, failures %v", rep.Verdict, failedIn(rep))
	}
	if len(rep.Scenarios) != len(Scenarios()) {
		t.Fatalf("%d scenarios run", len(rep.Scenarios))
	}
	want := map[string]int{"good": 0, "wrong-code": 3, "one-try-left": 7, "blocked": 4, "forged-data": 6, "unknown-ca": 6, "clone": 6,
		"changed-expiry": 0, "slow": 0, "torn": 5, "no-extended": 0, "larger-files": 0, "smaller-files": 0,
		"image-only": 0, "manual-date": 0, "jpki-token": 10, "not-mynumber": 10, "nextgen-provisional": 0}
	for _, sc := range rep.Scenarios {
		if sc.ExitCode != want[sc.Name] {
			t.Errorf("%s: exit %d, want %d\n%s", sc.Name, sc.ExitCode, want[sc.Name], sc.Output.Tail)
		}
		if sc.Output.Withheld != "" {
			t.Errorf("%s: output withheld", sc.Name)
		}
		for _, r := range sc.Results {
			if r.Outcome != OutcomePass && r.Outcome != OutcomeNotApplicable {
				t.Errorf("%s: %s %s", sc.Name, r.Rule, r.Outcome)
			}
			// taimen's reader says why in {out}/result.json: the engine reads it.
			if want := map[string]string{"jpki-token": `"jpki-only-token"`, "not-mynumber": `"not-my-number-card"`}[sc.Name]; r.Rule == "RR-017" && want != "" &&
				!strings.Contains(r.Message, "its result.json says why (outcome "+want+")") {
				t.Errorf("%s: RR-017 %q is not judged from result.json", sc.Name, r.Message)
			}
		}
	}
	// Every rule was checked somewhere.
	checked := map[string]bool{}
	for _, sc := range rep.Scenarios {
		for _, r := range sc.Results {
			if r.Outcome == OutcomePass {
				checked[r.Rule] = true
			}
		}
	}
	if len(checked) != len(Rules()) {
		t.Errorf("rules checked: %v", checked)
	}
}

func TestCertifyCarelessReader(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Parallel()
	bin := build(t, "./certify/testdata/carelessreader")
	rep := certifyForTest(t, bin+" -reader '{reader}' -out '{out}'", 30*time.Second)
	// It skips the tries query (RR-001) and so spends the last try (RR-003),
	// retries a rejected code (RR-002), ignores signatures, the chain and
	// liveness (RR-005, RR-006, RR-007), prints the code (RR-011), keeps
	// the card face and the code in {out} (RR-014), and sends VERIFY to cards
	// that are not a My Number Card's face (RR-017). It takes only
	// TAIMEN_CHECK_CODE_B, so it reads nothing from the card image or the typed
	// birth date (RR-012, RR-016 in image-only and manual-date), nor the
	// next-generation card's, which only {card_image} gives (RR-018).
	want := []string{"RR-001", "RR-002", "RR-003", "RR-005", "RR-006", "RR-007", "RR-011", "RR-012", "RR-014", "RR-016", "RR-017", "RR-018"}
	if !slices.Equal(rep.FailedRules, want) {
		t.Fatalf("failed rules %v, want %v\n%v", rep.FailedRules, want, failedIn(rep))
	}
	if rep.Verdict != VerdictFail || rep.Summary.Error != 0 {
		t.Fatalf("verdict %s, summary %+v", rep.Verdict, rep.Summary)
	}
	f := failedIn(rep)
	for _, tc := range []struct{ rule, scenario, msg string }{
		{"RR-001", "good", "no empty VERIFY before the first VERIFY with data on surface/0012"},
		{"RR-002", "wrong-code", "sent VERIFY with data twice with the same value after the card rejected it: value #1 on surface/0012 (rejected at #"},
		{"RR-002", "wrong-code", ", sent again 2 time(s))"},
		{"RR-003", "one-try-left", "sent VERIFY with data on surface/0012 with one try left"},
		{"RR-005", "forged-data", "accepted forged data"},
		{"RR-006", "unknown-ca", "accepted a certificate from an unknown CA"},
		{"RR-007", "clone", "liveness was not proved"},
		{"RR-011", "good", "check code B (ASCII) in stdout; check code B (hex) in stderr; check code B (hex) in file {out}/session.log"},
		{"RR-011", "wrong-code", "the wrong check code B given (ASCII) in stdout"},
		{"RR-012", "image-only", "did not read a genuine card"},
		{"RR-016", "image-only", "sent no check code B: nothing was built from the card image"},
		{"RR-016", "manual-date", "sent no check code B: nothing was built from the typed birth date"},
		{"RR-014", "good", "face photo (raw)"},
		{"RR-014", "good", "in {out}/face.bin"},
		{"RR-014", "good", "check code B (hex) in {out}/session.log"},
		// The VERIFY's sequence number depends on what the reader tried before it (a re-SELECT
		// after a reset under load): not pinned.
		{"RR-017", "jpki-token", "sent 1 VERIFY command(s) (#"},
		{"RR-017", "jpki-token", ") to a card that is not a My Number Card's face"},
		{"RR-017", "not-mynumber", "sent 1 VERIFY command(s) (#"},
	} {
		if !slices.ContainsFunc(f[tc.rule], func(m string) bool { return strings.HasPrefix(m, tc.scenario+": ") && strings.Contains(m, tc.msg) }) {
			t.Errorf("%s in %s: no message with %q in %q", tc.rule, tc.scenario, tc.msg, f[tc.rule])
		}
	}
	// The output holds the code (and, in hex, the card face): each tail is
	// scrubbed of it, or withheld.
	p := loadP01(t)
	wrong, _ := wrongCheckCodeB(p)
	for _, sc := range rep.Scenarios {
		if sc.Input != "" {
			continue // no code given: none printed
		}
		if sc.Name == "wrong-code" && (sc.Output.Withheld != "" || sc.Output.Redacted == 0 || !strings.Contains(sc.Output.Tail, "using check code B [redacted]")) {
			t.Errorf("%s: the tail was not scrubbed (withheld %q, %d redacted)", sc.Name, sc.Output.Withheld, sc.Output.Redacted)
		}
		if leaks := findLeaks(scenarioSecrets(p, wrong), []source{{"tail", []byte(sc.Output.Tail)}}); len(leaks) > 0 {
			t.Errorf("%s: the tail holds %v", sc.Name, leaks)
		}
	}
}

func TestCertifyHangingReader(t *testing.T) {
	needPCSCD(t)
	t.Parallel()
	// The reader and a child it leaves behind both hang; no process of the
	// sandbox's uid may outlive the deadline.
	uid := testUID(t)
	rep := certifyWith(t, Options{Command: "(setsid sleep 60 &) ; sleep 60", Timeout: time.Second, Scenarios: []string{"blocked"}, UID: uid})
	sc := rep.Scenarios[0]
	// The command's own time, from start to the kill at the deadline (the set-up
	// around it is slow under load and the race detector, and not the point).
	if d := time.Duration(sc.DurationMS) * time.Millisecond; d > 5*time.Second {
		t.Errorf("the command ran %s with a deadline of 1s", d)
	}
	if !sc.TimedOut || sc.ExitCode != -1 {
		t.Fatalf("timed out %v, exit %d", sc.TimedOut, sc.ExitCode)
	}
	if !slices.Equal(rep.FailedRules, []string{"RR-004", "RR-010"}) {
		t.Fatalf("failed %v", failedIn(rep))
	}
	if pids := survivors(uid, 5*time.Second); len(pids) > 0 {
		t.Errorf("processes of the sandbox's uid %d survived the deadline: %v", uid, pids)
	}
}

// racedElsewhere skips a long sequential test in make test's end-to-end set when this package's
// quick tests ran under the race detector in its race set already (scripts/test names those
// packages in TAIMEN_TEST_RACED for the end-to-end set): it runs once, under the detector.
func racedElsewhere(t *testing.T) {
	t.Helper()
	if !testing.Short() && slices.Contains(strings.Fields(os.Getenv("TAIMEN_TEST_RACED")), "github.com/taimen-dev/taimen/certify") {
		t.Skip("ran under the race detector (-short) in this make test's race set")
	}
}

// wholeRun skips a test of whole certification runs under -short: make test
// runs this package's quick tests under the race detector with -short, and
// all of them again without it (scripts/test).
func wholeRun(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: whole certification runs (make test runs them without the race detector)")
	}
}
