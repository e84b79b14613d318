package pcsc

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ebfe/scard"
	"github.com/google/go-cmp/cmp"
	"github.com/taimen-dev/taimen/reader"
)

var selectAP = []byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		err  error
		want error
	}{
		{scard.ErrNoReadersAvailable, reader.ErrNoReader},
		{scard.ErrUnknownReader, reader.ErrNoReader},
		{scard.ErrReaderUnavailable, reader.ErrNoReader},
		{scard.ErrNoService, reader.ErrNoService},
		{scard.ErrServiceStopped, reader.ErrNoService},
		{scard.ErrNoSmartcard, reader.ErrNoCard},
		{scard.ErrUnresponsiveCard, reader.ErrNoCard},
		{scard.ErrRemovedCard, reader.ErrCardRemoved},
		{scard.ErrResetCard, reader.ErrCardRemoved},
		{scard.ErrUnpoweredCard, reader.ErrCardRemoved},
		{scard.ErrSharingViolation, reader.ErrReaderBusy},
		{scard.ErrTimeout, reader.ErrTimeout},
		{scard.ErrNotTransacted, reader.ErrCardRemoved},
		{scard.ErrCommError, reader.ErrTransport},
		{errors.New("other"), reader.ErrTransport},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			err := mapError("transmit", tc.err)
			if !errors.Is(err, tc.want) {
				t.Errorf("mapError(%v) = %v, want it to wrap %v", tc.err, err, tc.want)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("mapError(%v) = %v, lost the cause", tc.err, err)
			}
		})
	}
}

