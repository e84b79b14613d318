package reader

import (
	"encoding/hex"
	"strings"
	"sync"
)

// fakeCard is a scripted Card: it answers commands from a table (hex → hex) in a buffer that it
// reuses, like *emulator.Card, and can tear, block or be mute.
type fakeCard struct {
	mu        sync.Mutex
	powered   bool
	atr       []byte
	script    map[string]string // upper-case command hex → response hex
	queue     [][2]string       // if not empty: expected commands and their answers, in order
	buf       []byte
	tearNext  bool
	block     chan struct{} // non-nil: Transmit waits for it to be closed
	mayBlock  *bool         // nil: no Blocker answer (assume may block)
	aborted   chan struct{} // closed by Abort when abortable
	abortable bool
	calls     []string
	resets    int
	powerOffs int
}

func newFakeCard(script map[string]string) *fakeCard {
	return &fakeCard{atr: []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}, script: script}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func (f *fakeCard) Transmit(cmd []byte) []byte {
	f.mu.Lock()
	block, aborted := f.block, f.aborted
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-aborted: // nil unless abortable: blocks on block only
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, HexUpper(cmd))
	if f.tearNext {
		f.tearNext, f.powered = false, false
		return nil
	}
	rsp, ok := f.script[HexUpper(cmd)]
	if len(f.queue) > 0 {
		rsp, ok = f.queue[0][1], f.queue[0][0] == HexUpper(cmd)
		f.queue = f.queue[1:]
	}
	if !ok {
		rsp = "6F00"
	}
	f.buf = append(f.buf[:0], mustHex(rsp)...)
	return f.buf
}

func (f *fakeCard) PowerOn()  { f.mu.Lock(); f.powered = true; f.mu.Unlock() }
func (f *fakeCard) PowerOff() { f.mu.Lock(); f.powered = false; f.powerOffs++; f.mu.Unlock() }
func (f *fakeCard) Reset()    { f.mu.Lock(); f.powered = true; f.resets++; f.mu.Unlock() }
func (f *fakeCard) ATR() []byte {
	return append([]byte(nil), f.atr...)
}
func (f *fakeCard) Powered() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.powered }

func (f *fakeCard) setBlock(ch chan struct{}) { f.mu.Lock(); f.block = ch; f.mu.Unlock() }

func (f *fakeCard) callCount() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.calls) }

// blockingCard adds the optional Blocker and Aborter interfaces to a fakeCard.
type blockingCard struct{ *fakeCard }

func (b blockingCard) MayBlock() bool { return b.mayBlock == nil || *b.mayBlock }

func (b blockingCard) Abort() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.abortable && b.aborted != nil {
		select {
		case <-b.aborted:
		default:
			close(b.aborted)
		}
	}
}
