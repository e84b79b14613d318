package target

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// ErrFloor is returned instead of sending a VERIFY that could leave a counter
// of a physical card below the run's floor: the run stops rather than risk a
// lockout of someone's card.
var ErrFloor = errors.New("stopped before a counter could fall below the floor")

// floorGuard wraps the transport to a physical card. Before every VERIFY
// with data it reads the key's tries (an empty VERIFY) and refuses when a
// wrong value would leave fewer than floor tries; it remembers every key it
// saw fall, so that Restore can reset them with the correct codes.
type floorGuard struct {
	reader.Transport
	floor int
	saw   func(key string, tries int) // told the fewest tries each VERIFY with data may leave

	mu      sync.Mutex
	app     myna.App
	ef      myna.FileID
	touched map[string]int // "app/FID" → tries seen before the first VERIFY
	// restored is set once Restore has sent a VERIFY to put back a counter the spec left spent.
	restored bool
}

func newFloorGuard(t reader.Transport, floor int) *floorGuard {
	return &floorGuard{Transport: t, floor: floor, touched: map[string]int{}}
}

// Transmit follows SELECTs (to know which key a VERIFY names) and checks VERIFYs.
func (g *floorGuard) Transmit(ctx context.Context, raw []byte) ([]byte, error) {
	cmd, err := apdu.ParseCommand(raw)
	if err != nil || cmd.CLA&0x0C != 0 {
		return g.Transport.Transmit(ctx, raw) // not ours to judge: malformed or secure messaging
	}
	g.mu.Lock()
	switch {
	case cmd.INS == 0xA4 && cmd.P1 == 0x04:
		g.app, _ = myna.AppByAID(cmd.Data)
		g.ef = 0
	case cmd.INS == 0xA4 && cmd.P1 == 0x02 && len(cmd.Data) == 2:
		g.ef = myna.FileID(cmd.Data[0])<<8 | myna.FileID(cmd.Data[1])
	}
	key, app := g.ef, g.app
	if sfi := cmd.P2 & 0x1F; cmd.P2&0x80 != 0 && sfi != 0 {
		key = myna.FileID(sfi)
	}
	g.mu.Unlock()
	if (cmd.INS != 0x20 && cmd.INS != 0x24) || len(cmd.Data) == 0 || cmd.P2&0x80 == 0 {
		return g.Transport.Transmit(ctx, raw)
	}
	name := fmt.Sprintf("%s/%s", app, key)
	q := myna.VerifyP2(cmd.P2, nil)
	q.CLA = cmd.CLA
	rsp, err := g.Transport.Transmit(ctx, q.MustBytes())
	if err != nil {
		return nil, err
	}
	r, err := apdu.ParseResponse(rsp)
	if err != nil {
		return nil, err
	}
	tries, ok := r.SW.Retries()
	switch {
	case r.SW == apdu.SWReferenceDataBlocked || r.SW == apdu.SWAuthMethodBlocked || (ok && tries == 0):
		// Already blocked: nothing can be spent, the spec may see what the card answers.
		return g.Transport.Transmit(ctx, raw)
	case !ok && g.floor == 0:
		return g.Transport.Transmit(ctx, raw) // nothing to keep: the tries query's answer does not matter
	case !ok:
		return nil, fmt.Errorf("%w: %s answered %s to a tries query", ErrFloor, name, r.SW.String())
	}
	if tries-1 < g.floor {
		return nil, fmt.Errorf("%w: %s has %d tries left, the floor is %d", ErrFloor, name, tries, g.floor)
	}
	g.mu.Lock()
	if _, seen := g.touched[name]; !seen {
		g.touched[name] = tries
	}
	g.mu.Unlock()
	if g.saw != nil {
		g.saw(name, tries-1)
	}
	return g.Transport.Transmit(ctx, raw)
}

// secretFor maps a key reference to the code that resets it.
func (c Codes) secretFor(app myna.App, key myna.FileID) myna.Secret {
	d, ok := myna.LookupEF(app, key)
	if !ok {
		return nil
	}
	return c.Of(d.Secret)
}

// Restore resets every counter the spec saw fall by verifying the correct
// code, and reports the keys it could not restore.
func (g *floorGuard) Restore(ctx context.Context, codes Codes) error {
	g.mu.Lock()
	touched := g.touched
	g.touched = map[string]int{}
	g.mu.Unlock()
	if len(touched) == 0 {
		return nil
	}
	if err := g.Transport.Reset(ctx); err != nil {
		return fmt.Errorf("restore counters: %w", err)
	}
	// The restoring VERIFY carries the operator's correct code; should that code
	// be wrong after all, it still never spends the last try — unless the run
	// was allowed to be destructive (no floor), where the last try is the
	// run's to spend.
	guard := reader.Guard{Floor: 1}
	if g.floor == 0 {
		guard = reader.Guard{AllowLastTry: true}
	}
	s := reader.NewSession(g.Transport, guard)
	var errs []error
	for name := range touched {
		ref, err := myna.ParseEFRef(name)
		if err != nil {
			continue
		}
		if err := s.SelectApp(ctx, ref.App); err != nil {
			errs = append(errs, err)
			continue
		}
		now, err := s.Tries(ctx, ref.ID)
		if err != nil || now >= touched[name] {
			continue
		}
		secret := codes.secretFor(ref.App, ref.ID)
		if secret == nil {
			errs = append(errs, fmt.Errorf("restore %s: no code for it in the environment", name))
			continue
		}
		g.restored = true
		if err := s.Verify(ctx, ref.ID, secret); err != nil {
			errs = append(errs, fmt.Errorf("restore %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
