package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

const p01 = "../vectors/profiles/p01-showa/profile.json"

// relayed is an emulated p01 card behind a relay with the given faults and guard.
func relayed(t *testing.T, guard reader.Guard, faults ...string) (*Card, *emulator.Card) {
	t.Helper()
	p, err := myna.LoadProfile(p01)
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(p, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var fs []emulator.FaultSetting
	for _, n := range faults {
		f, err := emulator.ParseStreamFault(n)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return New(ctx, reader.NewEmulated(emu), Options{Faults: fs, Guard: &guard}), emu
}

func selectSurface() []byte {
	aid := myna.CardSurfaceAP.AID()
	return append([]byte{0x00, 0xA4, 0x04, 0x0C, byte(len(aid))}, aid...)
}

// wrongB is a 14-digit check code B that differs from the profile's in its last digit.
func wrongB(n int) []byte {
	return myna.Verify(myna.SurfaceCheckCodeBRef, []byte(fmt.Sprintf("99010120%06d", n))).MustBytes()
}

var queryB = myna.TriesQuery(myna.SurfaceCheckCodeBRef).MustBytes()

func sw(rsp []byte) string {
	if len(rsp) < 2 {
		return fmt.Sprintf("%X", rsp)
	}
	return fmt.Sprintf("%X", rsp[len(rsp)-2:])
}

// TestGuardKeepsLastTry spends wrong codes through the relay until it refuses: the card must
// never go below one try, and the refusal is 6985; with AllowLastTry the last try is spent.
func TestGuardKeepsLastTry(t *testing.T) {
	for _, tc := range []struct {
		name  string
		guard reader.Guard
		floor int
	}{{"default", reader.DefaultGuard, 1}, {"floor 3", reader.Guard{Floor: 3}, 3}, {"allow-last-try", reader.Guard{AllowLastTry: true}, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			c, emu := relayed(t, tc.guard)
			if got := sw(c.Transmit(selectSurface())); got != "9000" {
				t.Fatalf("select: %s", got)
			}
			refused := false
			for i := 0; i < 12 && !refused; i++ {
				got := sw(c.Transmit(wrongB(i)))
				switch {
				case got == "6985":
					refused = true
				case strings.HasPrefix(got, "63C"), got == "6984", got == "6983":
				default:
					t.Fatalf("wrong code %d: %s", i, got)
				}
			}
			left := emu.Tries()["surface/0012"]
			if left != tc.floor {
				t.Errorf("tries left %d, want the floor %d", left, tc.floor)
			}
			if refused != (tc.floor > 0) {
				t.Errorf("refused %v with floor %d", refused, tc.floor)
			}
		})
	}
}

// TestBlockedKeyPassesThrough: a VERIFY on a key the card reports blocked
// (63C0) can lower nothing, so the relay passes it and the client sees the
// card's own answer, not the guard's 6985.
func TestBlockedKeyPassesThrough(t *testing.T) {
	c, emu := relayed(t, reader.Guard{AllowLastTry: true})
	if got := sw(c.Transmit(selectSurface())); got != "9000" {
		t.Fatalf("select: %s", got)
	}
	for i := 0; emu.Tries()["surface/0012"] > 0; i++ {
		c.Transmit(wrongB(i))
	}
	c.guard = reader.DefaultGuard
	if got := sw(c.Transmit(wrongB(99))); got == "6985" {
		t.Errorf("VERIFY on a blocked key answered the guard's 6985, not the card's")
	}
}

// TestSMVerifyRefused: a VERIFY under secure messaging is refused unless the last try may go.
func TestSMVerifyRefused(t *testing.T) {
	c, _ := relayed(t, reader.DefaultGuard)
	cmd := append([]byte{0x08}, wrongB(0)[1:]...)
	if got := sw(c.Transmit(cmd)); got != "6985" {
		t.Errorf("SM VERIFY: %s, want 6985", got)
	}
}

// TestResponseFaults checks each relay-only fault and no-extended-length on known exchanges.
func TestResponseFaults(t *testing.T) {
	readATR := []byte{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x10} // an extended READ BINARY
	clean, _ := relayed(t, reader.DefaultGuard)
	clean.Transmit(selectSurface())
	wantQuery := sw(clean.Transmit(queryB))
	if wantQuery != "63CA" {
		t.Fatalf("clean tries query: %s", wantQuery)
	}
	for _, tc := range []struct {
		fault string
		check func(t *testing.T, c *Card)
	}{
		{"sw-rewrite", func(t *testing.T, c *Card) {
			if got := sw(c.Transmit(queryB)); got != "6300" {
				t.Errorf("tries query: %s, want 6300", got)
			}
		}},
		{"no-extended-length", func(t *testing.T, c *Card) {
			if got := sw(c.Transmit(readATR)); got != "6700" {
				t.Errorf("extended read: %s, want 6700", got)
			}
		}},
		{"truncated-response", func(t *testing.T, c *Card) {
			plain, _ := relayed(t, reader.DefaultGuard)
			want := plain.Transmit(getData())
			got := c.Transmit(getData())
			if len(want) < 3 || len(got) != len(want)-1 || !bytes.Equal(got[len(got)-2:], want[len(want)-2:]) {
				t.Errorf("got %d bytes, want %d less one with the same SW", len(got), len(want))
			}
		}},
		{"flipped-byte", func(t *testing.T, c *Card) {
			plain, _ := relayed(t, reader.DefaultGuard)
			want := bytes.Clone(plain.Transmit(getData()))
			got := c.Transmit(getData())
			if len(got) != len(want) || got[0] != want[0]^1 || !bytes.Equal(got[1:], want[1:]) {
				t.Errorf("got % X, want % X with the first byte flipped", got, want)
			}
		}},
		{"torn=2", func(t *testing.T, c *Card) {
			if r := c.Transmit(queryB); r == nil {
				t.Error("second command torn, want the third")
			}
			if r := c.Transmit(queryB); r != nil {
				t.Errorf("third command answered %X, want torn (nil)", r)
			}
		}},
		{"slow=50ms", func(t *testing.T, c *Card) {
			start := time.Now()
			c.Transmit(queryB)
			if d := time.Since(start); d < 50*time.Millisecond {
				t.Errorf("answered in %v, want ≥ 50 ms", d)
			}
		}},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			c, _ := relayed(t, reader.DefaultGuard, tc.fault)
			if got := sw(c.Transmit(selectSurface())); got != "9000" {
				t.Fatalf("select: %s", got)
			}
			tc.check(t, c)
		})
	}
}

