// Package vpcd is the card side of vsmartcard's vpcd protocol: it attaches a Card to pcscd's
// vpcd driver, which then shows it in the reader "Virtual PCD 00 00" (slot 0, TCP 35963) or
// "Virtual PCD 00 01" (slot 1, TCP 35964) to every PC/SC application.
//
// The protocol, as Debian's vsmartcard-vpcd speaks it: every frame, both ways, is a 2-byte
// big-endian length and that many bytes. A 1-byte frame from vpcd is a control message: 00 power
// off, 01 power on, 02 reset (none is answered), 04 get ATR (answered with the ATR). A longer
// frame is a command APDU, answered with the response APDU. A zero-length frame must never be
// sent (vpcd hangs on it), and vpcd has no receive timeout, so a card must always answer. vpcd
// polls the card with get-ATR about every 0.4 s and power-cycles an idle card.
//
// Speed: vpcd sends the length and the payload in two segments with Nagle's algorithm on, so a
// card whose kernel delays its ACK (the Linux default) stalls each command for the delayed-ACK
// timer: about 21 APDU/s. This package reads with io.ReadFull straight from the socket, re-arms
// TCP_QUICKACK after every read (Linux), sets TCP_NODELAY and writes each frame with one call;
// through a real pcscd that gives thousands of APDU/s (see BenchmarkNullCardPCSC).
//
// Card methods are called from one goroutine per connection: a Card served on one slot needs no
// locking; one Card value served on two slots (or also used elsewhere) must synchronize itself.
// Nothing here logs APDU contents (they can carry check codes and PINs), only lengths.
package vpcd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"
)

// DefaultPort is vpcd's TCP port for slot 0; slot n uses DefaultPort+n.
const DefaultPort = 35963

// maxFrame is the largest payload the 2-byte length can describe.
const maxFrame = 0xFFFF

// Control messages from vpcd (1-byte frames).
const (
	ctrlOff   = 0x00
	ctrlOn    = 0x01
	ctrlReset = 0x02
	ctrlATR   = 0x04
)

// Card is what a vpcd client serves.
type Card interface {
	// ATR returns the answer to reset; never empty. The caller does not modify it.
	ATR() []byte
	// PowerOn, PowerOff and Reset are the reader's contact events.
	PowerOn()
	PowerOff()
	Reset()
	// Transmit answers one command APDU; the returned slice is valid until the next call and
	// never empty. cmd is valid only during the call.
	Transmit(cmd []byte) []byte
}

// CardAbsence is how long a card that left the reader (ErrCardGone) stays
// away before Serve reconnects: longer than vpcd's 0.4 s presence poll, so
// that pcscd sees the removal. It is not shortened by answering vpcd's next
// ATR request with "no card" instead (tried): that request can be pcscd's
// own check right after the failed command, and a card its poller then still
// sees present is refused to every client from then on.
const CardAbsence = time.Second

// ErrCardGone is returned by ServeConn when the card gave no answer to a
// command (a torn or mute card): the connection is closed, as a card leaving the reader.
var ErrCardGone = errors.New("vpcd: card gave no answer")

// ErrFrameTooLarge is returned by ServeConn when vpcd announces a frame longer than
// Options.MaxFrame; Serve then closes the connection and reconnects.
var ErrFrameTooLarge = errors.New("vpcd: frame too large")

// Options configure Serve, ServeConn and ServeSlots. The zero value serves slot 0 on
// 127.0.0.1:35963.
type Options struct {
	// Dial opens a connection to vpcd; default: TCP to Addr. Ignored when DialSlot is set.
	Dial func(ctx context.Context) (net.Conn, error)
	// DialSlot opens a connection to vpcd's slot, e.g. (*pcscd.Daemon).DialVPCD, which reaches
	// a private pcscd inside its network namespace. It takes precedence over Dial and Addr.
	DialSlot func(ctx context.Context, slot int) (net.Conn, error)
	// Addr is vpcd's address; default 127.0.0.1:35963+Slot. With ServeSlots, slot n uses Addr's
	// port + n.
	Addr string
	// Slot is the vpcd slot (0 or 1 with Debian's driver); ServeSlots sets it.
	Slot int
	// Reconnect is the delay between connection attempts when vpcd is not there or the
	// connection ended (pcscd restarted); default 200 ms.
	Reconnect time.Duration
	// MaxFrame is the largest frame accepted from vpcd; a longer one closes the connection (and
	// Serve reconnects). Default and maximum 65535.
	MaxFrame int
	// Logger receives connection events (never APDU contents); default: discard.
	Logger *slog.Logger
}

