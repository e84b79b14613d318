package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
)

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func cmdEmulate(ctx context.Context, args []string, e env) int {
	fs := newFlagSet("emulate", e)
	var profiles listFlag
	fs.Var(&profiles, "profile", profileHelp("card profile")+"; repeat for several cards, one per vpcd slot")
	state := fs.String("state", "", "directory keeping each card's retry counters across restarts (default: in memory)")
	addr := fs.String("vpcd", net.JoinHostPort("127.0.0.1", fmt.Sprint(vpcd.DefaultPort)), "vpcd address of slot 0 (slot n uses port + n)")
	verbose := fs.Bool("v", false, "log connection and power events (never APDU contents)")
	var faultNames listFlag
	fs.Var(&faultNames, "fault", "make the card misbehave: a fault name, optionally NAME=PARAM (repeatable; 'list' prints them)")
	formName := fs.String("form", "", "present the cards as another form: jpki-token-android, jpki-token-ios (a phone's JPKI-only token) or not-my-number (default: each profile's card.form)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var form myna.Form
	if *formName != "" {
		f, err := myna.ParseForm(*formName)
		if err != nil {
			return exitCode(e, usageError{err})
		}
		form = f
	}
	faults, listed, err := faultFlags(e, faultNames, emulator.Faults(), emulator.ParseFault)
	if err != nil {
		return exitCode(e, err)
	}
	if listed {
		return exitOK
	}
	if len(profiles) == 0 || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "taimen emulate: give at least one --profile, and no other arguments")
		return exitUsage
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	cards := map[int]vpcd.Card{}
	for slot, ref := range profiles {
		p, err := resolveProfile(ref)
		if err != nil {
			return exitCode(e, err)
		}
		card, err := emulator.New(p, emulator.Options{StateDir: *state, Faults: faults, Logger: log, Form: form})
		if err != nil {
			return exitCode(e, err)
		}
		cards[slot] = card
		fmt.Fprintf(e.stderr, "taimen emulate: slot %d: card %s (%s interface), vpcd reader %q, %d fault(s)\n", slot, p.ID, p.Card.Interface, fmt.Sprintf("Virtual PCD 00 %02d", slot), len(faults))
	}
	dialer, err := newVPCDDialer(*addr, e.stderr)
	if err != nil {
		return exitCode(e, err)
	}
	err = vpcd.ServeSlots(ctx, cards, vpcd.Options{DialSlot: dialer.dial, Logger: log})
	if err != nil && !errors.Is(err, context.Canceled) {
		return exitCode(e, err)
	}
	return exitOK
}