// getData is GET DATA 5F51 (the ATR without TS), a response with data in any application.
func getData() []byte { return []byte{0x00, 0xCA, 0x5F, 0x51, 0x00} }

// TestMuteReleasedByContext: a mute relay blocks until its context ends, then the card is gone.
func TestMuteReleasedByContext(t *testing.T) {
	p, _ := myna.LoadProfile(p01)
	emu, err := emulator.New(p, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := emulator.ParseStreamFault("mute=1")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	c := New(ctx, reader.NewEmulated(emu), Options{Faults: []emulator.FaultSetting{f}})
	if r := c.Transmit(getData()); r == nil {
		t.Error("mute=1 relay did not answer its first command")
	}
	if r := c.Transmit(getData()); r != nil || ctx.Err() == nil {
		t.Errorf("mute relay answered %X (or returned before its context ended)", r)
	}
}

// TestDroppedReader: a transport error makes the virtual card leave (nil), not a made-up answer.
func TestDroppedReader(t *testing.T) {
	c, _ := relayed(t, reader.DefaultGuard)
	c.t.Close()
	if r := c.Transmit(getData()); r != nil {
		t.Errorf("closed transport: answered %X", r)
	}
	var re *reader.RefusedError
	if !errors.As(reader.DefaultGuard.Permit("k", 1), &re) || reader.DefaultGuard.Permit("k", 2) != nil {
		t.Error("Guard.Permit: floor 1 must refuse at 1 try and pass at 2")
	}
}

// TestParseStreamFault: the valid names parse with emulate's syntax; others list the valid ones.
func TestParseStreamFault(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"slow=250ms", ""}, {"torn=3", ""}, {"sw-rewrite", ""}, {"flipped-byte", ""},
		{"bogus", "unknown fault \"bogus\" (valid for a relayed card: flipped-byte, mute, no-extended-length"},
		{"clone", "cannot be injected"},
		{"slow=fast", "not a duration"},
		{"sw-rewrite=1", "takes no parameter"},
	} {
		_, err := emulator.ParseStreamFault(tc.in)
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want %q", tc.in, err, tc.err)
		}
	}
	if _, err := emulator.ParseFault("sw-rewrite"); err == nil {
		t.Error("emulate accepts the relay-only sw-rewrite")
	}
}
