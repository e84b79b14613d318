package pcsc

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ebfe/scard"
	"github.com/taimen-dev/taimen/reader"
)

// ReaderStatus is one PC/SC reader as SCardGetStatusChange reports it.
type ReaderStatus struct {
	Name        string `json:"name"`
	CardPresent bool   `json:"card_present"`
	InUse       bool   `json:"in_use,omitempty"`    // an application is connected to the card
	Exclusive   bool   `json:"exclusive,omitempty"` // an application holds the card exclusively
	Mute        bool   `json:"mute,omitempty"`      // the card does not answer reset
	ATR         string `json:"atr,omitempty"`       // upper-case hex, when a card is present
	// Events is pcsc-lite's count of card insertions and removals in this reader (16 bits,
	// wrapping): a change between two looks means the card may have been swapped.
	Events int `json:"events"`
}

// Kind returns reader.KindVPCD for vpcd's "Virtual PCD" readers and reader.KindPCSC otherwise.
func (r ReaderStatus) Kind() reader.Kind { return kindOfReader(r.Name) }

func kindOfReader(name string) reader.Kind {
	if strings.HasPrefix(name, "Virtual PCD") {
		return reader.KindVPCD
	}
	return reader.KindPCSC
}

func statusOf(st scard.ReaderState) ReaderStatus {
	r := ReaderStatus{
		Name:        st.Reader,
		CardPresent: st.EventState&scard.StatePresent != 0 && st.EventState&scard.StateMute == 0,
		InUse:       st.EventState&scard.StateInuse != 0,
		Exclusive:   st.EventState&scard.StateExclusive != 0,
		Mute:        st.EventState&scard.StateMute != 0,
		Events:      int(st.EventState >> 16),
	}
	if st.EventState&scard.StatePresent != 0 {
		r.ATR = reader.HexUpper(st.Atr)
	}
	return r
}

// Readers lists the PC/SC readers and whether each has a card; no reader gives an empty list.
func Readers(ctx context.Context) ([]ReaderStatus, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reader: pcsc: list readers: %w", err)
	}
	c, err := establish()
	if err != nil {
		return nil, mapError("establish context", err)
	}
	defer c.Release()
	list, _, err := scan(c)
	return list, err
}

// scan lists the readers with their state; states (with the PnP pseudo reader last, if the
// library supports it) are ready to wait for the next change.
func scan(c pcscContext) ([]ReaderStatus, []scard.ReaderState, error) {
	names, err := c.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, mapError("list readers", err)
	}
	states := make([]scard.ReaderState, 0, len(names)+1)
	for _, n := range names {
		states = append(states, scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware})
	}
	states = append(states, scard.ReaderState{Reader: pnpReader, CurrentState: scard.StateUnaware})
	if err := getStatusChange(c, states, 0); err != nil {
		return nil, nil, mapError("reader status", err)
	}
	list := make([]ReaderStatus, len(names))
	for i := range names {
		list[i] = statusOf(states[i])
	}
	for i := range states {
		states[i].CurrentState = states[i].EventState &^ scard.StateChanged
	}
	if pnp := states[len(states)-1]; pnp.EventState&(scard.StateUnknown|scard.StateIgnore) != 0 {
		states = states[:len(states)-1] // no PnP notification in this library
	}
	return list, states, nil
}

// waitSlice bounds one SCardGetStatusChange call, so that statusMu is never held for long.
const waitSlice = 250 * time.Millisecond

// waitChange blocks until a reader in states changes (a card is inserted or removed, a reader
// comes or goes) or ctx ends.
func waitChange(ctx context.Context, c pcscContext, states []scard.ReaderState) error {
	stop := context.AfterFunc(ctx, func() { c.Cancel() })
	defer stop()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := getStatusChange(c, states, waitSlice)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, scard.ErrTimeout), errors.Is(err, scard.ErrCancelled):
			continue // the loop checks ctx
		default:
			return mapError("wait for a card", err)
		}
	}
}

// Selector picks one reader from the list (in SCardListReaders order). A nil Selector picks the
// first reader that has a card, or else the first reader.
type Selector func(readers []ReaderStatus) (ReaderStatus, error)

func noReader(format string, args ...any) error {
	return fmt.Errorf("reader: pcsc: %w: %s", reader.ErrNoReader, fmt.Sprintf(format, args...))
}

func firstWithCard(readers []ReaderStatus) (ReaderStatus, error) {
	if len(readers) == 0 {
		return ReaderStatus{}, noReader("no PC/SC reader attached")
	}
	for _, r := range readers {
		if r.CardPresent {
			return r, nil
		}
	}
	return readers[0], nil
}

// ByName selects the reader whose name is exactly name.
func ByName(name string) Selector {
	return func(readers []ReaderStatus) (ReaderStatus, error) {
		for _, r := range readers {
			if r.Name == name {
				return r, nil
			}
		}
		return ReaderStatus{}, noReader("no reader named %q", name)
	}
}

// ByIndex selects the i-th reader (from 0) in SCardListReaders order.
func ByIndex(i int) Selector {
	return func(readers []ReaderStatus) (ReaderStatus, error) {
		if i < 0 || i >= len(readers) {
			return ReaderStatus{}, noReader("no reader #%d (%d attached)", i, len(readers))
		}
		return readers[i], nil
	}
}

// BySubstring selects the reader whose name contains s (case-insensitive); among several, the
// only one with a card wins, otherwise the choice is ambiguous and an error.
func BySubstring(s string) Selector {
	return func(readers []ReaderStatus) (ReaderStatus, error) {
		var match, withCard []ReaderStatus
		for _, r := range readers {
			if strings.Contains(strings.ToLower(r.Name), strings.ToLower(s)) {
				match = append(match, r)
				if r.CardPresent {
					withCard = append(withCard, r)
				}
			}
		}
		switch {
		case len(match) == 1:
			return match[0], nil
		case len(withCard) == 1:
			return withCard[0], nil
		case len(match) == 0:
			return ReaderStatus{}, noReader("no reader name contains %q", s)
		}
		names := make([]string, len(match))
		for i, r := range match {
			names[i] = strconv.Quote(r.Name)
		}
		return ReaderStatus{}, noReader("%q matches %d readers: %s", s, len(match), strings.Join(names, ", "))
	}
}

// ParseSelector reads a selection as typed by a user: "" is the default (nil), "#2" or "2" an
// index, anything else an exact name or, failing that, a substring.
func ParseSelector(s string) Selector {
	if s == "" {
		return nil
	}
	if i, err := strconv.Atoi(strings.TrimPrefix(s, "#")); err == nil {
		return ByIndex(i)
	}
	byName, bySub := ByName(s), BySubstring(s)
	return func(readers []ReaderStatus) (ReaderStatus, error) {
		if r, err := byName(readers); err == nil {
			return r, nil
		}
		return bySub(readers)
	}
}
