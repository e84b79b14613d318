package main

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls buf until it holds want, or fails the test after limit.
func waitFor(t *testing.T, buf *syncBuffer, want string, limit time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(limit); !strings.Contains(buf.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("after %s, stderr lacks %q:\n%s", limit, want, buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// emulate says when vpcd is not reachable, with the address, once while it keeps retrying, and
// when it is reached.
func TestEmulateSaysVPCDUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	var stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	e := env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr, getenv: func(string) string { return "" }}
	go func() {
		done <- run(ctx, []string{"emulate", "--profile", "p01-showa", "--state", filepath.Join(t.TempDir(), "state"), "--vpcd", addr}, e)
	}()
	waitFor(t, &stderr, "slot 0: vpcd at "+addr+" is not reachable", time.Minute)
	time.Sleep(500 * time.Millisecond) // several retries
	if n := strings.Count(stderr.String(), "not reachable"); n != 1 {
		t.Errorf("said %d times that vpcd is not reachable, want once:\n%s", n, stderr.String())
	}
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the port was taken meanwhile: %v", err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			<-ctx.Done()
			c.Close()
		}
	}()
	waitFor(t, &stderr, "slot 0: connected to vpcd at "+addr, time.Minute)
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d:\n%s", code, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("emulate did not stop when its context ended")
	}
}
