package reader

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Card is an in-process card: *emulator.Card satisfies it, and so do test fakes. Transmit's
// result is valid until the next call; nil means the command was torn and the card lost power.
type Card interface {
	Transmit(cmd []byte) []byte
	PowerOn()
	PowerOff()
	Reset()
	ATR() []byte
	Powered() bool
}

// Blocker may be implemented by a Card to say whether Transmit can currently be slow or never
// return (fault injection). A Card without it is assumed to possibly block.
type Blocker interface {
	MayBlock() bool
}

// Aborter may be implemented by a Card whose Transmit can block: Abort must return at once and
// make a blocked Transmit return soon (typically nil, as if the field were cut).
type Aborter interface {
	Abort()
}

// Option configures NewEmulated.
type Option func(*emulatedConfig)

type emulatedConfig struct {
	timeout time.Duration
}

// WithCommandTimeout sets the per-command deadline d (0, the default, means none): a card that
// has not answered by then makes Transmit return ErrTimeout.
func WithCommandTimeout(d time.Duration) Option {
	return func(c *emulatedConfig) { c.timeout = d }
}

// emulated is the in-process transport.
//
// Commands run on the caller's goroutine unless a deadline can end them early (a command timeout
// is set or ctx can be cancelled) and the card may block; then the card call runs on its own
// goroutine. If the deadline passes first, the command is abandoned: Transmit returns, the card's
// Abort (if any) is called, and when the card's Transmit eventually returns, its goroutine powers
// the card off and ends. A card whose Transmit never returns keeps that one goroutine forever;
// the transport answers ErrReaderBusy meanwhile and never starts a second call into the card.
type emulated struct {
	card    Card
	timeout time.Duration
	sem     chan struct{} // serializes operations

	mu       sync.Mutex
	closed   bool
	inflight chan struct{} // closed when an abandoned command has returned; nil if none
}

// NewEmulated returns a transport to an in-process card, powering the card on if it is not.
// Responses are copied, a torn command (nil response) or an unpowered card gives ErrCardRemoved,
// and Close powers the card off.
func NewEmulated(card Card, opts ...Option) Transport {
	var cfg emulatedConfig
	for _, o := range opts {
		o(&cfg)
	}
	if !card.Powered() {
		card.PowerOn()
	}
	return &emulated{card: card, timeout: cfg.timeout, sem: make(chan struct{}, 1)}
}

func (e *emulated) acquire(ctx context.Context) error {
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		e.release()
		return err
	}
	return nil
}

func (e *emulated) release() { <-e.sem }

// ready reports why no command can be started now (nil if one can). Called with sem held.
func (e *emulated) ready(op string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return fmt.Errorf("reader: emulator: %s: %w: transport closed", op, ErrTransport)
	}
	if e.inflight != nil {
		select {
		case <-e.inflight:
			e.inflight = nil
		default:
			return fmt.Errorf("reader: emulator: %s: %w: an abandoned command is still running on the card", op, ErrReaderBusy)
		}
	}
	return nil
}

func mayBlock(c Card) bool {
	if b, ok := c.(Blocker); ok {
		return b.MayBlock()
	}
	return true
}

// Transmit implements apdu.Transmitter.
func (e *emulated) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if err := e.acquire(ctx); err != nil {
		return nil, fmt.Errorf("reader: emulator: transmit: %w", err)
	}
	defer e.release()
	if err := e.ready("transmit"); err != nil {
		return nil, err
	}
	if !e.card.Powered() {
		return nil, fmt.Errorf("reader: emulator: transmit: %w: the card has no power", ErrCardRemoved)
	}
	if (e.timeout <= 0 && ctx.Done() == nil) || !mayBlock(e.card) {
		return emulatedResult(e.card.Transmit(cmd))
	}
	return e.transmitAsync(ctx, bytes.Clone(cmd))
}

