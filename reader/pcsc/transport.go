package pcsc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ebfe/scard"
	"github.com/taimen-dev/taimen/reader"
)

// Options configures Open.
type Options struct {
	// Reader selects the reader (nil: the first reader with a card, or else the first reader).
	Reader Selector
	// NoWait makes Open fail with reader.ErrNoCard at once when the reader has no card, instead
	// of waiting (bounded by ctx) for one to be inserted.
	NoWait bool
	// CommandTimeout is the per-command deadline (0: none); it also bounds connect and reset.
	CommandTimeout time.Duration
}

// Transport is a reader.Transport over PC/SC: one card in one reader, connected exclusively.
type Transport struct {
	c       pcscContext
	name    string
	timeout time.Duration
	sem     chan struct{} // serializes operations

	mu       sync.Mutex
	card     pcscCard // nil while disconnected
	atr      []byte
	closed   bool
	stuck    bool          // an abandoned PC/SC call has not returned yet
	inflight chan struct{} // closed when the last abandoned call has returned and been cleaned up
}

var _ reader.Transport = (*Transport)(nil)

// Open selects a reader, waits for a card if needed (bounded by ctx, unless opts.NoWait), and
// connects to it exclusively with T=0 or T=1.
func Open(ctx context.Context, opts Options) (*Transport, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reader: pcsc: open: %w", err)
	}
	c, err := establish()
	if err != nil {
		return nil, mapError("establish context", err)
	}
	t := &Transport{c: c, timeout: opts.CommandTimeout, sem: make(chan struct{}, 1)}
	if err := t.open(ctx, opts); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

func (t *Transport) open(ctx context.Context, opts Options) error {
	sel := opts.Reader
	if sel == nil {
		sel = firstWithCard
	}
	for {
		list, states, err := scan(t.c)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return noReader("no PC/SC reader attached")
		}
		r, err := sel(list)
		if err != nil {
			return err
		}
		if r.CardPresent {
			t.name = r.Name
			err := t.connect(ctx)
			if err == nil || opts.NoWait || !errors.Is(err, reader.ErrNoCard) && !errors.Is(err, reader.ErrCardRemoved) {
				return err
			}
			// The card left between the scan and the connect: wait again.
		} else if opts.NoWait {
			return fmt.Errorf("reader: pcsc: open %q: %w", r.Name, reader.ErrNoCard)
		}
		if err := waitChange(ctx, t.c, states); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("reader: pcsc: open %q: %w while waiting (%w)", r.Name, reader.ErrNoCard, ctx.Err())
			}
			return err
		}
	}
}

// connect connects to t.name and reads the ATR; it is bounded like a command.
func (t *Transport) connect(ctx context.Context) error {
	var card pcscCard
	_, err := t.call(ctx, fmt.Sprintf("connect %q", t.name), func() ([]byte, error) {
		c, err := t.c.Connect(t.name, scard.ShareExclusive, scard.ProtocolAny)
		card = c
		return nil, err
	}, func() {
		if card != nil {
			card.Disconnect(scard.ResetCard)
		}
	})
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.card = card
	t.mu.Unlock()
	return t.refreshATR(card)
}

func (t *Transport) refreshATR(card pcscCard) error {
	st, err := card.Status()
	if err != nil {
		return mapError("card status", err)
	}
	t.mu.Lock()
	t.atr = bytes.Clone(st.Atr)
	t.mu.Unlock()
	return nil
}

func (t *Transport) acquire(ctx context.Context) error {
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		t.release()
		return err
	}
	return nil
}

func (t *Transport) release() { <-t.sem }

// ready returns the connected card, or why no command can be sent now. Called with sem held.
func (t *Transport) ready(op string) (pcscCard, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closed:
		return nil, fmt.Errorf("reader: pcsc: %s: %w: transport closed", op, reader.ErrTransport)
	case t.stuck:
		return nil, fmt.Errorf("reader: pcsc: %s: %w: an abandoned command has not returned yet", op, reader.ErrReaderBusy)
	case t.card == nil:
		return nil, fmt.Errorf("reader: pcsc: %s: %w: disconnected after an abandoned command; Reset reconnects", op, reader.ErrCardRemoved)
	}
	return t.card, nil
}

// Claim states of a PC/SC call that a deadline can abandon.
const (
	running int32 = iota
	answered
	abandoned
)

// call runs f, on the caller's goroutine when nothing can end it early, otherwise on its own
// goroutine bounded by the command timeout and ctx. An abandoned call runs cleanup when f finally
// returns, and releases the context if the transport was closed meanwhile.
func (t *Transport) call(ctx context.Context, op string, f func() ([]byte, error), cleanup func()) ([]byte, error) {
	if t.timeout <= 0 && ctx.Done() == nil {
		rsp, err := f()
		if err != nil {
			return nil, mapError(op, err)
		}
		return rsp, nil
	}
	type result struct {
		rsp []byte
		err error
	}
	var state atomic.Int32
	done := make(chan result, 1)
	finished := make(chan struct{})
	go func() {
		rsp, err := f()
		if state.CompareAndSwap(running, answered) {
			done <- result{rsp, err}
			return
		}
		cleanup()
		t.mu.Lock()
		t.stuck = false
		releaseContext := t.closed
		t.mu.Unlock()
		if releaseContext {
			t.c.Release()
		}
		close(finished)
	}()

	var timer <-chan time.Time
	if t.timeout > 0 {
		tm := time.NewTimer(t.timeout)
		defer tm.Stop()
		timer = tm.C
	}
	var cause error
	select {
	case r := <-done:
		if r.err != nil {
			return nil, mapError(op, r.err)
		}
		return r.rsp, nil
	case <-timer:
		cause = fmt.Errorf("%w (%v)", reader.ErrTimeout, t.timeout)
	case <-ctx.Done():
		cause = ctx.Err()
	}
	t.mu.Lock() // held across the claim, so the goroutine's cleanup cannot clear stuck before it is set
	if !state.CompareAndSwap(running, abandoned) {
		t.mu.Unlock()
		r := <-done // the answer came with the deadline
		if r.err != nil {
			return nil, mapError(op, r.err)
		}
		return r.rsp, nil
	}
	t.stuck, t.inflight = true, finished
	t.mu.Unlock()
	t.c.Cancel() // ends a GetStatusChange, if any; a blocked SCardTransmit cannot be cancelled
	return nil, fmt.Errorf("reader: pcsc: %s: %w; the call was abandoned and the card will be disconnected", op, cause)
}

