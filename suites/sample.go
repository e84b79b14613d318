package suites

// Sampled reports whether heavy specs take a sample instead of their
// exhaustive sweep: on a physical card (and so on a relay of one) every APDU
// costs 5–20 ms over NFC, and a default run of every area stays within its
// APDU budget (docs/APDU-BUDGET.md); the emulator, in-process or behind vpcd,
// runs every sweep whole. Each sampling spec says in its Checks what it
// samples.
func Sampled() bool { return Current().Physical() }
