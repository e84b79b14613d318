// Package sm is taimen's one implementation of ISO/IEC 7816-4 secure messaging,
// used by the card emulator (card side: UnwrapCommand, WrapResponse) and by the
// reader (terminal side: WrapCommand, UnwrapResponse).
//
// It holds two schemes:
//
//   - The My Number Card text application's scheme (券面事項入力補助AP, CARD.md
//     §4.1, after soltia48/myna-card src/sm.rs): a session key delivered with
//     SET SESSION KEY under RSA-OAEP (SHA-256, MGF1-SHA-256, empty label),
//     AES-128-CBC with an IV derived from an implicit message counter, CLA 08,
//     DO'86' / DO'96', and no MAC. See NewTextSession and AcceptSessionKey.
//   - The ICAO Doc 9303 Part 11 scheme (Basic Access Control and 3DES secure
//     messaging with a retail MAC and a send sequence counter), proven byte for
//     byte against the worked example of Doc 9303 Part 11 Appendix D
//     (vectors/sm/icao9303-part11-appD.json). See NewBACTerminal,
//     BACCardAuthenticate, NewICAOTerminal and NewICAOCard.
//
// Both build on the same data-object codec (ParseObjects, Objects.Append),
// padding (Pad, Unpad) and typed errors (ErrMissingDO, ErrBadDO, ErrWrongMAC,
// ErrCounter, ErrBadPadding, ErrSessionClosed), and StatusFor maps an error to
// the status word a card answers. Sessions are not safe for concurrent use.
// Errors never carry plaintext, keys or counters of secrets: only tags,
// lengths and message counters.
package sm
