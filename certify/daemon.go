package certify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ebfe/scard"
	"github.com/taimen-dev/taimen/pcscd"
)

// The scenarios of a run share one private pcscd: starting one costs 0.3–1 s,
// more than most scenarios. Each scenario attaches its own card over vpcd
// and detaches it as it ends; the reader under test cannot outlive its
// scenario (its sandbox's PID namespace dies with it), so pcscd drops its
// contexts. A scenario that did not end cleanly, or a card pcscd does not see
// go, costs the daemon: the next scenario starts a fresh one.

// absentLimit bounds the wait for pcscd to see a scenario's card go.
const absentLimit = 5 * time.Second

// pcscd returns the run's private pcscd, starting one if none is running. A
// daemon kept from the scenario before serves this one once it has seen that
// scenario's card go; otherwise it is replaced.
func (e *engine) pcscd(ctx context.Context) (*pcscd.Daemon, error) {
	if e.daemon != nil {
		select {
		case <-e.daemon.Done(): // it died: start another
			e.stopPCSCD()
		default:
			if waitCard(ctx, e.daemon, e.reader, false, absentLimit) == nil {
				return e.daemon, nil
			}
			e.stopPCSCD()
		}
	}
	d, err := pcscd.Start(ctx, pcscd.Options{ReaderConfDir: e.confDir})
	if err != nil {
		return nil, err
	}
	e.daemon = d
	return d, nil
}

// release ends a scenario's use of the daemon, after its card was detached:
// the daemon is kept for the next scenario when the scenario ended cleanly,
// and stopped otherwise.
func (e *engine) release(ctx context.Context, clean bool) {
	if !clean || ctx.Err() != nil {
		e.stopPCSCD()
	}
}

// stopPCSCD stops the shared daemon, if one runs.
func (e *engine) stopPCSCD() {
	if e.daemon != nil {
		_ = e.daemon.Stop()
		e.daemon = nil
	}
}

// waitCard waits until the daemon shows a card in the reader (present) or
// shows the reader without one (!present), asking over PC/SC from this
// process.
func waitCard(ctx context.Context, d *pcscd.Daemon, reader string, present bool, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	release, err := d.UseInProcess(ctx)
	if err != nil {
		return err
	}
	defer release()
	var sc *scard.Context
	defer func() {
		if sc != nil {
			_ = sc.Release()
		}
	}()
	rs := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	var last error
	for ctx.Err() == nil {
		if sc == nil {
			if sc, err = scard.EstablishContext(); err != nil {
				sc, last = nil, err
				time.Sleep(20 * time.Millisecond)
				continue
			}
		}
		err := sc.GetStatusChange(rs, 200*time.Millisecond)
		switch {
		case err == nil:
			if (rs[0].EventState&scard.StatePresent != 0) == present {
				return nil
			}
			rs[0].CurrentState = rs[0].EventState &^ scard.StateChanged
		case errors.Is(err, scard.ErrTimeout):
		default:
			last = err // the reader is not listed yet
			rs[0].CurrentState = scard.StateUnaware
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !present {
		return fmt.Errorf("the card stayed in reader %q for %s after it was detached (last PC/SC error: %v)", reader, limit, last)
	}
	return fmt.Errorf("no card in reader %q after %s (last PC/SC error: %v)", reader, limit, last)
}
