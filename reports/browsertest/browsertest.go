// Package browsertest checks an HTML report in a real browser: Debian's
// chromium, headless, with no network. It is used by tests only.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Chromium is where Debian's chromium package installs the browser.
const Chromium = "/usr/bin/chromium"

// Need skips the test when chromium is missing, unless CI=true (CI must have
// it: scripts/deps installs it), and returns its path.
func Need(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(Chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: scripts/deps installs chromium", Chromium)
		}
		t.Skipf("%s is missing (install Debian's chromium, e.g. make deps); with CI=true this fails", Chromium)
	}
	return Chromium
}

func args(userData string, extra ...string) []string {
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + userData}, extra...)
}

// Result is what the browser made of a page.
type Result struct {
	Screenshot string   // PNG of the top of the page at 1280×2000
	DOM        string   // the page's DOM after loading
	Console    []string // console messages (any is an error for a page with no script)
}

// Check loads the HTML file in chromium once: it dumps the DOM with console logging on and
// takes a screenshot into dir in the same run.
func Check(t testing.TB, htmlPath, dir string) Result {
	t.Helper()
	bin := Need(t)
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := Result{Screenshot: filepath.Join(dir, "report.png")}
	var dom, log bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args(t.TempDir(), "--enable-logging=stderr", "--v=0", "--dump-dom",
		"--screenshot="+res.Screenshot, "--window-size=1280,2000", "--hide-scrollbars", "file://"+abs)...)
	cmd.Stdout, cmd.Stderr = &dom, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium --dump-dom --screenshot: %v\n%s", err, log.String())
	}
	res.DOM = dom.String()
	if !strings.Contains(res.DOM, "</html>") {
		t.Fatalf("chromium dumped no DOM:\n%s", log.String())
	}
	for _, line := range strings.Split(log.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") || strings.Contains(line, "net::ERR_") {
			res.Console = append(res.Console, line)
		}
	}
	st, err := os.Stat(res.Screenshot)
	if err != nil || st.Size() < 10_000 {
		t.Fatalf("screenshot %s missing or nearly empty (%v): %s", res.Screenshot, err, log.String())
	}
	return res
}
