package vpcd

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// recCard records the calls it gets.
type recCard struct {
	mu    sync.Mutex
	calls []string
	atr   []byte
	resp  []byte // nil: echo the command with 90 00
}

func (c *recCard) rec(s string) {
	c.mu.Lock()
	c.calls = append(c.calls, s)
	c.mu.Unlock()
}

func (c *recCard) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

func (c *recCard) ATR() []byte { c.rec("atr"); return c.atr }
func (c *recCard) PowerOn()    { c.rec("on") }
func (c *recCard) PowerOff()   { c.rec("off") }
func (c *recCard) Reset()      { c.rec("reset") }
func (c *recCard) Transmit(cmd []byte) []byte {
	c.rec("apdu " + strconv.Itoa(len(cmd)))
	if c.resp != nil {
		return c.resp
	}
	return append(append([]byte(nil), cmd...), 0x90, 0x00)
}

// fakeVPCD is the pcscd side of a connection.
type fakeVPCD struct {
	t testing.TB
	c net.Conn
}

func (f fakeVPCD) send(payload ...byte) {
	f.t.Helper()
	frame := binary.BigEndian.AppendUint16(nil, uint16(len(payload)))
	if _, err := f.c.Write(append(frame, payload...)); err != nil {
		f.t.Fatalf("fake vpcd write: %v", err)
	}
}

func (f fakeVPCD) recv() []byte {
	f.t.Helper()
	_ = f.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var hdr [2]byte
	if _, err := io.ReadFull(f.c, hdr[:]); err != nil {
		f.t.Fatalf("fake vpcd read: %v", err)
	}
	n := binary.BigEndian.Uint16(hdr[:])
	if n == 0 {
		f.t.Fatal("card sent a zero-length frame")
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(f.c, p); err != nil {
		f.t.Fatalf("fake vpcd read payload: %v", err)
	}
	return p
}

// writeLog wraps a conn and records each Write call.
type writeLog struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writes = append(w.writes, append([]byte(nil), p...))
	w.mu.Unlock()
	return w.Conn.Write(p)
}

// servePipe runs ServeConn on one end of a pipe and returns the other end and ServeConn's result.
// The returned wait function gives ServeConn's result (or fails the test after 5 s).
func servePipe(t *testing.T, card Card, o Options) (fakeVPCD, *writeLog, func() error) {
	t.Helper()
	a, b := net.Pipe()
	wl := &writeLog{Conn: a}
	done := make(chan struct{})
	var result error
	ctx, cancel := context.WithCancel(context.Background())
	go func() { result = ServeConn(ctx, wl, card, o); close(done) }()
	wait := func() error {
		select {
		case <-done:
			return result
		case <-time.After(5 * time.Second):
			t.Fatal("ServeConn did not return")
			return nil
		}
	}
	t.Cleanup(func() {
		cancel()
		b.Close()
		wait()
	})
	return fakeVPCD{t, b}, wl, wait
}

var atr = []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}

func TestProtocol(t *testing.T) {
	card := &recCard{atr: atr}
	f, wl, _ := servePipe(t, card, Options{})
	selectMF := []byte{0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00}

	f.send(0x01) // power on: no reply
	f.send(0x04) // get ATR
	if got := f.recv(); !bytes.Equal(got, atr) {
		t.Fatalf("ATR = % X, want % X", got, atr)
	}
	f.send(selectMF...)
	if got, want := f.recv(), append(selectMF[:len(selectMF):len(selectMF)], 0x90, 0x00); !bytes.Equal(got, want) {
		t.Fatalf("response = % X, want % X", got, want)
	}
	f.send(0x02)       // reset: no reply
	f.send(0x00)       // power off: no reply
	f.send(0x03)       // unknown control: ignored, no reply
	f.send()           // zero-length frame from vpcd: ignored
	f.send(0x00, 0xB0) // a 2-byte frame is an APDU
	if got := f.recv(); !bytes.Equal(got, []byte{0x00, 0xB0, 0x90, 0x00}) {
		t.Fatalf("response = % X", got)
	}
	want := []string{"on", "atr", "apdu 7", "reset", "off", "apdu 2"}
	if diff := cmp.Diff(want, card.Calls()); diff != "" {
		t.Errorf("card calls (-want +got):\n%s", diff)
	}
	wl.mu.Lock()
	defer wl.mu.Unlock()
	if len(wl.writes) != 3 {
		t.Fatalf("%d writes, want 3 (one per reply)", len(wl.writes))
	}
	for _, w := range wl.writes {
		if len(w) < 3 || int(binary.BigEndian.Uint16(w)) != len(w)-2 {
			t.Errorf("write % X is not exactly one frame", w)
		}
	}
}

