package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/certify"
	"github.com/taimen-dev/taimen/reports"
)

// TestBinaryWorksAnywhere builds taimen, copies the binary into an empty directory far from the
// repository and runs it there, as a CI artefact would be run: the profiles it needs come from
// the copy embedded in it.
func TestBinaryWorksAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel() // mostly a build and process start-up: alongside the other parallel tests
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the binary with")
	}
	build := filepath.Join(t.TempDir(), "taimen")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, goTool, "build", "-o", build, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir() // empty: no vectors/ here nor in a parent
	bin := filepath.Join(dir, "taimen")
	data, err := os.ReadFile(build)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	taimenIn := func(t *testing.T, extra []string, args ...string) result {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "TAIMEN_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "HOME="+home, "XDG_STATE_HOME="+filepath.Join(home, "state"), "NO_COLOR=1")
		cmd.Env = append(cmd.Env, extra...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		r := result{stdout: o.String(), stderr: e.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("run %v: %v", args, err)
		}
		return r
	}
	codeB := "TAIMEN_CHECK_CODE_B=" + profile(t).CheckCodeB().Reveal()

	t.Run("version", func(t *testing.T) {
		if r := taimenIn(t, nil, "version"); r.code != exitOK || !strings.HasPrefix(r.stdout, "taimen "+semver) {
			t.Errorf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("read an emulated card by profile ID", func(t *testing.T) {
		for _, flag := range []string{"--profile", "--emulator"} {
			r := taimenIn(t, []string{codeB}, "read", "face", flag, "p01-showa", "--json")
			var got struct {
				Verified bool `json:"verified"`
			}
			if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &got) != nil {
				t.Errorf("read face %s p01-showa: exit %d:\n%s", flag, r.code, r.stderr)
			}
		}
	})
	t.Run("run", func(t *testing.T) {
		r := taimenIn(t, nil, "run", "--label-filter", "state", "--out", "out")
		if r.code != exitOK {
			t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		s, err := reports.Load(reports.FilesIn(filepath.Join(dir, "out")).Summary)
		if err != nil {
			t.Fatal(err)
		}
		if s.Target.Profile != "p01-showa" || s.Totals.Passed == 0 || s.Totals.Failed != 0 {
			t.Errorf("summary: profile %q, %+v", s.Target.Profile, s.Totals)
		}
	})
	t.Run("certify-reader", func(t *testing.T) {
		if err := certify.Available(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal(err)
			}
			t.Skip(err)
		}
		// A reader that reads nothing is not certified (exit 8); the larger-files scenario
		// writes a variant of the embedded profile.
		r := taimenIn(t, nil, "certify-reader", "--cmd", "true", "--scenario", "good,larger-files", "--out", "cert", "--timeout", "10s")
		if r.code != exitNotCertified || !strings.Contains(r.stdout, "verdict: NOT CERTIFIED") {
			t.Fatalf("exit %d, want %d:\n%s\n%s", r.code, exitNotCertified, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "cert", certify.FileJSON)); err != nil {
			t.Error(err)
		}
	})
}