func emulatedResult(rsp []byte) ([]byte, error) {
	if rsp == nil {
		return nil, fmt.Errorf("reader: emulator: transmit: %w: the command was torn and the card lost power", ErrCardRemoved)
	}
	return bytes.Clone(rsp), nil
}

// Claim states of an asynchronous command: whoever moves it out of running decides its fate.
const (
	running int32 = iota
	answered
	abandoned
)

func (e *emulated) transmitAsync(ctx context.Context, cmd []byte) ([]byte, error) {
	var state atomic.Int32
	result := make(chan []byte, 1)
	finished := make(chan struct{})
	card := e.card
	go func() {
		defer close(finished)
		rsp := card.Transmit(cmd)
		if state.CompareAndSwap(running, answered) {
			if rsp != nil {
				rsp = bytes.Clone(rsp) // the card reuses its buffer
			}
			result <- rsp
			return
		}
		// Abandoned: deactivate the card, as a reader does with a mute card.
		card.PowerOff()
	}()

	var timer <-chan time.Time
	if e.timeout > 0 {
		t := time.NewTimer(e.timeout)
		defer t.Stop()
		timer = t.C
	}
	var cause error
	select {
	case rsp := <-result:
		if rsp == nil {
			return emulatedResult(nil)
		}
		return rsp, nil
	case <-timer:
		cause = fmt.Errorf("%w (%v)", ErrTimeout, e.timeout)
	case <-ctx.Done():
		cause = ctx.Err()
	}
	if !state.CompareAndSwap(running, abandoned) {
		// The answer arrived together with the deadline: use it.
		rsp := <-result
		if rsp == nil {
			return emulatedResult(nil)
		}
		return rsp, nil
	}
	e.mu.Lock()
	e.inflight = finished
	e.mu.Unlock()
	if a, ok := card.(Aborter); ok {
		a.Abort()
	}
	return nil, fmt.Errorf("reader: emulator: transmit: %w; the command was abandoned and the card will be powered off", cause)
}

// ATR returns a copy of the card's ATR.
func (e *emulated) ATR() []byte { return bytes.Clone(e.card.ATR()) }

// Info describes the in-process target.
func (e *emulated) Info() Target {
	return Target{Kind: KindEmulator, Reader: "in-process", ATR: HexUpper(e.card.ATR())}
}

// Reset waits (bounded by ctx and the command timeout) for an abandoned command to return, then
// warm-resets a powered card or powers on an unpowered one.
func (e *emulated) Reset(ctx context.Context) error {
	if err := e.acquire(ctx); err != nil {
		return fmt.Errorf("reader: emulator: reset: %w", err)
	}
	defer e.release()
	e.mu.Lock()
	closed, inflight := e.closed, e.inflight
	e.mu.Unlock()
	if closed {
		return fmt.Errorf("reader: emulator: reset: %w: transport closed", ErrTransport)
	}
	if inflight != nil {
		var timer <-chan time.Time
		if e.timeout > 0 {
			t := time.NewTimer(e.timeout)
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-inflight:
			e.mu.Lock()
			e.inflight = nil
			e.mu.Unlock()
		case <-timer:
			return fmt.Errorf("reader: emulator: reset: %w: an abandoned command is still running on the card", ErrReaderBusy)
		case <-ctx.Done():
			return fmt.Errorf("reader: emulator: reset: %w: an abandoned command is still running on the card (%w)", ErrReaderBusy, ctx.Err())
		}
	}
	if e.card.Powered() {
		e.card.Reset()
	} else {
		e.card.PowerOn()
	}
	return nil
}

// Close powers the card off (at once, or when an abandoned command returns); it is idempotent.
func (e *emulated) Close() error {
	e.sem <- struct{}{}
	defer e.release()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	if e.inflight != nil {
		select {
		case <-e.inflight: // returned already, and powered the card off
		default: // its goroutine powers the card off when the card returns
		}
		return nil
	}
	e.card.PowerOff()
	return nil
}