func TestNeverZeroLength(t *testing.T) {
	tests := []struct {
		name string
		card *recCard
		send []byte
		want []byte
	}{
		{"empty ATR", &recCard{atr: []byte{}}, []byte{0x04}, []byte{0x3B, 0x00}},
		{"empty response", &recCard{atr: atr, resp: []byte{}}, []byte{0x00, 0xA4, 0x00, 0x00}, []byte{0x6F, 0x00}},
		{"oversize response", &recCard{atr: atr, resp: make([]byte, 70000)}, []byte{0x00, 0xB0, 0x00, 0x00, 0x00}, []byte{0x6F, 0x00}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, _, _ := servePipe(t, tc.card, Options{})
			f.send(tc.send...)
			if got := f.recv(); !bytes.Equal(got, tc.want) {
				t.Fatalf("reply % X, want % X", got, tc.want)
			}
		})
	}
}

func TestOversizeFrame(t *testing.T) {
	card := &recCard{atr: atr}
	f, _, wait := servePipe(t, card, Options{MaxFrame: 10})
	f.send(make([]byte, 10)...)
	if got := f.recv(); len(got) != 12 {
		t.Fatalf("10-byte frame: reply of %d bytes", len(got))
	}
	frame := binary.BigEndian.AppendUint16(nil, 11)
	if _, err := f.c.Write(frame); err != nil {
		t.Fatal(err)
	}
	if err := wait(); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("ServeConn = %v, want ErrFrameTooLarge", err)
	}
	_ = f.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := f.c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("connection not closed after an oversize frame: %v", err)
	}
	if diff := cmp.Diff([]string{"apdu 10"}, card.Calls()); diff != "" {
		t.Errorf("card calls (-want +got):\n%s", diff)
	}
}

func TestServeConnEnds(t *testing.T) {
	t.Run("peer closes", func(t *testing.T) {
		f, _, wait := servePipe(t, &recCard{atr: atr}, Options{})
		f.c.Close()
		if err := wait(); err != nil {
			t.Fatalf("ServeConn = %v, want nil", err)
		}
	})
	t.Run("peer closes mid-frame", func(t *testing.T) {
		f, _, wait := servePipe(t, &recCard{atr: atr}, Options{})
		if _, err := f.c.Write([]byte{0x00, 0x05, 0x00}); err != nil {
			t.Fatal(err)
		}
		f.c.Close()
		if err := wait(); err == nil {
			t.Fatal("ServeConn = nil after a truncated frame")
		}
	})
	t.Run("context cancelled", func(t *testing.T) {
		a, b := net.Pipe()
		defer b.Close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- ServeConn(ctx, a, NullCard{}, Options{}) }()
		time.Sleep(10 * time.Millisecond)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("ServeConn = %v, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("ServeConn ignored the cancelled context")
		}
	})
}

// listen opens a loopback listener and returns it with its port.
func listen(t *testing.T) (net.Listener, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, l.Addr().(*net.TCPAddr).Port
}

func accept(t *testing.T, l net.Listener) fakeVPCD {
	t.Helper()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := l.Accept(); ch <- res{c, err} }()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		t.Cleanup(func() { r.c.Close() })
		return fakeVPCD{t, r.c}
	case <-time.After(5 * time.Second):
		t.Fatal("the card did not connect")
	}
	panic("unreachable")
}

// TestServeReconnects: vpcd absent at first, then present, then closing the connection; Serve
// keeps reconnecting and powers the card off when a connection ends.
func TestServeReconnects(t *testing.T) {
	l, port := listen(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	l.Close() // vpcd not there yet

	card := &recCard{atr: atr}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, card, Options{Addr: addr, Reconnect: 10 * time.Millisecond}) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve = %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	}()

	time.Sleep(50 * time.Millisecond) // a few failed attempts
	l2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %d taken meanwhile: %v", port, err)
	}
	defer l2.Close()
	for i := range 2 {
		f := accept(t, l2)
		f.send(0x04)
		if got := f.recv(); !bytes.Equal(got, atr) {
			t.Fatalf("connection %d: ATR % X", i, got)
		}
		f.c.Close()
	}
	f := accept(t, l2)
	f.send(0x00, 0xA4)
	f.recv()
	want := []string{"atr", "off", "atr", "off", "apdu 2"}
	if diff := cmp.Diff(want, card.Calls()); diff != "" {
		t.Errorf("card calls (-want +got):\n%s", diff)
	}
}

