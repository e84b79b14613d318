package reader

import "errors"

// Typed transport errors: every transport error of this package and of reader/pcsc wraps one of
// them (and the underlying cause, if any), or ctx.Err() when the caller's context ended first.
var (
	// ErrNoReader means that no reader is attached, or none matches the selection.
	ErrNoReader = errors.New("no reader")
	// ErrNoService means that the PC/SC service (pcscd) is not running or stopped: no reader can
	// be listed at all, which is not the same as none being attached.
	ErrNoService = errors.New("the PC/SC service (pcscd) is not running")
	// ErrNoCard means that the reader has no card (or no usable one).
	ErrNoCard = errors.New("no card in the reader")
	// ErrCardRemoved means that the card was removed, reset or lost power during the session: its
	// security state is gone and the command may or may not have been executed.
	ErrCardRemoved = errors.New("card removed, reset or unpowered")
	// ErrReaderBusy means that the reader is held by another application, or by a previous command
	// of this transport that has not returned yet.
	ErrReaderBusy = errors.New("reader busy")
	// ErrTimeout means that the per-command deadline passed before the card answered.
	ErrTimeout = errors.New("card did not answer before the command deadline")
	// ErrTransport is any other failure of the transport (closed transport, daemon error, …).
	ErrTransport = errors.New("transport failure")
)
