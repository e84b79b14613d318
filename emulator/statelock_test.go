package emulator

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// A card whose state another process holds refuses to start, naming that process; within one
// process a restart (a second card on the same state) shares the lock.
func TestStateLockedByAnotherProcess(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	dir := t.TempDir()
	// Stand in for another process: a descriptor of our own, locked, not known to lockState.
	f, err := os.OpenFile(filepath.Join(dir, p.ID+".state.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	f.WriteString("4242\n")
	_, err = New(p, Options{StateDir: dir})
	if !errors.Is(err, ErrStateInUse) || !strings.Contains(err.Error(), "process 4242") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second emulator on a held state: %v", err)
	}
	f.Close() // the other process exits
	a, err := New(p, Options{StateDir: dir})
	if err != nil {
		t.Fatalf("after the holder exited: %v", err)
	}
	b, err := New(p, Options{StateDir: dir}) // a restart within this process
	if err != nil {
		t.Fatalf("a second card of this process: %v", err)
	}
	_, _ = a, b
	if got, _ := os.ReadFile(filepath.Join(dir, p.ID+".state.lock")); strings.TrimSpace(string(got)) != itoa(os.Getpid()) {
		t.Errorf("lock file holds %q, want this process's PID", got)
	}
}

// Temporary state files left by killed processes are removed when the card's state opens.
func TestStaleTempStateRemoved(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	dir := t.TempDir()
	var stale []string
	for _, n := range []string{"." + p.ID + ".state-1", "." + p.ID + ".state-2", ".state-3"} {
		stale = append(stale, n)
		if err := os.WriteFile(filepath.Join(dir, n), []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	other := ".p02-heisei.state-9" // another card's: its own process may be writing it
	if err := os.WriteFile(filepath.Join(dir, other), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(p, Options{StateDir: dir}); err != nil {
		t.Fatal(err)
	}
	for _, n := range stale {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s left in place", n)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, other)); err != nil {
		t.Errorf("another card's temporary file was removed: %v", err)
	}
}

// A state the card can no longer write answers 6581, and the log says why, with the path.
func TestStateWriteFailureLogged(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	dir := filepath.Join(t.TempDir(), "state")
	var log bytes.Buffer
	c, err := New(p, Options{StateDir: dir, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	if err := os.RemoveAll(dir); err != nil { // the directory is gone under the running card
		t.Fatal(err)
	}
	s := term{t, c}
	s.selectApp(myna.CardSurfaceAP)
	s.expect(myna.Verify(myna.SurfaceCheckCodeBRef, wrongCodeB(p)), apdu.SWMemoryFailure)
	if out := log.String(); !strings.Contains(out, "6581") || !strings.Contains(out, dir) || !strings.Contains(out, "no such file or directory") {
		t.Errorf("log: %s", out)
	}
}

// A state directory the card cannot write to is refused at start, naming it.
func TestStateDirNotWritable(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(p, Options{StateDir: file}); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("a regular file as the state directory: %v", err)
	}
	if os.Geteuid() != 0 {
		ro := t.TempDir()
		if err := os.Chmod(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(ro, 0o700)
		if _, err := New(p, Options{StateDir: ro}); err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), ro) {
			t.Errorf("a read-only state directory: %v", err)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
