package pcsc

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/ebfe/scard"
)

// fakeContext is a scripted PC/SC context: readers with or without a card.
type fakeContext struct {
	mu         sync.Mutex
	slots      []*slot
	changed    chan struct{} // receives when a card is inserted or removed
	cancel     chan struct{}
	connectErr error
	connects   []string
	released   int
	noPnP      bool
}

type slot struct {
	name string
	card *fakeCard
}

func newFakeContext(slots ...*slot) *fakeContext {
	return &fakeContext{slots: slots, changed: make(chan struct{}, 1), cancel: make(chan struct{}, 1)}
}

// use makes Open and Readers use f.
func (f *fakeContext) use(t *testing.T) {
	old := establish
	establish = func() (pcscContext, error) { return f, nil }
	t.Cleanup(func() { establish = old })
}

func (f *fakeContext) insert(i int, c *fakeCard) {
	f.mu.Lock()
	f.slots[i].card = c
	f.mu.Unlock()
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

func (f *fakeContext) releases() int { f.mu.Lock(); defer f.mu.Unlock(); return f.released }

func (f *fakeContext) ListReaders() ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.slots) == 0 {
		return nil, scard.ErrNoReadersAvailable
	}
	var names []string
	for _, s := range f.slots {
		names = append(names, s.name)
	}
	return names, nil
}

func (f *fakeContext) flags(name string) (scard.StateFlag, []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == pnpReader {
		if f.noPnP {
			return scard.StateUnknown, nil
		}
		return scard.StateFlag(len(f.slots)) << 16, nil
	}
	for _, s := range f.slots {
		if s.name == name {
			if s.card == nil {
				return scard.StateEmpty, nil
			}
			return scard.StatePresent, s.card.atr
		}
	}
	return scard.StateUnknown, nil
}

func (f *fakeContext) GetStatusChange(states []scard.ReaderState, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		changed := false
		for i := range states {
			fl, atr := f.flags(states[i].Reader)
			if states[i].CurrentState == scard.StateUnaware || fl != states[i].CurrentState {
				changed = true
				states[i].EventState = fl | scard.StateChanged
			} else {
				states[i].EventState = fl
			}
			states[i].Atr = atr
		}
		if changed {
			return nil
		}
		select {
		case <-f.changed:
		case <-f.cancel:
			return scard.ErrCancelled
		case <-deadline:
			return scard.ErrTimeout
		}
	}
}

func (f *fakeContext) Connect(reader string, mode scard.ShareMode, proto scard.Protocol) (pcscCard, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connects = append(f.connects, reader)
	if mode != scard.ShareExclusive || proto != scard.ProtocolAny {
		panic("connect must be exclusive, T=0 or T=1")
	}
	if f.connectErr != nil {
		return nil, f.connectErr
	}
	for _, s := range f.slots {
		if s.name == reader {
			if s.card == nil {
				return nil, scard.ErrNoSmartcard
			}
			return s.card, nil
		}
	}
	return nil, scard.ErrUnknownReader
}

func (f *fakeContext) Cancel() error {
	select {
	case f.cancel <- struct{}{}:
	default:
	}
	return nil
}

func (f *fakeContext) Release() error { f.mu.Lock(); f.released++; f.mu.Unlock(); return nil }

// fakeCard echoes the command followed by 9000, unless told otherwise.
type fakeCard struct {
	mu           sync.Mutex
	atr          []byte
	block        chan struct{} // non-nil: Transmit waits for it to be closed
	txErr        error
	empty        bool
	reconnectErr error
	disconnects  []scard.Disposition
	reconnects   []scard.Disposition
}

func newFakeCard() *fakeCard {
	return &fakeCard{atr: []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}}
}

func (c *fakeCard) Transmit(cmd []byte) ([]byte, error) {
	c.mu.Lock()
	block := c.block
	c.mu.Unlock()
	if block != nil {
		<-block
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.txErr != nil {
		return nil, c.txErr
	}
	if c.empty {
		return []byte{}, nil
	}
	return append(bytes.Clone(cmd), 0x90, 0x00), nil
}

func (c *fakeCard) Reconnect(mode scard.ShareMode, proto scard.Protocol, disp scard.Disposition) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reconnects = append(c.reconnects, disp)
	return c.reconnectErr
}

func (c *fakeCard) Disconnect(disp scard.Disposition) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.disconnects = append(c.disconnects, disp)
	return nil
}

func (c *fakeCard) Status() (*scard.CardStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &scard.CardStatus{Atr: bytes.Clone(c.atr), State: scard.Present}, nil
}

func (c *fakeCard) set(f func(*fakeCard)) { c.mu.Lock(); f(c); c.mu.Unlock() }

func (c *fakeCard) dispositions() (disc, reconn []scard.Disposition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]scard.Disposition(nil), c.disconnects...), append([]scard.Disposition(nil), c.reconnects...)
}
