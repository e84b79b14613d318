package reader

import (
	"context"
	"slices"
	"sync"
	"time"
)

// recorder runs exchanges through a Redactor in the card's order and hands each entry to emit.
type recorder struct {
	mu   sync.Mutex // held for a whole exchange, so entries follow the card's order
	red  *Redactor
	now  func() time.Time
	seq  int
	emit func(context.Context, Entry)
}

func newRecorder(reveal bool, now func() time.Time, emit func(context.Context, Entry)) *recorder {
	if now == nil {
		now = time.Now
	}
	return &recorder{red: NewRedactor(reveal), now: now, emit: emit}
}

func (r *recorder) transmit(ctx context.Context, inner Transport, cmd []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := r.now()
	rsp, err := inner.Transmit(ctx, cmd)
	end := r.now()
	e := r.red.Redact(cmd, rsp, err)
	r.seq++
	e.Seq, e.Start, e.Duration = r.seq, start, end.Sub(start)
	r.emit(ctx, e)
	return rsp, err
}

func (r *recorder) reset(ctx context.Context, inner Transport) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := r.now()
	err := inner.Reset(ctx)
	end := r.now()
	e := Entry{Op: "RESET", Revealed: r.red.reveal}
	if err != nil {
		e.Err = err.Error()
		r.red.lost()
	} else {
		r.red.Reset()
	}
	r.seq++
	e.Seq, e.Start, e.Duration = r.seq, start, end.Sub(start)
	r.emit(ctx, e)
	return err
}

// TraceOptions configures NewTrace.
type TraceOptions struct {
	// Reveal turns redaction off; set it only when the user explicitly asked to see secrets.
	Reveal bool
	// Limit keeps only the most recent Limit entries (0 keeps all).
	Limit int
	// Now is the clock (nil: time.Now); tests set it for stable output.
	Now func() time.Time
}

// Trace is a Transport that records every exchange (and reset) of the transport it wraps as a
// redacted Entry in memory.
type Trace struct {
	inner Transport
	rec   *recorder
	limit int

	mu sync.Mutex
	// entries holds at most 2×limit entries; the last limit of them are the kept ones. Trimming
	// only when it is full moves limit entries once per limit appends: O(1) amortised.
	entries []Entry
	digest  TraceDigest
}

// TraceDigest sums up a whole trace, the exchanges a Limit dropped included.
type TraceDigest struct {
	Exchanges int           `json:"exchanges"`   // exchanges and resets recorded
	Bytes     int64         `json:"bytes"`       // command and response bytes, status words included
	Duration  time.Duration `json:"duration_ns"` // time spent waiting for the card
}

// NewTrace wraps t; the trace assumes t's card was just reset (no application selected).
func NewTrace(t Transport, opts TraceOptions) *Trace {
	tr := &Trace{inner: t, limit: opts.Limit}
	tr.rec = newRecorder(opts.Reveal, opts.Now, tr.add)
	return tr
}

func (t *Trace) add(_ context.Context, e Entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.digest.Exchanges++
	t.digest.Duration += e.Duration
	if t.limit > 0 && len(t.entries) == 2*t.limit {
		n := copy(t.entries, t.entries[t.limit:])
		clear(t.entries[n:]) // drop the strings the moved-out entries held
		t.entries = t.entries[:n]
	}
	t.entries = append(t.entries, e)
}

// Entries returns a copy of the recorded entries, oldest first: the most recent Limit of them.
func (t *Trace) Entries() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	kept := t.entries
	if t.limit > 0 && len(kept) > t.limit {
		kept = kept[len(kept)-t.limit:]
	}
	return slices.Clone(kept)
}

// Digest returns the count, bytes and time of every exchange recorded so far.
func (t *Trace) Digest() TraceDigest {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.digest
}

// Transmit sends cmd through the wrapped transport and records the exchange.
func (t *Trace) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	rsp, err := t.rec.transmit(ctx, t.inner, cmd)
	t.mu.Lock()
	t.digest.Bytes += int64(len(cmd) + len(rsp))
	t.mu.Unlock()
	return rsp, err
}

// Reset resets the wrapped transport and records it as an entry with Op "RESET".
func (t *Trace) Reset(ctx context.Context) error { return t.rec.reset(ctx, t.inner) }

// ATR returns the wrapped transport's ATR.
func (t *Trace) ATR() []byte { return t.inner.ATR() }

// Info returns the wrapped transport's target.
func (t *Trace) Info() Target { return t.inner.Info() }

// Close closes the wrapped transport; the entries stay readable.
func (t *Trace) Close() error { return t.inner.Close() }
