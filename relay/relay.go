// Package relay presents a card reached through a reader.Transport (a physical card behind
// PC/SC) as a vpcd.Card, so that `taimen relay` can serve it on a vpcd slot: every PC/SC program
// then reaches the real card through "Virtual PCD 00 0n", with faults injected on the way.
//
// The faults are the stream faults of package emulator (emulator.StreamFaults): slow, mute, torn
// and no-extended-length mean what they mean for `taimen emulate`; sw-rewrite, truncated-response
// and flipped-byte are the relay's own. The ATR is the card's; vpcd's power off/on and reset
// become a reset (reconnect) of the card.
//
// The relay keeps the reader's floor guard (reader.Guard.Permit): before it passes a plain VERIFY
// with data it asks the card for the key's tries with an empty VERIFY (which spends nothing), and
// answers 6985 (conditions of use not satisfied) without sending anything when a wrong value
// would leave fewer tries than the floor. A VERIFY under secure messaging cannot be checked that
// way, so it is refused with 6985 too unless the guard allows the last try. Nothing here logs
// APDU contents.
package relay

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// SWRefused is the status word the relay answers to a VERIFY its guard refuses: 6985,
// conditions of use not satisfied. Nothing reaches the card.
var SWRefused = []byte{0x69, 0x85}

var swWrongLength = []byte{0x67, 0x00}

// Options configure New.
type Options struct {
	// Faults are the stream faults to inject (emulator.ParseStreamFault).
	Faults []emulator.FaultSetting
	// Guard is the VERIFY floor; the zero value is reader.DefaultGuard.
	Guard *reader.Guard
	// Logger receives refusals, resets and transport errors (never APDU contents).
	Logger *slog.Logger
	// Rejected, when set, is the reader's rejected-value memory: a VERIFY with a value the card
	// rejected before is answered 6985 without reaching the card, a rejection is remembered and
	// an accepted value clears its key. CardIDs (reader.CardIDs, read before relaying) name the card.
	Rejected *reader.Rejected
	CardIDs  map[myna.App]string
}

// Card is a vpcd.Card that relays to a reader.Transport. Its methods are safe for concurrent
// use.
type Card struct {
	ctx   context.Context
	t     reader.Transport
	guard reader.Guard
	log   *slog.Logger
	on    map[emulator.Fault]emulator.FaultSetting

	mem     *reader.Rejected
	cardIDs map[myna.App]string

	mu       sync.Mutex
	answered int
	buf      []byte
	app      myna.App // the application the last successful SELECT by AID chose
}

var _ vpcd.Card = (*Card)(nil)

