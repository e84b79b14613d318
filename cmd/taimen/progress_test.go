package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/taimen-dev/taimen/pcscd"
)

// chunk is output read from a running taimen, with when it arrived.
type chunk struct {
	at   time.Time
	text string
}

// watchRun runs taimen's main in a child process with stdout and stderr on a pseudo-terminal
// (tty) or a pipe, and returns what it printed, chunk by chunk, with when the child exited.
func watchRun(t *testing.T, tty bool, args ...string) (chunks []chunk, exited time.Time, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	tmp := t.TempDir()
	cmd.Env = childEnv([]string{"TMPDIR=", "TERM=", "NO_COLOR="}, "TMPDIR="+tmp, "TERM=xterm", "TAIMEN_REJECTED="+filepath.Join(tmp, "state", "rejected.json"))
	var r io.Reader
	if tty {
		f, err := pty.Start(cmd)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r = f
	} else {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = pw, pw
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pw.Close()
		defer pr.Close()
		r = pr
	}
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				mu.Lock()
				chunks = append(chunks, chunk{time.Now(), string(buf[:n])})
				mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	err := cmd.Wait()
	exited = time.Now()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	select { // a pty reads EIO once the child is gone; a pipe EOF
	case <-done:
	case <-time.After(5 * time.Second):
	}
	mu.Lock()
	defer mu.Unlock()
	return chunks, exited, code
}

var progressLine = regexp.MustCompile(`(\d+)/(\d+) specs: (\d+) passed, (\d+) failed`)

// On a terminal, `taimen run --target vpcd` shows live progress — the running spec's ID, specs
// done of the total, passed and failed, elapsed time and ETA — long before the run ends, and
// nothing it prints holds a secret or a personal datum of the card.
func TestRunProgressOnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites through pcscd")
	}
	t.Parallel()
	if err := pcscd.Available(); err != nil {
		t.Skip(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	chunks, exited, code := watchRun(t, true, "run", "--target", "vpcd", "--label-filter", "reads || checkcodes", "--out", out)
	var all strings.Builder
	var first time.Time
	counts := map[string]bool{}
	for _, c := range chunks {
		all.WriteString(c.text)
		for _, m := range progressLine.FindAllStringSubmatch(c.text, -1) {
			counts[m[1]] = true
			if first.IsZero() && m[1] != "0" {
				first = c.at
			}
		}
	}
	text := all.String()
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, text)
	}
	if first.IsZero() {
		t.Fatalf("no progress on the terminal:\n%q", text)
	}
	// The specs run between the first output and the exit: the first count must come in the
	// first two thirds of that span, not with the verdict (machines differ, so a share, not
	// a fixed lead).
	if lead, span := exited.Sub(first), exited.Sub(chunks[0].at); lead < span/3 {
		t.Errorf("the first progress came %v before the run ended, of %v since the first output; want it while specs run:\n%q", lead, span, text)
	}
	if len(counts) < 5 {
		t.Errorf("progress moved through %d counts, want it to move as specs finish: %v", len(counts), counts)
	}
	for _, re := range []string{`\r\x1b\[K`, `[A-Z]{2}-\d{3}  \d+/\d+ specs`, `left`, `\d+(\.\d+)?m?s`} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("the terminal lacks %s:\n%q", re, text)
		}
	}
	assertNoPersonal(t, "terminal", text, profile(t))
	log, err := os.ReadFile(filepath.Join(out, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(log, []byte("\x1b[K")) {
		t.Error("console.log holds the terminal's status line")
	}
}

// Off a terminal, plain lines report progress every few specs while the run goes on; -v prints
// one line per spec as it finishes.
func TestRunProgressPlain(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "run")
	chunks, exited, code := watchRun(t, false, "run", "--label-filter", "reads || checkcodes", "--out", out)
	var text strings.Builder
	lines := 0
	var firstAt time.Time
	for _, c := range chunks {
		text.WriteString(c.text)
		if n := len(progressLine.FindAllString(c.text, -1)); n > 0 {
			lines += n
			if firstAt.IsZero() {
				firstAt = c.at
			}
		}
	}
	if code != exitOK || lines < 3 || strings.Contains(text.String(), "\x1b[") {
		t.Fatalf("exit %d, %d progress lines:\n%q", code, lines, text.String())
	}
	if exited.Sub(firstAt) <= 0 {
		t.Errorf("the first progress line came at the end")
	}
	assertNoPersonal(t, "stdout", text.String(), profile(t))

	chunks, _, code = watchRun(t, false, "run", "-v", "--label-filter", "reads", "--out", filepath.Join(t.TempDir(), "run"))
	text.Reset()
	for _, c := range chunks {
		text.WriteString(c.text)
	}
	if n := len(regexp.MustCompile(`(?m)^  ok    RD-\d{3} .+ \(\d`).FindAllString(text.String(), -1)); code != exitOK || n < 10 {
		t.Errorf("-v: exit %d, %d lines of passed specs:\n%s", code, n, text.String())
	}
}
