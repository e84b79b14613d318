package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
	"github.com/taimen-dev/taimen/relay"
)

func init() {
	purposes["relay"] = `  taimen relay --reader NAME [--vpcd ADDR] [--fault NAME[=PARAM] …] [--trace FILE] [--allow-last-try]

Presents the card in the PC/SC reader NAME (a physical card) through vpcd as a virtual card:
every PC/SC program then reaches it through "Virtual PCD 00 00", with the --fault faults injected
on the way ('--fault list' prints the ones that apply to a relayed card; slow, mute, torn and
no-extended-length mean what they mean for 'taimen emulate'). The card's ATR is passed through;
vpcd's power on and reset reset the card. A VERIFY that would leave fewer tries than the floor
(the last try) is answered 6985 and never reaches the card, unless --allow-last-try; a VERIFY
under secure messaging is answered 6985 too, its tries cannot be read first, and so is a value
the card rejected before (taimen forget; see taimen read). --trace writes the
exchanges redacted as 'taimen read --trace' does, when the relay stops (Ctrl-C).
`
	examples["relay"] = "  taimen relay --reader '#0'                                 # the first reader's card as Virtual PCD 00 00\n" +
		"  taimen relay --reader 'SCR3310' --fault slow=500ms --fault sw-rewrite --trace relay.json\n" +
		"  taimen relay --fault list\n"
}

func cmdRelay(ctx context.Context, args []string, e env) int {
	fs := newFlagSet("relay", e)
	readerName := fs.String("reader", "", "the PC/SC reader of the card to relay (name, '#N' or a substring)")
	addr := fs.String("vpcd", net.JoinHostPort("127.0.0.1", fmt.Sprint(vpcd.DefaultPort)), "vpcd address of the slot to serve")
	var faultNames listFlag
	fs.Var(&faultNames, "fault", "inject a fault: NAME or NAME=PARAM (repeatable; 'list' prints them)")
	tracePath := fs.String("trace", "", "write the redacted trace of the relayed exchanges to FILE (JSON) when the relay stops")
	lastTry := fs.Bool("allow-last-try", false, "let a VERIFY spend the last try of a key")
	wait := fs.Duration("wait", 10*time.Second, "how long to wait for the reader and its card")
	verbose := fs.Bool("v", false, "log connection, power and reset events (never APDU contents)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	faults, listed, err := faultFlags(e, faultNames, emulator.StreamFaults(), emulator.ParseStreamFault)
	if err != nil {
		return exitCode(e, err)
	}
	if listed {
		return exitOK
	}
	if *readerName == "" || fs.NArg() > 0 {
		return exitCode(e, usagef("give --reader NAME, and no other arguments"))
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	mem, err := rejectedMemory(e)
	if err != nil {
		return exitCode(e, err)
	}
	wctx, cancel := context.WithTimeout(ctx, *wait)
	t, err := pcsc.Open(wctx, pcsc.Options{Reader: pcsc.ParseSelector(*readerName), CommandTimeout: 30 * time.Second})
	cancel()
	if err != nil {
		return exitCode(e, err)
	}
	defer t.Close()
	// The card's names in the rejected-value memory, read before the client sees the card.
	ids := reader.CardIDs(ctx, t)
	if err := t.Reset(ctx); err != nil {
		return exitCode(e, err)
	}
	var inner reader.Transport = t
	var tr *reader.Trace
	if *tracePath != "" {
		tr = reader.NewTrace(t, reader.TraceOptions{})
		inner = tr
	}
	err = serveRelay(ctx, inner, relayConfig{faults: faults, lastTry: *lastTry, log: log, vpcd: vpcd.Options{Addr: *addr, Logger: log}, mem: mem, ids: ids})
	if werr := writeTrace(*tracePath, tr); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return exitCode(e, err)
	}
	return exitOK
}

// relayConfig is what serveRelay needs besides the card's transport.
type relayConfig struct {
	faults  []emulator.FaultSetting
	lastTry bool
	log     *slog.Logger
	vpcd    vpcd.Options
	mem     *reader.Rejected    // the rejected-value memory (nil: none)
	ids     map[myna.App]string // the card's names in it (reader.CardIDs)
}

// serveRelay serves the card behind t on a vpcd slot until ctx is done.
func serveRelay(ctx context.Context, t reader.Transport, c relayConfig) error {
	guard := reader.DefaultGuard
	if c.lastTry {
		guard = reader.Guard{AllowLastTry: true}
	}
	card := relay.New(ctx, t, relay.Options{Faults: c.faults, Guard: &guard, Logger: c.log, Rejected: c.mem, CardIDs: c.ids})
	c.log.Warn("relaying", "reader", t.Info().Reader, "as", fmt.Sprintf("Virtual PCD 00 %02d", c.vpcd.Slot), "faults", len(c.faults), "allow_last_try", c.lastTry)
	err := vpcd.Serve(ctx, card, c.vpcd)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
