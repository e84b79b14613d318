package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// suiteRun is one timed run of the conformance suites: one runner against one target.
type suiteRun struct {
	target, runner, cmd string
	wall                time.Duration
	ran, total          int
	suites              int
	failed              []string
	err                 error
	skipped             string
}

var (
	ranSpecs    = regexp.MustCompile(`Ran (\d+) of (\d+) Specs`)
	ginkgoSpecs = regexp.MustCompile(`- (\d+)/(\d+) specs -`)
	ansi        = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	goFail      = regexp.MustCompile(`^FAIL\s+(\S+)`)
	ginkgoFail  = regexp.MustCompile(`(?m)^\s*(\S+) \[(?:build failed|FAILED|Failed)\]|Test Suite Failed`)
)

// timeSuites times `go test` and `ginkgo -p` over ./suites/..., each against
// the emulator and vpcd, after warming the build cache.
func timeSuites(root, tmp string, o options) []suiteRun {
	logf("suites: warming the build cache")
	_ = runQuiet(root, nil, o.goCmd, "test", "-count=1", "-run", "^$", "./suites/...")
	ginkgo := filepath.Join(tmp, "ginkgo")
	var ginkgoErr error
	if o.ginkgo {
		if ginkgoErr = runQuiet(root, nil, o.goCmd, "build", "-o", ginkgo, "github.com/onsi/ginkgo/v2/ginkgo"); ginkgoErr != nil {
			logf("ginkgo CLI: %v", ginkgoErr)
		}
	}
	var runs []suiteRun
	runners := []string{"go test"}
	if o.ginkgo {
		runners = append(runners, "ginkgo -p")
	}
	for _, runner := range runners {
		for _, target := range []string{"emulator", "vpcd"} {
			s := suiteRun{target: target, runner: runner}
			var args []string
			name := o.goCmd
			switch runner {
			case "go test":
				args = []string{"test", "-count=1", "-v", "-timeout", o.suiteTimeout.String(), "./suites/..."}
				s.cmd = "go test -count=1 -v ./suites/..."
			default:
				name = ginkgo
				args = []string{"-p", "--keep-going", "--no-color", "--timeout=" + o.suiteTimeout.String(), "./suites/..."}
				s.cmd = "ginkgo -p --keep-going ./suites/..."
				if ginkgoErr != nil {
					s.skipped = "ginkgo CLI did not build: " + ginkgoErr.Error()
					runs = append(runs, s)
					continue
				}
			}
			runs = append(runs, timeSuite(root, o.suiteTimeout, s, name, args))
		}
	}
	return runs
}

// timeSuite runs one suite command with TAIMEN_TARGET set, killing it a little
// after its own time limit, and reads its output.
func timeSuite(root string, limit time.Duration, s suiteRun, name string, args []string) suiteRun {
	logf("suites: TAIMEN_TARGET=%s %s", s.target, s.cmd)
	env := append(os.Environ(), "TAIMEN_TARGET="+s.target)
	ctx, cancel := context.WithTimeout(context.Background(), limit+30*time.Second)
	start := time.Now()
	out, err := runTee(ctx, root, env, name, args...)
	s.wall = time.Since(start)
	cancel()
	s.err = err
	s.readOutput(ansi.ReplaceAllString(string(out), ""))
	return s
}

// readOutput adds up the specs each suite reports and lists the suites that failed.
func (s *suiteRun) readOutput(text string) {
	re := ranSpecs
	if s.runner != "go test" {
		re = ginkgoSpecs
	}
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		s.ran, s.total, s.suites = s.ran+a, s.total+b, s.suites+1
	}
	if s.runner == "go test" {
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			if m := goFail.FindStringSubmatch(sc.Text()); m != nil {
				s.failed = append(s.failed, strings.TrimPrefix(m[1], "github.com/taimen-dev/taimen/"))
			}
		}
		return
	}
	for _, m := range ginkgoFail.FindAllStringSubmatch(text, -1) {
		if m[1] != "" {
			s.failed = append(s.failed, m[1])
		}
	}
}
