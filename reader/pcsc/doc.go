// Package pcsc is the PC/SC transport of the reader client, on github.com/ebfe/scard and
// pcsc-lite: it lists readers, picks one (by exact name, substring or index), waits for a card,
// and carries APDUs with a per-command deadline. The same code drives a physical reader and the
// emulator behind pcscd's vpcd driver ("Virtual PCD 00 00").
//
// Choices:
//
//   - Share mode: SCARD_SHARE_EXCLUSIVE for the whole session, not BeginTransaction. A flow is a
//     sequence (SELECT, VERIFY, READ BINARY…) whose meaning depends on the card's volatile state;
//     with a shared connection, another application could select another application between
//     two commands (clearing the verified state), or read files this session opened with a check
//     code. Exclusive mode shuts both out; the price is ErrReaderBusy while another application
//     holds the card. Close disconnects with SCARD_RESET_CARD, so no verified state outlives the
//     session.
//   - Protocol: T=0 or T=1 (SCARD_PROTOCOL_ANY). My Number cards use T=1 on contact and the
//     reader's T=1 mapping contactless; accepting T=0 costs nothing because apdu.Exchange follows
//     61xx/6Cxx.
//   - Deadlines: pcsc-lite serializes the calls of one context, and neither SCardCancel,
//     SCardDisconnect nor SCardReleaseContext ends a blocked SCardTransmit (measured with
//     pcsc-lite 1.9.9 and vpcd, which has no receive timeout). So when a deadline can end a
//     command (Options.CommandTimeout, or a cancellable context), SCardTransmit runs on its own
//     goroutine; at the deadline Transmit returns ErrTimeout and abandons the call, the
//     transport answers ErrReaderBusy until the call returns, and the goroutine then disconnects
//     the card with a reset (and releases the context if Close was called meanwhile). The call
//     returns when the reader driver gives up: a CCID reader after the card's waiting time, vpcd
//     only when the card process closes its connection. Connect and Reconnect are bounded the
//     same way.
//   - The client library reads PCSCLITE_CSOCK_NAME (the daemon's socket) once per process, at
//     the first PC/SC call: a test must set it before any call, and one process talks to one
//     pcscd.
package pcsc
