package reader

import (
	"context"
	"log/slog"
)

// LoggingOptions configures NewLogging.
type LoggingOptions struct {
	// Reveal turns redaction off; set it only when the user explicitly asked to see secrets.
	Reveal bool
	// Level is the level of exchange lines (nil: slog.LevelDebug); failed exchanges log at Warn
	// or above.
	Level slog.Leveler
}

// Logging is a Transport that writes one slog line per exchange (and reset) of the transport it
// wraps, built from the redacted Entry: raw APDU bytes are never logged.
type Logging struct {
	inner  Transport
	rec    *recorder
	logger *slog.Logger
	level  slog.Level
}

// NewLogging wraps t, logging to logger (nil: slog.Default()); it assumes t's card was just reset.
func NewLogging(t Transport, logger *slog.Logger, opts LoggingOptions) *Logging {
	if logger == nil {
		logger = slog.Default()
	}
	level := slog.LevelDebug
	if opts.Level != nil {
		level = opts.Level.Level()
	}
	l := &Logging{inner: t, logger: logger, level: level}
	l.rec = newRecorder(opts.Reveal, nil, l.log)
	return l
}

func (l *Logging) log(ctx context.Context, e Entry) {
	level := l.level
	if e.Err != "" && level < slog.LevelWarn {
		level = slog.LevelWarn
	}
	if !l.logger.Enabled(ctx, level) {
		return
	}
	l.logger.LogAttrs(ctx, level, "apdu", e.attrs()...)
}

// attrs returns the entry as flat slog attributes, leaving out empty ones.
func (e Entry) attrs() []slog.Attr {
	a := []slog.Attr{slog.Int("seq", e.Seq), slog.String("op", e.Op)}
	add := func(k, v string) {
		if v != "" {
			a = append(a, slog.String(k, v))
		}
	}
	add("object", e.Object)
	add("command", e.Command)
	add("response", e.Response)
	add("sw", e.SW)
	a = append(a, slog.Duration("duration", e.Duration))
	add("error", e.Err)
	add("redacted_command", e.RedactedCommand)
	add("redacted_response", e.RedactedResponse)
	if e.Revealed {
		a = append(a, slog.Bool("revealed", true))
	}
	return a
}

// Transmit sends cmd through the wrapped transport and logs the exchange.
func (l *Logging) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	return l.rec.transmit(ctx, l.inner, cmd)
}

// Reset resets the wrapped transport and logs it.
func (l *Logging) Reset(ctx context.Context) error { return l.rec.reset(ctx, l.inner) }

// ATR returns the wrapped transport's ATR.
func (l *Logging) ATR() []byte { return l.inner.ATR() }

// Info returns the wrapped transport's target.
func (l *Logging) Info() Target { return l.inner.Info() }

// Close closes the wrapped transport.
func (l *Logging) Close() error { return l.inner.Close() }
