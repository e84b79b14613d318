package pcsc

import (
	"sync"
	"time"

	"github.com/ebfe/scard"
)

// pcscContext is the part of *scard.Context the transport uses (an interface, for tests).
type pcscContext interface {
	ListReaders() ([]string, error)
	GetStatusChange(states []scard.ReaderState, timeout time.Duration) error
	Connect(reader string, mode scard.ShareMode, proto scard.Protocol) (pcscCard, error)
	Cancel() error
	Release() error
}

// pcscCard is the part of *scard.Card the transport uses.
type pcscCard interface {
	Transmit(cmd []byte) ([]byte, error)
	Reconnect(mode scard.ShareMode, proto scard.Protocol, disp scard.Disposition) error
	Disconnect(disp scard.Disposition) error
	Status() (*scard.CardStatus, error)
}

type realContext struct{ *scard.Context }

func (c realContext) Connect(reader string, mode scard.ShareMode, proto scard.Protocol) (pcscCard, error) {
	card, err := c.Context.Connect(reader, mode, proto)
	if err != nil {
		return nil, err
	}
	return card, nil
}

// establish opens a PC/SC context; tests replace it.
var establish = func() (pcscContext, error) {
	c, err := scard.EstablishContext()
	if err != nil {
		return nil, err
	}
	return realContext{c}, nil
}

// statusMu serializes GetStatusChange: ebfe/scard writes a package-level map in it, so two
// concurrent calls (even on different contexts) race. Waits are therefore done in short slices.
var statusMu sync.Mutex

func getStatusChange(c pcscContext, states []scard.ReaderState, timeout time.Duration) error {
	statusMu.Lock()
	defer statusMu.Unlock()
	return c.GetStatusChange(states, timeout)
}

// pnpReader is pcsc-lite's pseudo reader whose state changes when a reader is attached or removed.
const pnpReader = `\\?PnP?\Notification`
