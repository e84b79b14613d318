// Package myna describes what the My Number Card (個人番号カード) is, for both
// sides of taimen: the card emulator and the reader.
//
// It holds the application identifiers and file identifiers of the card's
// applications, each application's files with their kind and access
// condition (as data, see Applications and Access), the check codes and PINs
// with their form rules (CheckCodeA, CheckCodeB, BirthDateKey, AuthPIN,
// SignPassword, TextPIN, JukiPIN), the Japanese era calendar needed to build
// check code B (ToEra, FromEra), and the card profile: the personalization of
// one synthetic person, loaded from a versioned JSON file (LoadProfile).
//
// Secrets never print their value: String, every fmt verb, JSON, text and
// slog output are redacted, and the value is held masked in memory so that
// reflection-based printers do not show it either. Reveal returns the value
// when the user explicitly asks for it. Errors name the rule that failed,
// never the value that failed it.
//
// The package holds no card behaviour: the emulator and the reader decide what
// to do with these facts.
package myna
