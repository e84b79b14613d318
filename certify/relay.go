package certify

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
)

// socketRelay listens on a Unix socket and copies every connection, byte for
// byte both ways, to another Unix socket (the private pcscd's). pcsc-lite's
// protocol needs nothing else: the daemon then sees this process as its
// client, as it does for the engine's own PC/SC calls.
type socketRelay struct {
	ln     *net.UnixListener
	target string

	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
	wg     sync.WaitGroup
}

// startRelay listens on path (mode 0666, so the sandbox's uid may connect)
// and relays to target.
func startRelay(path, target string) (*socketRelay, error) {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("relay: listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return nil, fmt.Errorf("relay: %w", err)
	}
	r := &socketRelay{ln: ln, target: target, conns: map[net.Conn]bool{}}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

func (r *socketRelay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.AcceptUnix()
		if err != nil {
			return
		}
		t, err := net.Dial("unix", r.target)
		if err != nil {
			c.Close()
			continue
		}
		if !r.track(c, t) {
			return
		}
		r.wg.Add(1)
		go r.pipe(c, t.(*net.UnixConn))
	}
}

// track registers a pair of connections, or closes them when the relay is closed.
func (r *socketRelay) track(cs ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		r.conns[c] = true
	}
	return true
}

// pipe copies both ways until both sides are done.
func (r *socketRelay) pipe(a, b *net.UnixConn) {
	defer r.wg.Done()
	var half sync.WaitGroup
	copyHalf := func(dst, src *net.UnixConn) {
		defer half.Done()
		_, err := io.Copy(dst, src)
		if err == nil || errors.Is(err, io.EOF) {
			_ = dst.CloseWrite()
			return
		}
		a.Close()
		b.Close()
	}
	half.Add(2)
	go copyHalf(a, b)
	go copyHalf(b, a)
	half.Wait()
	a.Close()
	b.Close()
	r.mu.Lock()
	delete(r.conns, a)
	delete(r.conns, b)
	r.mu.Unlock()
}

// close stops listening, cuts every relayed connection and waits for the copies.
func (r *socketRelay) close() {
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.ln.Close()
	r.wg.Wait()
}