func TestServeSlots(t *testing.T) {
	ls := map[int]net.Listener{}
	for slot := range 2 {
		ls[slot], _ = listen(t)
	}
	cards := map[int]Card{0: &recCard{atr: []byte{0x3B, 0x00}}, 1: &recCard{atr: []byte{0x3B, 0x01}}}
	dial := func(ctx context.Context, slot int) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", ls[slot].Addr().String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeSlots(ctx, cards, Options{DialSlot: dial}) }()
	for slot := range 2 {
		f := accept(t, ls[slot])
		f.send(0x04)
		if got := f.recv(); !bytes.Equal(got, []byte{0x3B, byte(slot)}) {
			t.Errorf("slot %d: ATR % X", slot, got)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := ServeSlots(context.Background(), cards, Options{Dial: func(context.Context) (net.Conn, error) { return nil, nil }}); err == nil {
		t.Error("ServeSlots accepted a slot-blind Dial")
	}
	if err := ServeSlots(context.Background(), map[int]Card{0: nil}, Options{}); err == nil {
		t.Error("ServeSlots accepted a nil card")
	}
}

func TestServeSlotsAddr(t *testing.T) {
	// Two consecutive free ports: try a few bases.
	var l0, l1 net.Listener
	for range 20 {
		l, port := listen(t)
		n, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+1)))
		if err == nil {
			l0, l1 = l, n
			t.Cleanup(func() { n.Close() })
			break
		}
	}
	if l0 == nil {
		t.Skip("no two consecutive free ports")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cards := map[int]Card{0: &recCard{atr: []byte{0x3B, 0x00}}, 1: &recCard{atr: []byte{0x3B, 0x01}}}
	go ServeSlots(ctx, cards, Options{Addr: l0.Addr().String()})
	for slot, l := range []net.Listener{l0, l1} {
		f := accept(t, l)
		f.send(0x04)
		if got := f.recv(); !bytes.Equal(got, []byte{0x3B, byte(slot)}) {
			t.Errorf("slot %d: ATR % X", slot, got)
		}
	}
}

func TestTCPNoDelay(t *testing.T) {
	l, _ := listen(t)
	conns := make(chan net.Conn, 1)
	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", l.Addr().String())
		if err == nil {
			conns <- c
		}
		return c, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Serve(ctx, NullCard{}, Options{Dial: dial})
	f := accept(t, l)
	f.send(0x00, 0x00)
	f.recv()
	c := <-conns
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var nodelay int
	_ = rc.Control(func(fd uintptr) {
		nodelay, err = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY)
	})
	if err != nil || nodelay == 0 {
		t.Errorf("TCP_NODELAY = %d, %v", nodelay, err)
	}
}

func TestNullCard(t *testing.T) {
	var c Card = NullCard{}
	c.PowerOn()
	c.Reset()
	c.PowerOff()
	if !bytes.Equal(c.ATR(), atr) {
		t.Errorf("ATR % X", c.ATR())
	}
	if got := c.Transmit([]byte{0x00, 0xA4, 0x04, 0x00}); !bytes.Equal(got, []byte{0x90, 0x00}) {
		t.Errorf("Transmit = % X", got)
	}
}

// BenchmarkServeConnLoopback measures the card side alone over loopback TCP, against a fake vpcd
// that behaves like Debian's (length and payload in two writes, Nagle on).
func BenchmarkServeConnLoopback(b *testing.B) { benchLoopback(b) }

// BenchmarkServeConnLoopbackNoQuickAck is the same without re-arming TCP_QUICKACK: the
// delayed-ACK stall a naive card process suffers.
func BenchmarkServeConnLoopbackNoQuickAck(b *testing.B) {
	naive = true
	defer func() { naive = false }()
	benchLoopback(b)
}

func benchLoopback(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { Serve(ctx, NullCard{}, Options{Addr: l.Addr().String()}); close(served) }()
	defer func() { cancel(); <-served }()
	c, err := l.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	_ = c.(*net.TCPConn).SetNoDelay(false)
	cmd := []byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02}
	hdr := binary.BigEndian.AppendUint16(nil, uint16(len(cmd)))
	resp := make([]byte, 4)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := c.Write(hdr); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Write(cmd); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, resp); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "apdu/s")
}
