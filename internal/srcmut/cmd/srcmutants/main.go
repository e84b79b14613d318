// Command srcmutants is the source-level mutation run of the emulated card: it mutates the
// card's decision code (internal/srcmut), builds the taimen binary once with every mutant in
// it, runs the conformance suites against the clean card and then against each mutant, and
// reports the mutation score. A mutant the suites do not kill must be in the reviewed list of
// equivalent mutants (equivalent.txt, one "key<TAB>reason" per line); any other survivor
// fails the run.
//
// Usage (from the module root):
//
//	go run ./internal/srcmut/cmd/srcmutants [-files emulator/card.go,…] [-j 4] [-budget 3m] [-out out/srcmutants]
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/taimen-dev/taimen/internal/srcmut"
	"github.com/taimen-dev/taimen/internal/srcmut/active"
)

// DefaultFiles are the card's decision code: VERIFY, counters and their durable state,
// security state, access checks, READ BINARY bounds, challenge and signatures.
var DefaultFiles = []string{"emulator/card.go", "emulator/state.go", "emulator/fs.go"}

// DefaultExclude are functions of those files that no APDU reaches: opening and loading the state file
// (a corrupt, foreign or locked state refuses to start; emulator/FuzzOpenStore, state_test.go and
// statelock_test.go judge it) and logging a failed write.
var DefaultExclude = []string{"openStore", "store.load", "store.logged"}

