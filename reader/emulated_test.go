package reader

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const selectSurface = "00A4040C0AD3921000310001010402"

func waitIdle(t *testing.T, tr Transport) {
	t.Helper()
	e := tr.(*emulated)
	e.mu.Lock()
	ch := e.inflight
	e.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("abandoned command's goroutine did not end")
	}
}

func TestEmulatedTransmitCopiesResponse(t *testing.T) {
	card := newFakeCard(map[string]string{selectSurface: "9000", "00B0000004": "010203049000"})
	tr := NewEmulated(card)
	defer tr.Close()
	if !card.Powered() {
		t.Fatal("NewEmulated did not power the card on")
	}
	ctx := context.Background()
	rsp, err := tr.Transmit(ctx, mustHex("00B0000004"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Transmit(ctx, mustHex(selectSurface)); err != nil { // reuses the card's buffer
		t.Fatal(err)
	}
	if diff := cmp.Diff(mustHex("010203049000"), rsp); diff != "" {
		t.Errorf("first response changed by the next call (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Target{Kind: KindEmulator, Reader: "in-process", ATR: "3BE000FF8131FE4514"}, tr.Info()); diff != "" {
		t.Errorf("Info (-want +got):\n%s", diff)
	}
}

func TestEmulatedErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		setup   func(*fakeCard, Transport)
		ctx     context.Context
		want    error
		called  bool // whether the card saw the command
		powered bool // after the call
	}{
		{name: "torn command", setup: func(c *fakeCard, _ Transport) { c.tearNext = true }, want: ErrCardRemoved, called: true},
		{name: "card without power", setup: func(c *fakeCard, _ Transport) { c.PowerOff() }, want: ErrCardRemoved},
		{name: "closed transport", setup: func(_ *fakeCard, tr Transport) { tr.Close() }, want: ErrTransport},
		{name: "cancelled context", ctx: cancelled, want: context.Canceled, powered: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			card := newFakeCard(map[string]string{selectSurface: "9000"})
			tr := NewEmulated(card)
			defer tr.Close()
			if tc.setup != nil {
				tc.setup(card, tr)
			}
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := tr.Transmit(ctx, mustHex(selectSurface))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Transmit error = %v, want %v", err, tc.want)
			}
			if got := card.callCount() > 0; got != tc.called {
				t.Errorf("card called = %v, want %v", got, tc.called)
			}
			if got := card.Powered(); got != tc.powered {
				t.Errorf("card powered = %v, want %v", got, tc.powered)
			}
		})
	}
}

func TestEmulatedResetAfterTear(t *testing.T) {
	card := newFakeCard(map[string]string{selectSurface: "9000"})
	tr := NewEmulated(card)
	defer tr.Close()
	ctx := context.Background()
	card.tearNext = true
	if _, err := tr.Transmit(ctx, mustHex(selectSurface)); !errors.Is(err, ErrCardRemoved) {
		t.Fatalf("torn command: %v, want ErrCardRemoved", err)
	}
	if _, err := tr.Transmit(ctx, mustHex(selectSurface)); !errors.Is(err, ErrCardRemoved) {
		t.Fatalf("after tear: %v, want ErrCardRemoved", err)
	}
	if err := tr.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Transmit(ctx, mustHex(selectSurface)); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
	if err := tr.Reset(ctx); err != nil { // powered: a warm reset
		t.Fatal(err)
	}
	if card.resets != 1 {
		t.Errorf("warm resets = %d, want 1", card.resets)
	}
}

func TestEmulatedMuteCardTimesOut(t *testing.T) {
	tests := []struct {
		name      string
		abortable bool
	}{
		{name: "card released later"},
		{name: "card honours Abort", abortable: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFakeCard(map[string]string{selectSurface: "9000"})
			release := make(chan struct{})
			fc.setBlock(release)
			if tc.abortable {
				fc.abortable, fc.aborted = true, make(chan struct{})
			}
			const deadline = 50 * time.Millisecond
			tr := NewEmulated(blockingCard{fc}, WithCommandTimeout(deadline))
			defer tr.Close()
			ctx := context.Background()

			start := time.Now()
			_, err := tr.Transmit(ctx, mustHex(selectSurface))
			if elapsed := time.Since(start); elapsed > deadline+2*time.Second {
				t.Errorf("mute card took %v, deadline %v", elapsed, deadline)
			}
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("mute card: %v, want ErrTimeout", err)
			}
			if !tc.abortable {
				// The abandoned command still runs: the transport refuses a second one.
				if _, err := tr.Transmit(ctx, mustHex(selectSurface)); !errors.Is(err, ErrReaderBusy) {
					t.Fatalf("second command while mute: %v, want ErrReaderBusy", err)
				}
				close(release)
			}
			waitIdle(t, tr)
			if fc.Powered() {
				t.Error("card still powered after an abandoned command")
			}
			fc.setBlock(nil)
			if _, err := tr.Transmit(ctx, mustHex(selectSurface)); !errors.Is(err, ErrCardRemoved) {
				t.Fatalf("after abandon: %v, want ErrCardRemoved", err)
			}
			if err := tr.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := tr.Transmit(ctx, mustHex(selectSurface)); err != nil {
				t.Fatalf("after Reset: %v", err)
			}
		})
	}
}

func TestEmulatedContextEndsMuteCommand(t *testing.T) {
	fc := newFakeCard(map[string]string{selectSurface: "9000"})
	release := make(chan struct{})
	fc.setBlock(release)
	tr := NewEmulated(fc) // no command timeout: only ctx bounds the call
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := tr.Transmit(ctx, mustHex(selectSurface)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Transmit = %v, want context.DeadlineExceeded", err)
	}
	// Reset waits for the abandoned command, bounded by its context.
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if err := tr.Reset(short); !errors.Is(err, ErrReaderBusy) {
		t.Fatalf("Reset while mute = %v, want ErrReaderBusy", err)
	}
	close(release)
	if err := tr.Reset(context.Background()); err != nil {
		t.Fatalf("Reset after release: %v", err)
	}
	waitIdle(t, tr)
}

func TestEmulatedNonBlockingCardRunsInline(t *testing.T) {
	fc := newFakeCard(map[string]string{selectSurface: "9000"})
	no := false
	fc.mayBlock = &no
	release := make(chan struct{})
	fc.setBlock(release)
	time.AfterFunc(100*time.Millisecond, func() { close(release) })
	tr := NewEmulated(blockingCard{fc}, WithCommandTimeout(time.Millisecond))
	defer tr.Close()
	// A card that says it never blocks is called inline: its (slow) answer is returned.
	rsp, err := tr.Transmit(context.Background(), mustHex(selectSurface))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mustHex("9000"), rsp); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

func TestEmulatedCloseWithAbandonedCommand(t *testing.T) {
	fc := newFakeCard(map[string]string{selectSurface: "9000"})
	release := make(chan struct{})
	fc.setBlock(release)
	tr := NewEmulated(fc, WithCommandTimeout(10*time.Millisecond))
	if _, err := tr.Transmit(context.Background(), mustHex(selectSurface)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Transmit = %v, want ErrTimeout", err)
	}
	done := make(chan error)
	go func() { done <- tr.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close waited for the mute card")
	}
	if err := tr.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	close(release)
	waitIdle(t, tr)
	if fc.Powered() {
		t.Error("card still powered after Close and release")
	}
}
