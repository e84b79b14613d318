package pcscd

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// DialNetns dials address inside the network namespace at nsPath (e.g. "/proc/<pid>/ns/net" of a
// pcscd started by scripts/with-pcscd; TAIMEN_PCSCD_PID names it). The socket is created in that
// namespace and stays there; the returned connection is usable from any goroutine. Needs
// CAP_SYS_ADMIN.
func DialNetns(ctx context.Context, nsPath, network, address string) (net.Conn, error) {
	f, err := os.Open(nsPath)
	if err != nil {
		return nil, fmt.Errorf("pcscd: open network namespace: %w", err)
	}
	defer f.Close()
	return dialNetnsFD(ctx, int(f.Fd()), network, address)
}

// dialNetnsFD dials on a fresh goroutine whose OS thread (not the main thread) joins the namespace nsfd for the dial
// only. The thread is returned to the runtime only if it could rejoin its original namespace;
// otherwise it stays locked and the runtime destroys it when the goroutine ends.
func dialNetnsFD(ctx context.Context, nsfd int, network, address string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	goLockedOffMain(func() {
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("pcscd: open own network namespace: %w", err)}
			return
		}
		defer orig.Close()
		if err := unix.Setns(nsfd, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("pcscd: setns: %w", err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, address)
		if err != nil {
			err = fmt.Errorf("pcscd: dial %s in namespace: %w", address, err)
		}
		ch <- result{c, err}
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
	})
	r := <-ch
	return r.c, r.err
}

// goLockedOffMain runs f on a new goroutine locked to an OS thread that is not the process's main
// thread, and never unlocks it: f may change the thread's namespaces, and the runtime destroys
// such a thread when f's goroutine ends — except the main thread, which it would keep, wedged in
// the foreign namespaces (and /proc/self/ns/* describes the main thread).
func goLockedOffMain(f func()) {
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() != unix.Getpid() {
			f()
			return
		}
		// On the main thread: while this goroutine holds it, a new goroutine runs elsewhere.
		locked := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(locked)
			f()
		}()
		<-locked
		runtime.UnlockOSThread()
	}()
}
