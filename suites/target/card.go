package target

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
)

// CardOptions configure the card a spec gets.
type CardOptions struct {
	// Durable keeps the emulated card's state in a directory, so Restart can
	// start a new card process on it; otherwise the state is in memory.
	Durable bool
}

// Card is one spec's card: a transport to it and, on emulated targets, the
// controls a physical card does not offer.
type Card struct {
	T        reader.Transport
	target   *Target
	emu      *emulator.Card
	slot     *swapCard   // in-process: lets Restart swap the card under the transport
	guard    *floorGuard // physical cards: the floor and the counters to restore
	stateDir string
	apdus    atomic.Int64 // APDUs sent through T (see APDUs)
}

// Card opens a card for one spec. On emulated targets it is a fresh card with
// every counter at its initial value; on a physical card it is the card.
func (t *Target) Card(ctx context.Context, o CardOptions) (*Card, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &Card{target: t}
	if t.Kind != PCSC {
		if o.Durable {
			dir, err := os.MkdirTemp("", "taimen-card-")
			if err != nil {
				return nil, err
			}
			c.stateDir = dir
			if c.emu, err = emulator.New(t.Profile, emulator.Options{StateDir: dir, Faults: t.cfg.Faults}); err != nil {
				return nil, err
			}
		} else {
			c.emu = t.proto.Fresh()
		}
		c.emu.PowerOn()
	}
	switch t.Kind {
	case Emulator:
		c.slot = &swapCard{card: c.emu}
		c.T = c.counted(reader.NewEmulated(c.slot, reader.WithCommandTimeout(t.cfg.Timeout)))
		return c, nil
	case VPCD:
		t.slot.set(c.emu)
	}
	octx, cancel := context.WithTimeout(ctx, cardWait)
	defer cancel()
	tr, err := pcsc.Open(octx, pcsc.Options{Reader: pcsc.ParseSelector(t.reader), CommandTimeout: t.cfg.Timeout})
	if err != nil {
		c.cleanup()
		return nil, fmt.Errorf("open %s: %w", t.reader, err)
	}
	c.T = c.counted(tr)
	if t.Kind == PCSC {
		c.guard = newFloorGuard(c.T, t.floor())
		c.guard.saw = t.sawTries
		c.T = c.guard
	}
	if t.Kind == VPCD {
		// The slot's previous card may have been powered: start from a reset.
		if err := tr.Reset(ctx); err != nil {
			tr.Close()
			c.cleanup()
			return nil, err
		}
	}
	return c, nil
}

// TraceLimit is how many exchanges a spec's trace keeps (the most recent):
// loops of thousands of commands would otherwise bloat every report.
const TraceLimit = 2000

// TraceAll wraps the card's transport in a redacting trace and returns it:
// every later exchange of the spec is recorded (secrets and personal data masked).
func (c *Card) TraceAll() *reader.Trace {
	tr := reader.NewTrace(c.T, reader.TraceOptions{Limit: TraceLimit})
	c.T = tr
	return tr
}

// Session starts a reader session on the card with the target's guard.
func (c *Card) Session() *reader.Session { return reader.NewSession(c.T, c.target.Guard()) }

// Emulated returns the emulated card (nil on a physical card).
func (c *Card) Emulated() *emulator.Card { return c.emu }

// cardWait bounds how long a spec waits for a card to be there: behind vpcd
// a card that was torn away comes back about a second later.
const cardWait = 10 * time.Second

// Reset resets the card through the transport (PC/SC: reconnect with reset),
// waiting up to cardWait for a card that left the reader to come back.
func (c *Card) Reset(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, cardWait)
	defer cancel()
	for {
		err := c.T.Reset(ctx)
		if err == nil || c.target.Kind == Emulator || !(errors.Is(err, reader.ErrNoCard) || errors.Is(err, reader.ErrCardRemoved)) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("reset: no card came back within %v: %w", cardWait, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// PowerCycle removes and restores power, as leaving and re-entering the
// field: the security state is lost, counters are kept. Physical cards are reset.
func (c *Card) PowerCycle(ctx context.Context) error {
	if c.emu == nil {
		return c.T.Reset(ctx)
	}
	c.emu.PowerOff()
	c.emu.PowerOn()
	if c.target.Kind == VPCD {
		return c.Reset(ctx) // pcscd learns of it as a reset
	}
	return nil
}

// Restart ends the emulated card process and starts a new one on the same
// state directory, as restarting `taimen emulate` would.
func (c *Card) Restart(ctx context.Context) error {
	if c.emu == nil || c.stateDir == "" {
		return fmt.Errorf("restart: %w with a durable state", ErrNotEmulated)
	}
	emu, err := emulator.New(c.target.Profile, emulator.Options{StateDir: c.stateDir, Faults: c.target.cfg.Faults})
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	emu.PowerOn()
	c.emu = emu
	switch c.target.Kind {
	case Emulator:
		c.slot.set(emu)
	case VPCD:
		c.target.slot.set(emu)
		return c.Reset(ctx)
	}
	return nil
}

// Tries reads every counter without spending a try ("app/FID" → tries). On a
// physical card a read that no APDU has followed since is answered from
// memory (see Target.remembered): nothing reached the card, so nothing moved.
func (c *Card) Tries(ctx context.Context) (map[string]int, error) {
	if m := c.target.remembered(); m != nil {
		return m, nil
	}
	st, err := reader.Status(ctx, reader.NewSession(c.T, c.target.Guard()))
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(st))
	for _, k := range st {
		out[k.App+"/"+k.Key] = k.Tries
	}
	c.target.remember(out)
	return out, nil
}

// Close restores the counters a spec touched on a physical card (with the
// correct codes), releases the transport and removes a durable state directory.
func (c *Card) Close() error {
	var rerr error
	if c.guard != nil {
		rerr = c.guard.Restore(context.Background(), c.target.Codes)
		if rerr == nil && !c.guard.restored {
			c.target.restamp() // the guard only read the counters the spec touched: none was left spent
		}
	}
	err := errors.Join(rerr, c.T.Close())
	c.cleanup()
	return err
}

func (c *Card) cleanup() {
	if c.stateDir != "" {
		os.RemoveAll(c.stateDir)
	}
}