// Transmit implements apdu.Transmitter.
func (t *Transport) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	// An empty command crashes the PC/SC binding, and a 1-byte one is a
	// control message to vpcd (power off): neither is a command APDU.
	if len(cmd) < 2 {
		return nil, fmt.Errorf("reader: pcsc: transmit: %d-byte command refused: %w", len(cmd), reader.ErrTransport)
	}
	if err := t.acquire(ctx); err != nil {
		return nil, fmt.Errorf("reader: pcsc: transmit: %w", err)
	}
	defer t.release()
	card, err := t.ready("transmit")
	if err != nil {
		return nil, err
	}
	if t.timeout > 0 || ctx.Done() != nil {
		cmd = bytes.Clone(cmd) // an abandoned call may still read it
	}
	rsp, err := t.call(ctx, "transmit", func() ([]byte, error) { return card.Transmit(cmd) }, t.dropCard(card))
	if err != nil {
		return nil, err
	}
	if len(rsp) == 0 {
		// pcsc-lite answers so when the card (e.g. vpcd's card process) vanished mid-command.
		return nil, fmt.Errorf("reader: pcsc: transmit: %w: the reader returned no response bytes", reader.ErrCardRemoved)
	}
	return rsp, nil
}

// dropCard returns the cleanup of an abandoned call on card: disconnect it with a reset.
func (t *Transport) dropCard(card pcscCard) func() {
	return func() {
		card.Disconnect(scard.ResetCard)
		t.mu.Lock()
		if t.card == card {
			t.card = nil
		}
		t.mu.Unlock()
	}
}

// waitAbandoned waits, bounded by ctx and the command timeout, for an abandoned call to return.
func (t *Transport) waitAbandoned(ctx context.Context, op string) error {
	t.mu.Lock()
	stuck, inflight := t.stuck, t.inflight
	t.mu.Unlock()
	if !stuck {
		return nil
	}
	var timer <-chan time.Time
	if t.timeout > 0 {
		tm := time.NewTimer(t.timeout)
		defer tm.Stop()
		timer = tm.C
	}
	const msg = "an abandoned command has not returned yet"
	select {
	case <-inflight:
		return nil
	case <-timer:
		return fmt.Errorf("reader: pcsc: %s: %w: %s", op, reader.ErrReaderBusy, msg)
	case <-ctx.Done():
		return fmt.Errorf("reader: pcsc: %s: %w: %s (%w)", op, reader.ErrReaderBusy, msg, ctx.Err())
	}
}

// Reset reconnects with SCARD_RESET_CARD (a warm reset). A card that was removed, reset by
// someone else or dropped after an abandoned command is connected anew; no waiting for a card.
func (t *Transport) Reset(ctx context.Context) error {
	if err := t.acquire(ctx); err != nil {
		return fmt.Errorf("reader: pcsc: reset: %w", err)
	}
	defer t.release()
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if closed {
		return fmt.Errorf("reader: pcsc: reset: %w: transport closed", reader.ErrTransport)
	}
	if err := t.waitAbandoned(ctx, "reset"); err != nil {
		return err
	}
	t.mu.Lock()
	card := t.card
	t.mu.Unlock()
	if card != nil {
		_, err := t.call(ctx, "reset", func() ([]byte, error) {
			return nil, card.Reconnect(scard.ShareExclusive, scard.ProtocolAny, scard.ResetCard)
		}, t.dropCard(card))
		switch {
		case err == nil:
			return t.refreshATR(card)
		case errors.Is(err, reader.ErrCardRemoved), errors.Is(err, reader.ErrNoCard), errors.Is(err, scard.ErrInvalidHandle):
			t.dropCard(card)() // connect anew below
		default:
			return err
		}
	}
	return t.connect(ctx)
}

// ATR returns a copy of the ATR read at the last connect or reset.
func (t *Transport) ATR() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.atr)
}

// Info describes the reader: kind "vpcd" for vpcd's readers, "pcsc" otherwise.
func (t *Transport) Info() reader.Target {
	return reader.Target{Kind: kindOfReader(t.name), Reader: t.name, ATR: reader.HexUpper(t.ATR())}
}

// Close disconnects with SCARD_RESET_CARD and releases the PC/SC context. It waits for a running
// command (bounded by its own deadline) but not for an abandoned one, whose goroutine finishes
// the job when the call returns. It is idempotent.
func (t *Transport) Close() error {
	t.sem <- struct{}{}
	defer t.release()
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	if t.stuck {
		t.mu.Unlock()
		return nil
	}
	card := t.card
	t.card = nil
	t.mu.Unlock()
	var errs []error
	if card != nil {
		if err := card.Disconnect(scard.ResetCard); err != nil && !errors.Is(kindOf(err), reader.ErrCardRemoved) && !errors.Is(kindOf(err), reader.ErrNoCard) {
			errs = append(errs, mapError("disconnect", err))
		}
	}
	if err := t.c.Release(); err != nil {
		errs = append(errs, mapError("release context", err))
	}
	return errors.Join(errs...)
}
