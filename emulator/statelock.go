package emulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// stateLock is a card's exclusive lock in its state directory: flock(2) on <card>.state.lock,
// which holds the PID of the process that has it. Within one process the lock is shared by
// every store of the card (an emulator restart opens the state again before the old card is
// gone); it is released when the last of them is collected or the process exits.
type stateLock struct {
	path string
	f    *os.File
	refs int
}

var stateLocks = struct {
	sync.Mutex
	held map[string]*stateLock
}{held: map[string]*stateLock{}}

// lockState takes card's lock in dir, or fails with ErrStateInUse naming the process that
// holds it.
func lockState(dir, card string) (*stateLock, error) {
	path := filepath.Join(dir, card+".state.lock")
	stateLocks.Lock()
	defer stateLocks.Unlock()
	if l := stateLocks.held[path]; l != nil {
		l.refs++
		return l, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock card state: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := "another process"
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil && pid > 0 {
				holder = fmt.Sprintf("process %d", pid)
			}
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("card state of %s in %s: %w: %s has it (two emulators of one card on one --state directory would lose decrements; stop it, or give another --state)",
				card, dir, ErrStateInUse, holder)
		}
		return nil, fmt.Errorf("lock card state %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	l := &stateLock{path: path, f: f, refs: 1}
	stateLocks.held[path] = l
	return l, nil
}

// release drops one reference; the last one unlocks and closes the file.
func (l *stateLock) release() {
	stateLocks.Lock()
	defer stateLocks.Unlock()
	if l.refs--; l.refs > 0 {
		return
	}
	delete(stateLocks.held, l.path)
	l.f.Close() // closing the only descriptor releases the flock
}

// tempPrefix is the pattern of card's temporary state files (os.CreateTemp).
func tempPrefix(card string) string { return "." + card + ".state-*" }

// sweepTemps removes temporary state files of card left by a process killed between creating
// one and renaming it (the lock is held, so no live writer owns them), and the unnamed
// ".state-*" files of earlier versions.
func sweepTemps(dir, card string) {
	for _, pattern := range []string{tempPrefix(card), ".state-*"} {
		names, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, n := range names {
			if st, err := os.Lstat(n); err == nil && st.Mode().IsRegular() {
				os.Remove(n)
			}
		}
	}
}
