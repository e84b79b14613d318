package srcmut

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/internal/srcmut/active"
)

const sample = `package sample

type faults struct{ on map[string]bool }

func (f faults) has(x string) bool { return f.on[x] }

const FaultSlow = "slow"

func Decide(tries, limit int, ok bool, f faults) (int, bool) {
	if tries < limit && !ok {
		tries--
	}
	if f.has(FaultSlow) {
		tries = tries + 1
	}
	n := tries + 2
	return n, tries == 0 || ok
}
`

// Instrument finds the sites of every operator, marks the fault-only ones, and its output
// compiles and behaves as the original unless a site is switched on.
func TestInstrument(t *testing.T) {
	out, sites, err := Instrument("sample.go", []byte(sample), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, s := range sites {
		kinds[s.Kind]++
		if s.Line == 0 || s.Func != "Decide" && s.Func != "faults.has" || s.Key == "" {
			t.Errorf("site %+v", s)
		}
	}
	for _, k := range []string{"boundary", "negate", "const", "logic", "not", "arith", "incdec", "remove"} {
		if kinds[k] == 0 {
			t.Errorf("no %s site in %v", k, kinds)
		}
	}
	var faultOnly []string
	for _, s := range sites {
		if s.FaultOnly {
			faultOnly = append(faultOnly, s.From)
		}
	}
	if !slices.Contains(faultOnly, "tries = tries + 1") || slices.Contains(faultOnly, "tries--") {
		t.Errorf("fault-only sites %q: want the body of if f.has(FaultSlow) and nothing else", faultOnly)
	}
	if !strings.Contains(string(out), `srcmutactive "`+ActivePkg+`"`) {
		t.Errorf("no import of the switch:\n%s", out)
	}

	// Build the instrumented sample into a program inside this module (an overlay adds the
	// files: the switch is an internal package) and run it as the clean code and as mutants.
	dir := t.TempDir()
	root, _ := filepath.Abs("../..")
	pkg := filepath.Join(root, "internal", "srcmut", "zz_instrumented_sample")
	main := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(Decide(1, 3, false, faults{})) }\n"
	files := map[string]string{filepath.Join(pkg, "sample.go"): strings.Replace(string(out), "package sample", "package main", 1), filepath.Join(pkg, "main.go"): main}
	replace := map[string]string{}
	for path, body := range files {
		tmp := filepath.Join(dir, filepath.Base(path))
		if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		replace[path] = tmp
	}
	ov, _ := json.Marshal(map[string]any{"Replace": replace})
	ovPath := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ovPath, ov, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sample")
	build := exec.Command("go", "build", "-overlay", ovPath, "-o", bin, "./internal/srcmut/zz_instrumented_sample")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the instrumented sample: %v\n%s", err, b)
	}
	var boundary int = -1
	for _, s := range sites {
		if s.Kind == "boundary" && s.From == "tries < limit" {
			boundary = s.ID
		}
	}
	runIt := func(id int) string {
		cmd := exec.Command(bin)
		cmd.Env = os.Environ()
		if id >= 0 {
			cmd.Env = append(cmd.Env, active.Env+"="+itoa(id))
		}
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("run the instrumented sample: %v\n%s", err, b)
		}
		return strings.TrimSpace(string(b))
	}
	if boundary < 0 {
		t.Fatal("no boundary site for tries < limit")
	}
	if got := runIt(-1); got != "2 true" {
		t.Errorf("clean: %q, want the original's 2 true", got)
	}
	if got := runIt(boundary); got != "2 true" { // 1 <= 3 as well: this input does not tell them apart
		t.Errorf("boundary mutant on 1 < 3: %q", got)
	}
	for _, s := range sites {
		if s.Kind == "not" {
			if got := runIt(s.ID); got != "3 false" {
				t.Errorf("!ok removed: %q, want 3 false (no decrement)", got)
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
