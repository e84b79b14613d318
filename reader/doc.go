// Package reader is the client side of taimen: the transports that carry APDUs
// to a card (the in-process emulator, or PC/SC with pcscd, with vpcd or a
// physical reader), and wrappers that record them (Trace) or log them (Logging)
// with check codes, PINs and personal data redacted by default.
//
// Every transport returns errors that wrap one of ErrNoReader, ErrNoCard,
// ErrCardRemoved, ErrReaderBusy, ErrTimeout or ErrTransport, so that callers
// branch with errors.Is; a cancelled context gives an error wrapping ctx.Err().
//
// A command that outlives its deadline (a "mute" card) is abandoned: the call
// returns ErrTimeout at the deadline, and the transport refuses further commands
// with ErrReaderBusy while the abandoned one is still running. When it finally
// returns, the card is powered off (emulator) or disconnected with a reset
// (PC/SC), as a reader deactivates a mute card; later commands fail with
// ErrCardRemoved until Reset. The card's state after a timed-out command is
// unknown (a VERIFY may have spent a try), so nothing is retried on its own.
package reader