func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (o Options) maxFrame() int {
	if o.MaxFrame <= 0 || o.MaxFrame > maxFrame {
		return maxFrame
	}
	return o.MaxFrame
}

func (o Options) addr() string {
	if o.Addr != "" {
		return o.Addr
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(DefaultPort+o.Slot))
}

func (o Options) dial(ctx context.Context) (net.Conn, error) {
	switch {
	case o.DialSlot != nil:
		return o.DialSlot(ctx, o.Slot)
	case o.Dial != nil:
		return o.Dial(ctx)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", o.addr())
}

// Serve connects card to vpcd and serves it until ctx is done, reconnecting whenever vpcd is not
// there or the connection ends; when a connection ends the card is powered off (it left the
// reader). It returns nil once ctx is done, or an error for a nil card.
func Serve(ctx context.Context, card Card, o Options) error {
	if card == nil {
		return errors.New("vpcd: nil card")
	}
	log := o.logger().With("slot", o.Slot)
	delay := o.Reconnect
	if delay <= 0 {
		delay = 200 * time.Millisecond
	}
	failing, gone := false, false
	for ctx.Err() == nil {
		conn, err := o.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if !failing {
				log.Info("vpcd not reachable; retrying", "err", err, "every", delay)
				failing = true
			} else {
				log.Debug("vpcd not reachable", "err", err)
			}
		} else {
			failing = false
			log.Info("connected to vpcd", "remote", conn.RemoteAddr().String())
			err := ServeConn(ctx, conn, card, o)
			gone = errors.Is(err, ErrCardGone)
			card.PowerOff()
			if ctx.Err() != nil {
				break
			}
			if err != nil {
				log.Warn("vpcd connection ended", "err", err)
			} else {
				log.Info("vpcd closed the connection")
			}
		}
		wait := delay
		if gone {
			// pcscd notices a card leaving only on vpcd's next presence poll
			// (0.4 s): coming back sooner would look like the card never left.
			wait = max(delay, CardAbsence)
			gone = false
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	log.Info("stopped serving")
	return nil
}

// ServeSlots serves several cards from one process, cards[slot] on vpcd's slot, until ctx is
// done; each slot has its own connection, goroutine and reconnect loop (base.Slot is ignored).
// The cards must be distinct values unless they synchronize themselves. base.Dial cannot tell
// slots apart and is refused: use DialSlot or Addr.
func ServeSlots(ctx context.Context, cards map[int]Card, base Options) error {
	if base.Dial != nil && base.DialSlot == nil {
		return errors.New("vpcd: ServeSlots needs Options.DialSlot (or Addr), not Dial")
	}
	var host string
	var port int
	if base.Addr != "" {
		h, p, err := net.SplitHostPort(base.Addr)
		if err != nil {
			return fmt.Errorf("vpcd: address %q: %w", base.Addr, err)
		}
		if port, err = strconv.Atoi(p); err != nil {
			return fmt.Errorf("vpcd: address %q: bad port", base.Addr)
		}
		host = h
	}
	for slot, card := range cards {
		if card == nil {
			return fmt.Errorf("vpcd: nil card for slot %d", slot)
		}
		if slot < 0 {
			return fmt.Errorf("vpcd: negative slot %d", slot)
		}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for slot, card := range cards {
		o := base
		o.Slot = slot
		if base.Addr != "" {
			o.Addr = net.JoinHostPort(host, strconv.Itoa(port+slot))
		}
		wg.Go(func() {
			if err := Serve(ctx, card, o); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("slot %d: %w", slot, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// ServeConn serves card on one connection to vpcd until vpcd closes it (nil), ctx is done (nil),
// vpcd sends a frame longer than o.MaxFrame (ErrFrameTooLarge) or the connection fails. It
// closes conn before returning. Only MaxFrame and Logger of o are used.
func ServeConn(ctx context.Context, conn net.Conn, card Card, o Options) error {
	if card == nil {
		conn.Close()
		return errors.New("vpcd: nil card")
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	log := o.logger()
	debug := log.Enabled(ctx, slog.LevelDebug)
	s := newSession(conn)
	limit := o.maxFrame()
	for {
		n, err := s.readLen()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("vpcd: read: %w", err)
		}
		if n > limit {
			log.Error("frame from vpcd too large; closing", "len", n, "max", limit)
			return fmt.Errorf("%w: %d bytes (max %d)", ErrFrameTooLarge, n, limit)
		}
		if n == 0 {
			log.Warn("empty frame from vpcd ignored")
			continue
		}
		payload, err := s.readPayload(n)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("vpcd: read %d-byte frame: %w", n, err)
		}
		var reply []byte
		if n == 1 {
			switch payload[0] {
			case ctrlOff:
				card.PowerOff()
			case ctrlOn:
				card.PowerOn()
			case ctrlReset:
				card.Reset()
			case ctrlATR:
				reply = card.ATR()
				if len(reply) == 0 {
					log.Error("card has an empty ATR; sending 3B 00")
					reply = []byte{0x3B, 0x00}
				}
			default:
				log.Warn("unknown control message from vpcd ignored", "code", payload[0])
			}
			if debug {
				log.Debug("control", "code", payload[0])
			}
			if reply == nil {
				continue
			}
		} else {
			reply = card.Transmit(payload)
			if reply == nil {
				// The card is gone mid-command (torn away): drop the connection so that
				// pcscd sees the card leave, as with a card pulled from a reader.
				log.Info("card gave no answer (torn away); closing the connection")
				return ErrCardGone
			}
			if len(reply) == 0 || len(reply) > maxFrame {
				log.Error("card answered an unframeable response; sending 6F 00", "len", len(reply))
				reply = []byte{0x6F, 0x00}
			}
		}
		if err := s.write(reply); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("vpcd: write: %w", err)
		}
	}
}

// session holds one connection's buffers.
type session struct {
	conn     net.Conn
	quickack func() // re-arms TCP_QUICKACK; nil when not applicable
	hdr      [2]byte
	in       []byte
	out      []byte
}

// naive, set only by a benchmark, turns TCP_QUICKACK off to show what it is worth.
var naive = false

func newSession(conn net.Conn) *session {
	s := &session{conn: conn}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
		if !naive {
			s.quickack = quickAcker(tc)
		}
	}
	return s
}

func (s *session) readLen() (int, error) {
	if _, err := io.ReadFull(s.conn, s.hdr[:]); err != nil {
		return 0, err
	}
	if s.quickack != nil {
		s.quickack()
	}
	return int(binary.BigEndian.Uint16(s.hdr[:])), nil
}

func (s *session) readPayload(n int) ([]byte, error) {
	if cap(s.in) < n {
		s.in = make([]byte, max(n, 512))
	}
	buf := s.in[:n]
	if _, err := io.ReadFull(s.conn, buf); err != nil {
		return nil, err
	}
	if s.quickack != nil {
		s.quickack()
	}
	return buf, nil
}

// write sends one frame with one Write call; len(p) is in 1..65535.
func (s *session) write(p []byte) error {
	if cap(s.out) < 2+len(p) {
		s.out = make([]byte, 2+max(len(p), 512))
	}
	frame := s.out[:2+len(p)]
	binary.BigEndian.PutUint16(frame, uint16(len(p)))
	copy(frame[2:], p)
	_, err := s.conn.Write(frame)
	return err
}

// NullCard answers 90 00 to every command at once, with the My Number Card's contact ATR
// (3B E0 00 FF 81 31 FE 45 14). It has no state and is safe for concurrent use; it measures the
// transport, e.g. in benchmarks.
type NullCard struct{}

var (
	nullATR = []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}
	sw9000  = []byte{0x90, 0x00}
)

// ATR returns 3B E0 00 FF 81 31 FE 45 14.
func (NullCard) ATR() []byte { return nullATR }

// PowerOn does nothing.
func (NullCard) PowerOn() {}

// PowerOff does nothing.
func (NullCard) PowerOff() {}

// Reset does nothing.
func (NullCard) Reset() {}

// Transmit returns 90 00.
func (NullCard) Transmit([]byte) []byte { return sw9000 }
