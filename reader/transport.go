package reader

import (
	"context"
	"encoding/hex"
	"strings"

	"github.com/taimen-dev/taimen/apdu"
)

// Transport carries command APDUs to one card and back; implementations are safe for concurrent
// use and process one command at a time.
type Transport interface {
	apdu.Transmitter
	// ATR returns a copy of the card's answer to reset, as of the last connect or reset.
	ATR() []byte
	// Reset performs a warm reset (PC/SC: reconnect with SCARD_RESET_CARD): the card's security
	// state is lost. It also reconnects a card that was removed, reset or abandoned after a timeout.
	Reset(ctx context.Context) error
	// Info describes the target for reports; it never contains personal data.
	Info() Target
	// Close ends the session and releases the reader; the card is left reset or unpowered.
	Close() error
}

// Kind names the kind of target a transport talks to.
type Kind string

// The kinds of target.
const (
	KindEmulator Kind = "emulator" // the emulator in-process
	KindVPCD     Kind = "vpcd"     // a card behind pcscd's vpcd driver (reader "Virtual PCD …")
	KindPCSC     Kind = "pcsc"     // any other PC/SC reader: a physical card
)

// Target describes what a transport is connected to: kind, reader name and ATR (hex). It holds
// nothing personal and is JSON-serializable for reports.
type Target struct {
	Kind   Kind   `json:"kind"`
	Reader string `json:"reader,omitempty"`
	ATR    string `json:"atr,omitempty"`
}

// HexUpper formats b as upper-case hex without separators, the form traces and reports use.
func HexUpper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

var (
	_ Transport = (*emulated)(nil)
	_ Transport = (*Trace)(nil)
	_ Transport = (*Logging)(nil)
)
