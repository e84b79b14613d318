package pcsc

import (
	"errors"
	"fmt"

	"github.com/ebfe/scard"
	"github.com/taimen-dev/taimen/reader"
)

// kindOf returns the typed reader error a PC/SC error stands for.
func kindOf(err error) error {
	var se scard.Error
	if !errors.As(err, &se) {
		return reader.ErrTransport
	}
	switch se {
	case scard.ErrNoService, scard.ErrServiceStopped:
		return reader.ErrNoService
	case scard.ErrNoReadersAvailable, scard.ErrUnknownReader, scard.ErrReaderUnavailable:
		return reader.ErrNoReader
	case scard.ErrNoSmartcard, scard.ErrUnresponsiveCard, scard.ErrUnsupportedCard, scard.ErrUnknownCard:
		return reader.ErrNoCard
	case scard.ErrRemovedCard, scard.ErrResetCard, scard.ErrUnpoweredCard,
		scard.ErrNotTransacted: // the reader lost the card mid-command (pcsc-lite's IFDTransmit failure)
		return reader.ErrCardRemoved
	case scard.ErrSharingViolation, scard.ErrServerTooBusy:
		return reader.ErrReaderBusy
	case scard.ErrTimeout:
		return reader.ErrTimeout
	}
	return reader.ErrTransport
}

// mapError wraps a PC/SC error with the operation and its typed reader error.
func mapError(op string, err error) error {
	return fmt.Errorf("reader: pcsc: %s: %w: %w", op, kindOf(err), err)
}