type outcome struct {
	srcmut.Site
	Status   string        `json:"status"` // killed, timeout, survived, equivalent, known (a survivor awaiting its spec), fault-only, excluded
	Reason   string        `json:"reason,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

func main() {
	files := flag.String("files", strings.Join(DefaultFiles, ","), "comma-separated source files to mutate, relative to the module root")
	jobs := flag.Int("j", 4, "mutants run in parallel")
	budget := flag.Duration("budget", 0, "stop starting mutants this long after the first (0: run them all); the order is fixed, by a hash of each site's key, so a budget runs the same sample each time")
	out := flag.String("out", filepath.Join("out", "srcmutants"), "directory for the binary, the table (SRCMUTANTS.md, srcmutants.json) and each run's reports")
	equiv := flag.String("equivalent", filepath.Join("internal", "srcmut", "equivalent.txt"), "reviewed list of equivalent mutants")
	known := flag.String("known", filepath.Join("internal", "srcmut", "survivors.txt"), "survivors known and awaiting the spec that kills them: reported, not failed; any other survivor fails the run")
	exclude := flag.String("exclude", strings.Join(DefaultExclude, ","), "functions (Func or Recv.Func) not run: no APDU reaches them")
	profiles := flag.String("profiles", "p01-showa,p06-taisho-contactless,p07-licence", "the cards each mutant is run as, in turn, until one fails: profiles differ in the behaviours CARD.md leaves open (and only p07 carries the driving-licence application), and a mutant of such a branch only shows on the card that takes it")
	only := flag.String("only", "", "run only the mutants whose key contains one of these comma-separated strings (e.g. \"Card.verify|,store.write|\"); the lists are not checked for stale entries")
	timeout := flag.Duration("timeout", 30*time.Second, "a mutant's run longer than this counts as killed (timed out)")
	flag.Parse()
	if err := run(strings.Split(*files, ","), strings.Split(*exclude, ","), strings.Split(*profiles, ","), *jobs, *budget, *only, *out, *equiv, *known, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "srcmutants:", err)
		os.Exit(1)
	}
}

func run(files, exclude, profiles []string, jobs int, budget time.Duration, only, out, equivPath, knownPath string, timeout time.Duration) error {
	start := time.Now()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	equivalent, err := loadList(equivPath)
	if err != nil {
		return err
	}
	knownSurvivors, err := loadList(knownPath)
	if err != nil {
		return err
	}
	bin, sites, err := build(files, out)
	defer os.RemoveAll(filepath.Join(out, "_overlay")) // the binary holds them; gofmt -l . would list them
	if err != nil {
		return err
	}
	built := time.Since(start)
	fmt.Printf("srcmutants: %d mutants in %s, built in %s\n", len(sites), strings.Join(files, ", "), built.Round(time.Second))
	for _, p := range profiles {
		if r := suiteRun(bin, -1, p, filepath.Join(out, "clean", p), timeout); r.Status != "survived" {
			return fmt.Errorf("the unmutated card %s does not pass the suites (%s): see %s", p, r.Reason, filepath.Join(out, "clean", p))
		}
	}
	mutStart := time.Now() // the budget is for the mutants, after the build and the clean run
	var order []srcmut.Site
	var notRun []outcome
	for _, s := range sites {
		switch {
		case s.FaultOnly:
			notRun = append(notRun, outcome{Site: s, Status: "fault-only", Reason: "only a card with a fault switched on executes it (make mutants judges the faults)"})
		case only != "" && !containsAny(s.Key, strings.Split(only, ",")):
			continue
		case slices.Contains(exclude, s.Func):
			notRun = append(notRun, outcome{Site: s, Status: "excluded", Reason: "no APDU reaches it (-exclude)"})
		default:
			order = append(order, s)
		}
	}
	sort.Slice(order, func(i, j int) bool { return hash(order[i].Key) < hash(order[j].Key) })
	results := make([]outcome, len(order))
	var mu sync.Mutex
	next, ran := 0, 0
	var wg sync.WaitGroup
	for range max(jobs, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= len(order) || (budget > 0 && time.Since(mutStart) > budget) {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				s := order[i]
				var r outcome
				for _, p := range profiles {
					if r = suiteRun(bin, s.ID, p, filepath.Join(out, "runs", strconv.Itoa(s.ID), p), timeout); r.Status != "survived" {
						r.Reason = p + ": " + r.Reason
						break
					}
				}
				r.Site = s
				if r.Status == "survived" {
					if reason, ok := equivalent[s.Key]; ok {
						r.Status, r.Reason = "equivalent", reason
					} else if note, ok := knownSurvivors[s.Key]; ok {
						r.Status, r.Reason = "known", note
					}
				}
				mu.Lock()
				results[i] = r
				ran++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	results = slices.DeleteFunc(results, func(o outcome) bool { return o.Status == "" })
	ranCount := len(results)
	results = append(results, notRun...)
	sort.Slice(results, func(i, j int) bool { return results[i].ID < results[j].ID })
	os.RemoveAll(filepath.Join(out, "runs"))
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	var stale []string
	keys := map[string]bool{}
	for _, s := range sites {
		keys[s.Key] = true
	}
	for _, list := range []map[string]string{equivalent, knownSurvivors} {
		for k := range list {
			if !keys[k] {
				stale = append(stale, k)
			}
		}
	}
	sort.Strings(stale)
	killed := counts["killed"] + counts["timeout"]
	lived := counts["survived"] + counts["known"]
	score := 100.0
	if killed+lived > 0 {
		score = 100 * float64(killed) / float64(killed+lived)
	}
	summary := fmt.Sprintf("%d of %d runnable mutants run in %s (build %s): %d killed (%d timed out), %d equivalent (reviewed), %d known survivors, %d new survivors — score %.1f%% (killed / (killed + survivors)); not run: %d fault-only, %d excluded",
		ranCount, len(order), time.Since(start).Round(time.Second), built.Round(time.Second), killed, counts["timeout"], counts["equivalent"], counts["known"], counts["survived"], score, counts["fault-only"], counts["excluded"])
	if err := writeReport(out, summary, results, stale); err != nil {
		return err
	}
	fmt.Println("srcmutants:", summary)
	for _, r := range results {
		if r.Status == "survived" {
			fmt.Printf("  SURVIVED %s:%d %s %s: %s → %s\n    key %s\n", r.File, r.Line, r.Func, r.Kind, r.From, r.To, r.Key)
		}
	}
	for _, k := range stale {
		fmt.Printf("  stale equivalent entry (no such mutant any more): %s\n", k)
	}
	fmt.Printf("srcmutants: table in %s\n", filepath.Join(out, "SRCMUTANTS.md"))
	if ranCount == 0 {
		return errors.New("no mutant ran: raise -budget")
	}
	if counts["survived"] > 0 {
		return fmt.Errorf("%d mutant(s) survived the suites: add the spec that kills each, or review it into %s with a reason", counts["survived"], equivPath)
	}
	if len(stale) > 0 && ranCount == len(order) && only == "" {
		return fmt.Errorf("%d stale entries in %s", len(stale), equivPath)
	}
	return nil
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return string(h[:])
}

// build writes the instrumented files and compiles bin/taimen with them (go build -overlay),
// leaving out every site the compiler rejects (a mutated constant where only a constant fits,
// a named boolean type), until it builds.
func build(files []string, out string) (string, []srcmut.Site, error) {
	// "_overlay": the go command ignores directories beginning with _, so the instrumented
	// copies never join ./... of the module they sit in (out/ is inside the checkout).
	dir, err := filepath.Abs(filepath.Join(out, "_overlay"))
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	skip := map[int]bool{}
	bin, _ := filepath.Abs(filepath.Join(out, "taimen-mutants"))
	for attempt := 0; ; attempt++ {
		overlay := map[string]string{}
		var sites []srcmut.Site
		first := 0
		mutated := map[string]string{} // overlay file → source file
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				return "", nil, err
			}
			code, ss, err := srcmut.Instrument(f, src, first, skip)
			if err != nil {
				return "", nil, fmt.Errorf("instrument %s: %w", f, err)
			}
			first += 10000 // each file's IDs in their own range: skipping in one leaves the others' alone
			abs, _ := filepath.Abs(f)
			tmp := filepath.Join(dir, strings.ReplaceAll(f, "/", "_"))
			if err := os.WriteFile(tmp, code, 0o644); err != nil {
				return "", nil, err
			}
			overlay[abs] = tmp
			mutated[tmp] = f
			sites = append(sites, ss...)
		}
		ov, _ := json.Marshal(map[string]any{"Replace": overlay})
		ovPath := filepath.Join(dir, "overlay.json")
		if err := os.WriteFile(ovPath, ov, 0o644); err != nil {
			return "", nil, err
		}
		cmd := exec.Command("go", "build", "-overlay", ovPath, "-o", bin, "./cmd/taimen")
		msg, err := cmd.CombinedOutput()
		if err == nil {
			return bin, sites, nil
		}
		bad := rejected(string(msg), mutated)
		if len(bad) == 0 || attempt > 100 {
			return "", nil, fmt.Errorf("build the mutants: %v\n%s", err, msg)
		}
		for _, id := range bad {
			skip[id] = true
		}
	}
}

var (
	errLine = regexp.MustCompile(`(?m)^(\S+\.go):(\d+):\d+: `)
	siteRef = regexp.MustCompile(`srcmutactive\.(?:On|Pick)\((\d+)`)
)

// rejected maps compiler errors in the instrumented files to the sites they belong to: the
// nearest site reference at or above the error's line.
func rejected(msg string, mutated map[string]string) []int {
	var ids []int
	for _, m := range errLine.FindAllStringSubmatch(msg, -1) {
		path := m[1]
		var tmp string
		for t := range mutated {
			if strings.HasSuffix(t, filepath.Base(path)) {
				tmp = t
			}
		}
		if tmp == "" {
			continue
		}
		line, _ := strconv.Atoi(m[2])
		b, err := os.ReadFile(tmp)
		if err != nil {
			continue
		}
		lines := strings.Split(string(b), "\n")
		for l := min(line, len(lines)) - 1; l >= 0; l-- {
			if refs := siteRef.FindAllStringSubmatch(lines[l], -1); len(refs) > 0 {
				id, _ := strconv.Atoi(refs[len(refs)-1][1])
				ids = append(ids, id)
				break
			}
		}
	}
	return ids
}

// suiteRun runs the suites against the card of profile as mutant id (-1: none). A run that fails
// (any spec, or the suite) kills the mutant.
func suiteRun(bin string, id int, profile, out string, timeout time.Duration) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	// --fail-fast: the first failed spec kills the mutant; the rest need not run.
	cmd := exec.CommandContext(ctx, bin, "run", "--target", "emulator", "--profile", profile, "--out", out, "--fail-fast")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if id >= 0 {
		cmd.Env = append(cmd.Env, active.Env+"="+strconv.Itoa(id))
	}
	b, err := cmd.CombinedOutput()
	r := outcome{Duration: time.Since(start)}
	switch {
	case ctx.Err() != nil:
		r.Status, r.Reason = "timeout", "timed out after "+timeout.String()
	case err == nil:
		r.Status = "survived"
	default:
		r.Status = "killed"
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.Reason = fmt.Sprintf("exit %d: %s", ee.ExitCode(), failedSpecs(string(b)))
		}
	}
	return r
}

var failLine = regexp.MustCompile(`\[FAIL\][^\n]*?([A-Z]{2}-\d{3})`)

func failedSpecs(console string) string {
	seen := map[string]bool{}
	var ids []string
	for _, m := range failLine.FindAllStringSubmatch(console, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			ids = append(ids, m[1])
		}
	}
	if len(ids) == 0 {
		return "the run failed"
	}
	if len(ids) > 6 {
		ids = append(ids[:6], fmt.Sprintf("(+%d)", len(ids)-6))
	}
	return strings.Join(ids, " ")
}

// loadList reads a reviewed list: one "key<TAB>reason" per line, # comments.
func loadList(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, reason, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: want key<TAB>reason", path, n)
		}
		m[key] = strings.TrimSpace(reason)
	}
	return m, sc.Err()
}

func writeReport(out, summary string, results []outcome, stale []string) error {
	js, _ := json.MarshalIndent(map[string]any{"summary": summary, "mutants": results, "stale_equivalent": stale}, "", "  ")
	if err := os.WriteFile(filepath.Join(out, "srcmutants.json"), js, 0o644); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# Source mutants of the emulated card\n\n" + summary + "\n\n")
	b.WriteString("| ID | Where | Function | Kind | Original | Mutant | Status | Killed by / reason |\n|---|---|---|---|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, r := range results {
		fmt.Fprintf(&b, "| %d | %s:%d | %s | %s | `%s` | `%s` | %s | %s |\n", r.ID, r.File, r.Line, r.Func, r.Kind, cell(r.From), cell(r.To), r.Status, cell(r.Reason))
	}
	return os.WriteFile(filepath.Join(out, "SRCMUTANTS.md"), []byte(b.String()), 0o644)
}

// containsAny reports whether s contains one of subs.
func containsAny(s string, subs []string) bool {
	return slices.ContainsFunc(subs, func(sub string) bool { return sub != "" && strings.Contains(s, sub) })
}