func TestSelectors(t *testing.T) {
	readers := []ReaderStatus{
		{Name: "Virtual PCD 00 00"},
		{Name: "Virtual PCD 00 01", CardPresent: true},
		{Name: "SONY FeliCa Port/PaSoRi 4.0 00 00"},
	}
	tests := []struct {
		name string
		sel  Selector
		want string // "" when an error is wanted
	}{
		{"default picks the first with a card", firstWithCard, "Virtual PCD 00 01"},
		{"exact name", ByName("Virtual PCD 00 00"), "Virtual PCD 00 00"},
		{"exact name not found", ByName("Virtual PCD"), ""},
		{"index", ByIndex(2), "SONY FeliCa Port/PaSoRi 4.0 00 00"},
		{"index out of range", ByIndex(3), ""},
		{"substring, case-insensitive", BySubstring("pasori"), "SONY FeliCa Port/PaSoRi 4.0 00 00"},
		{"ambiguous substring, one with a card", BySubstring("virtual"), "Virtual PCD 00 01"},
		{"substring not found", BySubstring("ACR122"), ""},
		{"parsed index", ParseSelector("#0"), "Virtual PCD 00 00"},
		{"parsed bare index", ParseSelector("1"), "Virtual PCD 00 01"},
		{"parsed exact name", ParseSelector("Virtual PCD 00 00"), "Virtual PCD 00 00"},
		{"parsed substring", ParseSelector("FeliCa"), "SONY FeliCa Port/PaSoRi 4.0 00 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sel(readers)
			if tc.want == "" {
				if !errors.Is(err, reader.ErrNoReader) {
					t.Fatalf("got %q, %v; want ErrNoReader", got.Name, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tc.want {
				t.Errorf("selected %q, want %q", got.Name, tc.want)
			}
		})
	}
	if _, err := BySubstring("virtual")([]ReaderStatus{{Name: "Virtual PCD 00 00"}, {Name: "Virtual PCD 00 01"}}); !errors.Is(err, reader.ErrNoReader) {
		t.Errorf("ambiguous substring without a card: %v, want ErrNoReader", err)
	}
	if ParseSelector("") != nil {
		t.Error(`ParseSelector("") is not the default`)
	}
}

func TestReaders(t *testing.T) {
	card := newFakeCard()
	f := newFakeContext(&slot{name: "Virtual PCD 00 00", card: card}, &slot{name: "Virtual PCD 00 01"})
	f.use(t)
	got, err := Readers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []ReaderStatus{
		{Name: "Virtual PCD 00 00", CardPresent: true, ATR: "3BE000FF8131FE4514"},
		{Name: "Virtual PCD 00 01"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Readers (-want +got):\n%s", diff)
	}
	if f.releases() != 1 {
		t.Errorf("context released %d times, want 1", f.releases())
	}
	none := newFakeContext()
	none.use(t)
	if got, err := Readers(context.Background()); err != nil || len(got) != 0 {
		t.Errorf("no readers: %v, %v; want an empty list", got, err)
	}
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name       string
		slots      func() []*slot
		opts       Options
		connectErr error
		want       reader.Target
		wantErr    error
	}{
		{
			name: "default: the reader with a card",
			slots: func() []*slot {
				return []*slot{{name: "Virtual PCD 00 00"}, {name: "Virtual PCD 00 01", card: newFakeCard()}}
			},
			opts: Options{NoWait: true},
			want: reader.Target{Kind: reader.KindVPCD, Reader: "Virtual PCD 00 01", ATR: "3BE000FF8131FE4514"},
		},
		{
			name: "physical reader by substring",
			slots: func() []*slot {
				return []*slot{{name: "Virtual PCD 00 00"}, {name: "ACS ACR1252 1S CL Reader [ACR1252 Reader PICC] 00 00", card: newFakeCard()}}
			},
			opts: Options{Reader: BySubstring("acr1252"), NoWait: true},
			want: reader.Target{Kind: reader.KindPCSC, Reader: "ACS ACR1252 1S CL Reader [ACR1252 Reader PICC] 00 00", ATR: "3BE000FF8131FE4514"},
		},
		{
			name:    "no card, no wait",
			slots:   func() []*slot { return []*slot{{name: "Virtual PCD 00 00"}} },
			opts:    Options{NoWait: true},
			wantErr: reader.ErrNoCard,
		},
		{
			name:    "no reader",
			slots:   func() []*slot { return nil },
			wantErr: reader.ErrNoReader,
		},
		{
			name:    "unknown reader name",
			slots:   func() []*slot { return []*slot{{name: "Virtual PCD 00 00", card: newFakeCard()}} },
			opts:    Options{Reader: ByName("Virtual PCD 00 07")},
			wantErr: reader.ErrNoReader,
		},
		{
			name:       "card held by another application",
			slots:      func() []*slot { return []*slot{{name: "Virtual PCD 00 00", card: newFakeCard()}} },
			connectErr: scard.ErrSharingViolation,
			wantErr:    reader.ErrReaderBusy,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeContext(tc.slots()...)
			f.connectErr = tc.connectErr
			f.use(t)
			tr, err := Open(context.Background(), tc.opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Open = %v, want %v", err, tc.wantErr)
				}
				if f.releases() != 1 {
					t.Errorf("context released %d times after a failed Open, want 1", f.releases())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			if diff := cmp.Diff(tc.want, tr.Info()); diff != "" {
				t.Errorf("Info (-want +got):\n%s", diff)
			}
			rsp, err := tr.Transmit(context.Background(), selectAP)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(append(append([]byte(nil), selectAP...), 0x90, 0x00), rsp); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenWaitsForCard(t *testing.T) {
	for _, noPnP := range []bool{false, true} {
		t.Run(fmt.Sprintf("noPnP=%v", noPnP), func(t *testing.T) {
			f := newFakeContext(&slot{name: "Virtual PCD 00 00"})
			f.noPnP = noPnP
			f.use(t)
			time.AfterFunc(50*time.Millisecond, func() { f.insert(0, newFakeCard()) })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			tr, err := Open(ctx, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tr.Close()
		})
	}

	f := newFakeContext(&slot{name: "Virtual PCD 00 00"})
	f.use(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Open(ctx, Options{})
	if !errors.Is(err, reader.ErrNoCard) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open without a card = %v, want ErrNoCard and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Open took %v after its context ended", d)
	}
}

func openFake(t *testing.T, card *fakeCard, timeout time.Duration) (*fakeContext, *Transport) {
	t.Helper()
	f := newFakeContext(&slot{name: "Virtual PCD 00 00", card: card})
	f.use(t)
	tr, err := Open(context.Background(), Options{NoWait: true, CommandTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return f, tr
}

func waitIdle(t *testing.T, tr *Transport) {
	t.Helper()
	tr.mu.Lock()
	ch := tr.inflight
	tr.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("abandoned call's goroutine did not end")
	}
}

func TestMuteCard(t *testing.T) {
	card := newFakeCard()
	f, tr := openFake(t, card, 50*time.Millisecond)
	defer tr.Close()
	ctx := context.Background()
	release := make(chan struct{})
	card.set(func(c *fakeCard) { c.block = release })

	start := time.Now()
	if _, err := tr.Transmit(ctx, selectAP); !errors.Is(err, reader.ErrTimeout) {
		t.Fatalf("mute card: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("mute card took %v with a 50ms deadline", d)
	}
	if _, err := tr.Transmit(ctx, selectAP); !errors.Is(err, reader.ErrReaderBusy) {
		t.Fatalf("while the call is stuck: %v, want ErrReaderBusy", err)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := tr.Reset(short); !errors.Is(err, reader.ErrReaderBusy) {
		t.Fatalf("Reset while stuck: %v, want ErrReaderBusy", err)
	}

	card.set(func(c *fakeCard) { c.block = nil })
	close(release) // the driver gives up: the call returns
	waitIdle(t, tr)
	if disc, _ := card.dispositions(); !cmp.Equal(disc, []scard.Disposition{scard.ResetCard}) {
		t.Errorf("dispositions after the abandoned call = %v, want [ResetCard]", disc)
	}
	if _, err := tr.Transmit(ctx, selectAP); !errors.Is(err, reader.ErrCardRemoved) {
		t.Fatalf("after the abandoned call: %v, want ErrCardRemoved", err)
	}
	if err := tr.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Transmit(ctx, selectAP); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
	if got := len(f.connects); got != 2 {
		t.Errorf("%d connects, want 2 (Open, Reset)", got)
	}
}

func TestCloseWhileStuck(t *testing.T) {
	card := newFakeCard()
	release := make(chan struct{})
	f, tr := openFake(t, card, 0)
	card.set(func(c *fakeCard) { c.block = release })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := tr.Transmit(ctx, selectAP); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Transmit = %v, want DeadlineExceeded", err)
	}
	done := make(chan error)
	go func() { done <- tr.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close waited for the stuck call")
	}
	if f.releases() != 0 {
		t.Fatal("context released under a running call")
	}
	close(release)
	waitIdle(t, tr)
	if f.releases() != 1 {
		t.Errorf("context released %d times once the call returned, want 1", f.releases())
	}
	if _, err := tr.Transmit(context.Background(), selectAP); !errors.Is(err, reader.ErrTransport) {
		t.Errorf("Transmit after Close: %v, want ErrTransport", err)
	}
}

func TestTransmitErrors(t *testing.T) {
	tests := []struct {
		name string
		set  func(*fakeCard)
		want error
	}{
		{"card removed", func(c *fakeCard) { c.txErr = scard.ErrRemovedCard }, reader.ErrCardRemoved},
		{"card reset by someone else", func(c *fakeCard) { c.txErr = scard.ErrResetCard }, reader.ErrCardRemoved},
		{"no response bytes", func(c *fakeCard) { c.empty = true }, reader.ErrCardRemoved},
		{"card lost mid-command", func(c *fakeCard) { c.txErr = scard.ErrNotTransacted }, reader.ErrCardRemoved},
		{"communication failure", func(c *fakeCard) { c.txErr = scard.ErrCommError }, reader.ErrTransport},
	}
	for _, tc := range tests {
		for _, timeout := range []time.Duration{0, time.Second} {
			t.Run(fmt.Sprintf("%s/timeout=%v", tc.name, timeout), func(t *testing.T) {
				card := newFakeCard()
				_, tr := openFake(t, card, timeout)
				defer tr.Close()
				card.set(tc.set)
				if _, err := tr.Transmit(context.Background(), selectAP); !errors.Is(err, tc.want) {
					t.Errorf("Transmit = %v, want %v", err, tc.want)
				}
			})
		}
	}
}

func TestResetAndClose(t *testing.T) {
	card := newFakeCard()
	f, tr := openFake(t, card, time.Second)
	ctx := context.Background()
	card.set(func(c *fakeCard) { c.atr = []byte{0x3B, 0x88, 0x80, 0x01} })
	if err := tr.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := tr.Info().ATR; got != "3B888001" {
		t.Errorf("ATR after reset = %s, want the new one", got)
	}
	// A card that was pulled and put back: Reconnect fails, a new connect follows.
	card.set(func(c *fakeCard) { c.reconnectErr = scard.ErrRemovedCard })
	if err := tr.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(f.connects); got != 2 {
		t.Errorf("%d connects, want 2", got)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	disc, reconn := card.dispositions()
	if diff := cmp.Diff([]scard.Disposition{scard.ResetCard, scard.ResetCard}, reconn); diff != "" {
		t.Errorf("Reconnect dispositions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]scard.Disposition{scard.ResetCard, scard.ResetCard}, disc); diff != "" {
		t.Errorf("Disconnect dispositions (-want +got):\n%s", diff)
	}
	if f.releases() != 1 {
		t.Errorf("context released %d times, want 1", f.releases())
	}
	if err := tr.Reset(ctx); !errors.Is(err, reader.ErrTransport) {
		t.Errorf("Reset after Close: %v, want ErrTransport", err)
	}
}
