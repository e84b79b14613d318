// Package apdu is taimen's one codec for ISO/IEC 7816-4 command and response
// APDUs, status words and BER-TLV, shared by the card emulator and the reader.
//
// Decoding never panics: malformed input returns a *SyntaxError that wraps
// ErrMalformed. Slices returned by decoders alias their input.
package apdu
