package pcscd

/*
#include <stdlib.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/ebfe/scard"
	"golang.org/x/sys/unix"
)

// The PC/SC client library of this process (libpcsclite, through github.com/ebfe/scard) reads
// PCSCLITE_CSOCK_NAME once, at its first call, and keeps it. So this package sets it once to
// /proc/self/fd/<fd>, where fd is an O_PATH descriptor it owns for the life of the process, and
// selects a daemon by pointing fd (dup3) at that daemon's socket; with none selected, fd points
// at /dev/null and PC/SC calls fail with SCARD_E_NO_SERVICE.
var inproc struct {
	mu    sync.Mutex
	fd    int // -1 until first use
	owner *Daemon
	refs  int
	gen   uint64
	freed chan struct{} // closed when owner becomes nil
}

func init() {
	inproc.fd = -1
	inproc.freed = make(chan struct{})
}

// UseInProcess selects the daemon for PC/SC calls made by this process, waiting (up to ctx) while
// another daemon is selected; release deselects it (calling release more than once is harmless;
// Stop deselects too). Selections of one daemon nest.
//
// It must precede the process's first PC/SC call (EstablishContext): a library that has already
// read its socket name (the default /run/pcscd/pcscd.comm, or a PCSCLITE_CSOCK_NAME from the
// environment) keeps it. The variable is set in the C environment only, so child processes never
// inherit it; give them Env instead.
func (d *Daemon) UseInProcess(ctx context.Context) (release func(), err error) {
	for {
		inproc.mu.Lock()
		if inproc.owner == nil || inproc.owner == d {
			break
		}
		freed := inproc.freed
		inproc.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, fmt.Errorf("pcscd: wait for the in-process PC/SC selection: %w", ctx.Err())
		}
	}
	defer inproc.mu.Unlock()
	d.mu.Lock()
	stopping := d.stopping
	d.mu.Unlock()
	if stopping {
		return nil, errors.New("pcscd: UseInProcess on a stopped daemon")
	}
	if inproc.owner == nil {
		if err := pointAt(d.SocketPath()); err != nil {
			return nil, err
		}
		inproc.owner = d
		inproc.gen++
	}
	inproc.refs++
	gen := inproc.gen
	var once sync.Once
	return func() {
		once.Do(func() {
			inproc.mu.Lock()
			defer inproc.mu.Unlock()
			if inproc.owner != d || inproc.gen != gen {
				return // already dropped by Stop
			}
			if inproc.refs--; inproc.refs == 0 {
				deselect()
			}
		})
	}, nil
}

// dropInProcess deselects d if it is selected, whatever the nesting.
func dropInProcess(d *Daemon) {
	inproc.mu.Lock()
	defer inproc.mu.Unlock()
	if inproc.owner == d {
		deselect()
	}
}

// deselect points the descriptor at /dev/null and frees the selection; inproc.mu is held.
func deselect() {
	_ = pointAt("/dev/null")
	inproc.owner = nil
	inproc.refs = 0
	close(inproc.freed)
	inproc.freed = make(chan struct{})
}

// pointAt makes the process's PC/SC socket descriptor refer to path; inproc.mu is held.
func pointAt(path string) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("pcscd: open %s: %w", path, err)
	}
	if inproc.fd < 0 {
		inproc.fd = fd
		setenvC("PCSCLITE_CSOCK_NAME", "/proc/self/fd/"+strconv.Itoa(fd))
		return nil
	}
	defer unix.Close(fd)
	if err := unix.Dup3(fd, inproc.fd, unix.O_CLOEXEC); err != nil {
		return fmt.Errorf("pcscd: dup3: %w", err)
	}
	return nil
}

// setenvC sets a variable in the C environment only (getenv), not in os.Environ.
func setenvC(k, v string) {
	ck, cv := C.CString(k), C.CString(v)
	defer C.free(unsafe.Pointer(ck))
	defer C.free(unsafe.Pointer(cv))
	C.setenv(ck, cv, 1)
}

// WaitReader waits until the daemon lists the reader name (e.g. ReaderName(0)), asking it over
// PC/SC from this process (it selects the daemon with UseInProcess for the duration).
func (d *Daemon) WaitReader(ctx context.Context, name string) error {
	release, err := d.UseInProcess(ctx)
	if err != nil {
		return err
	}
	defer release()
	var (
		sc   *scard.Context
		last []string
	)
	defer func() {
		if sc != nil {
			_ = sc.Release()
		}
	}()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if sc == nil {
			sc, err = scard.EstablishContext()
			if err != nil {
				sc = nil
			}
		}
		if sc != nil {
			last, err = sc.ListReaders()
			if err == nil && slices.Contains(last, name) {
				return nil
			}
			if err != nil && !errors.Is(err, scard.ErrNoReadersAvailable) {
				_ = sc.Release()
				sc = nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pcscd: reader %q not listed (readers %q, last error %v): %w", name, last, err, ctx.Err())
		case <-d.exited:
			return fmt.Errorf("pcscd: daemon exited while waiting for reader %q", name)
		case <-tick.C:
		}
	}
}