// New relays to t until ctx is done (a mute relay's blocked Transmit returns then).
func New(ctx context.Context, t reader.Transport, o Options) *Card {
	c := &Card{ctx: ctx, t: t, guard: reader.DefaultGuard, log: o.Logger, on: map[emulator.Fault]emulator.FaultSetting{}, mem: o.Rejected, cardIDs: o.CardIDs}
	if o.Guard != nil {
		c.guard = *o.Guard
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, f := range emulator.StreamDefaults(o.Faults) {
		c.on[f.Fault] = f
	}
	return c
}

func (c *Card) has(f emulator.Fault) bool { _, ok := c.on[f]; return ok }

// ATR returns the card's ATR.
func (c *Card) ATR() []byte {
	if a := c.t.ATR(); len(a) > 0 {
		return a
	}
	return []byte{0x3B, 0x00}
}

// PowerOn resets the card (a fresh contact).
func (c *Card) PowerOn() { c.reset("power on") }

// PowerOff does nothing at once: the card is reset at the next power on.
func (c *Card) PowerOff() {}

// Reset resets the card.
func (c *Card) Reset() { c.reset("reset") }

func (c *Card) reset(why string) {
	if err := c.t.Reset(c.ctx); err != nil && c.ctx.Err() == nil {
		c.log.Warn("relay: resetting the card failed", "on", why, "err", err)
		return
	}
	c.log.Info("relay: card reset", "on", why)
}

// Transmit relays one command with the faults applied; nil means the card is gone (torn, mute
// until ctx ends, or the reader dropped the connection).
func (c *Card) Transmit(cmd []byte) []byte {
	if f, ok := c.on[emulator.FaultMute]; ok && c.count(false) >= f.After {
		<-c.ctx.Done()
		return nil
	}
	if f, ok := c.on[emulator.FaultSlow]; ok {
		select {
		case <-time.After(f.Delay):
		case <-c.ctx.Done():
			return nil
		}
	}
	n := c.count(true)
	if f, ok := c.on[emulator.FaultTorn]; ok && n > f.After {
		c.reset("torn")
		return nil
	}
	if c.has(emulator.FaultNoExtended) && extended(cmd) {
		return swWrongLength
	}
	if refused := c.guardVerify(cmd); refused != "" {
		c.log.Warn("relay: VERIFY refused, answering 6985", "why", refused)
		return SWRefused
	}
	card, key, value := c.remembered(cmd)
	if key != "" {
		if _, seen, err := c.mem.Check(card, key, value); err != nil || seen {
			c.log.Warn("relay: VERIFY refused, answering 6985", "why", "the card rejected this value before (taimen forget clears it)", "err", err)
			return SWRefused
		}
	}
	rsp, err := c.t.Transmit(c.ctx, cmd)
	if err != nil {
		c.log.Error("relay: the reader dropped the card; the virtual card leaves the reader", "err", err)
		return nil
	}
	if len(rsp) < 2 {
		return []byte{0x6F, 0x00}
	}
	c.follow(cmd, rsp, card, key, value)
	return c.mangle(rsp)
}

// remembered names a plain VERIFY with data on a key named by its SFI, for the rejected-value
// memory: the card's name, the key's and the value ("" when there is no memory or no such VERIFY).
func (c *Card) remembered(cmd []byte) (card, key string, value []byte) {
	if c.mem == nil || len(cmd) < 6 || cmd[0]&0x0C != 0 || cmd[1] != 0x20 || cmd[3]&0x80 == 0 || cmd[3]&0x1F == 0 || int(cmd[4])+5 > len(cmd) || cmd[4] == 0 {
		return "", "", nil
	}
	c.mu.Lock()
	app := c.app
	c.mu.Unlock()
	card = c.cardIDs[app]
	if card == "" {
		card = c.cardIDs[0]
	}
	return card, reader.KeyName(app, myna.FileID(cmd[3]&0x1F)), cmd[5 : 5+int(cmd[4])]
}

// follow tracks the selected application and records the card's answer to a remembered VERIFY.
func (c *Card) follow(cmd, rsp []byte, card, key string, value []byte) {
	sw := binary.BigEndian.Uint16(rsp[len(rsp)-2:])
	if len(cmd) >= 5 && cmd[1] == 0xA4 && cmd[2] == 0x04 && sw == 0x9000 && int(cmd[4])+5 <= len(cmd) {
		app, _ := myna.AppByAID(cmd[5 : 5+int(cmd[4])])
		c.mu.Lock()
		c.app = app
		c.mu.Unlock()
	}
	if key == "" {
		return
	}
	var err error
	switch {
	case sw&0xFFF0 == 0x63C0:
		err = c.mem.Remember(card, key, value)
	case sw == 0x9000:
		err = c.mem.Clear(card, key)
	}
	if err != nil {
		c.log.Error("relay: the rejected-value memory", "err", err)
	}
}

func (c *Card) count(inc bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if inc {
		c.answered++
	}
	return c.answered
}

// extended reports whether cmd is an extended-length APDU (a 00 byte after the header).
func extended(cmd []byte) bool { return len(cmd) >= 7 && cmd[4] == 0 }

// guardVerify returns why a VERIFY with data must not pass ("" when it may).
func (c *Card) guardVerify(cmd []byte) string {
	if len(cmd) < 6 || cmd[1] != 0x20 {
		return ""
	}
	key := fmt.Sprintf("P2 %02X", cmd[3])
	if cmd[0]&0x0C != 0 {
		if c.guard.Permit(key, 1) != nil {
			return "a VERIFY under secure messaging: its key's tries cannot be read without breaking the session (use --allow-last-try to pass it)"
		}
		return ""
	}
	q, err := c.t.Transmit(c.ctx, cmd[:4])
	if err != nil || len(q) < 2 {
		return fmt.Sprintf("the tries of %s could not be read: %v", key, err)
	}
	sw := binary.BigEndian.Uint16(q[len(q)-2:])
	if sw&0xFFF0 != 0x63C0 || sw == 0x63C0 {
		return "" // verified already (9000), blocked (63C0, 69xx) or unknown: nothing this VERIFY can lower
	}
	if err := c.guard.Permit(key, int(sw&0x0F)); err != nil {
		return err.Error()
	}
	return ""
}

// mangle applies the response faults to rsp (SW included, at least 2 bytes).
func (c *Card) mangle(rsp []byte) []byte {
	if !c.has(emulator.FaultSWRewrite) && !c.has(emulator.FaultTruncatedResponse) && !c.has(emulator.FaultFlippedByte) {
		return rsp
	}
	out := append(c.buf[:0], rsp...)
	data, sw := len(out)-2, binary.BigEndian.Uint16(out[len(out)-2:])
	if c.has(emulator.FaultSWRewrite) {
		switch {
		case sw&0xFFF0 == 0x63C0:
			out[data+1] = 0x00
		case sw == 0x6984:
			out[data+1] = 0x83
		}
	}
	if data > 0 && c.has(emulator.FaultFlippedByte) {
		out[0] ^= 0x01
	}
	if data > 0 && c.has(emulator.FaultTruncatedResponse) {
		out = append(out[:data-1], out[data:]...)
	}
	c.buf = out
	return out
}
