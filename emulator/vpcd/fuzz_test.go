package vpcd

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"testing"
	"time"
)

// pipeConn is a net.Conn whose other methods do nothing.
type pipeConn struct{}

func (pipeConn) Close() error                     { return nil }
func (pipeConn) LocalAddr() net.Addr              { return &net.UnixAddr{Name: "card", Net: "unix"} }
func (pipeConn) RemoteAddr() net.Addr             { return &net.UnixAddr{Name: "vpcd", Net: "unix"} }
func (pipeConn) SetDeadline(time.Time) error      { return nil }
func (pipeConn) SetReadDeadline(time.Time) error  { return nil }
func (pipeConn) SetWriteDeadline(time.Time) error { return nil }

// scriptConn replays bytes from vpcd and records the card's writes.
type scriptConn struct {
	pipeConn
	in     *bytes.Reader
	writes [][]byte
}

func (c *scriptConn) Read(p []byte) (int, error) { return c.in.Read(p) }
func (c *scriptConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, append([]byte(nil), p...))
	return len(p), nil
}

// FuzzServeConn feeds arbitrary bytes as vpcd's side: ServeConn must not panic, and every write
// must be exactly one non-empty frame.
func FuzzServeConn(f *testing.F) {
	frame := func(p ...byte) []byte { return append(binary.BigEndian.AppendUint16(nil, uint16(len(p))), p...) }
	f.Add(frame(0x01))
	f.Add(bytes.Join([][]byte{frame(0x01), frame(0x04), frame(0x00, 0xA4, 0x04, 0x00), frame(0x02), frame(0x00)}, nil))
	f.Add(frame())
	f.Add([]byte{0xFF, 0xFF, 0x00})
	f.Add(frame(0x07))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, card := range []Card{NullCard{}, &recCard{atr: []byte{}, resp: []byte{}}, &recCard{atr: atr}} {
			c := &scriptConn{in: bytes.NewReader(in)}
			_ = ServeConn(context.Background(), c, card, Options{MaxFrame: 300})
			for _, w := range c.writes {
				if len(w) < 3 || int(binary.BigEndian.Uint16(w)) != len(w)-2 {
					t.Fatalf("write % X is not one non-empty frame", w)
				}
			}
		}
	})
}

var _ net.Conn = (*scriptConn)(nil)
