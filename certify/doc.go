// Package certify certifies a card reader — any program that reads a My
// Number Card over PC/SC — against emulated scenario cards, and writes a
// certification report. It is the engine of `taimen certify-reader`.
//
// # How a run works
//
// For each scenario (see Scenarios) the engine personalizes a fresh emulated
// card (emulator.New: new state directory, the scenario's faults and preset
// counters), starts a private pcscd in its own namespaces with the vpcd
// driver, attaches the card over vpcd, waits until PC/SC shows it present,
// and runs the reader command with sh -c. The command reaches the private
// daemon through PCSCLITE_CSOCK_NAME (pcscd.Daemon.Env), so any libpcsclite
// client works unchanged (ebfe/scard, pyscard, opensc-tool…). It receives the
// operator's input in the environment — TAIMEN_CHECK_CODE_B, wrong but
// well-formed in the "wrong-code" scenario — and {reader} (the PC/SC reader
// name) and {out} (an empty scratch directory) in its command line. It runs
// in its own process group, which is killed at the deadline (and after the
// command ends, to reap what it left behind).
//
// The reader is shown to the command as "Taimen Certification Reader 00 00",
// not vpcd's "Virtual PCD": a reader under test must not be able to tell the
// emulated card from a physical one, or it may run another code path than in
// the field. (taimen's own reader relaxes its last-try guard on readers it
// knows to be virtual; under certification it is judged as with a physical
// card.)
//
// Every APDU the card receives is recorded through emulator.Options.Observe,
// with contact events (power on/off, reset) from the vpcd side. Nothing
// secret is recorded: VERIFY data is reduced to the index of a distinct value
// (compared by a SHA-256 hash salted per scenario, discarded at the end),
// command data is kept only for SELECT, and responses only as a length.
//
// # Rules
//
// Rules (see Rules) are checked on the recorded APDU stream, on the command's
// exit status, on its stdout and stderr, and on the files it wrote:
//
//	RR-001 must    reads the remaining tries before VERIFY (an empty VERIFY on the same key
//	               before its first VERIFY with data); every scenario
//	RR-002 must    never sends a code the card rejected (63Cx, 6984) again; every scenario
//	RR-003 must    never uses the last try: no VERIFY with data on a key with one try left; one-try-left
//	RR-004 must    reports a blocked card instead of looping: at most one VERIFY with data per
//	               key, at most 6 VERIFYs in all, non-zero exit; blocked
//	RR-005 must    verifies the signature: rejects forged data; forged-data
//	RR-006 must    verifies the certificate chain: rejects an unknown CA; unknown-ca
//	RR-007 must    proves liveness (GET CHALLENGE, then 80 2A 00 00) and rejects a clone; good, clone
//	RR-008 must    does not present the unsigned expiry or security code as verified; good, changed-expiry
//	RR-009 should  falls back to short reads when extended length is refused; no-extended
//	RR-010 must    finishes or fails within the deadline; every scenario
//	RR-011 must    never prints or logs a check code or PIN; every scenario
//	RR-012 must    reads a genuine card (exit 0); good, slow, larger-files, smaller-files
//	RR-013 must    reports a failed read as a failure (non-zero exit); wrong-code, torn
//
// A rule that does not apply to a scenario is reported "not-applicable". The
// verdict is "fail" when any must-rule fails, "error" when a scenario could
// not be run (a harness problem) and nothing failed, else "pass".
//
// "Rejects" (RR-005, RR-006, RR-007) means: exits non-zero, or exits 0 but
// says the card is not authentic — a phrase such as "not authentic",
// "forged", "untrusted", "invalid signature", "signature: FAIL", "偽造", or a
// JSON value on stdout with "authentic" (or "authenticated", "genuine") false.
//
// RR-008 is exact for taimen's JSON (the "expiry" and "security code" fields
// must have "signed": false) and a heuristic for other readers: it fails when
// a JSON object on stdout names the expiry or security code (by key, by a
// short string value, or by the expiry date itself) next to a true "signed",
// "verified", "authentic", "authenticated", "trusted" or "valid" (or a key
// such as "expiry_verified" is true); or when a line of stdout or stderr shows
// the expiry date (YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日)
// or names either field, and claims verification on that line (verified,
// authentic, signed, genuine, trusted, ✓, 検証済, 真正…) without a negation
// (not, no, un…, ⚠, 未, ない…). A reader that claims "all verified" on one line
// and prints the expiry on another is not caught: the heuristic looks for
// clear claims only.
//
// RR-011 searches stdout, stderr and every file under the scenario's scratch
// directory ({out} and the TAIMEN_HISTORY file) for check code B, the wrong
// code given, and check code A, in ASCII and as the hex of the ASCII digits
// (as an APDU log shows them), after folding case and dropping separators
// (white space, ':', '-', '_', '.', ','). PINs are not given to the reader,
// so they cannot leak; the 6-digit birth-date key is not searched (it is the
// era birth date, which a reader may legitimately print).
//
// # Scenarios
//
//	good            a genuine card
//	wrong-code      the operator's check code B is wrong (another security code)
//	one-try-left    surface/0012 and text/0015 preset to one try; the code is right
//	blocked         surface/0012 and text/0015 preset to 0
//	forged-data     fault forged-data (DF27 changed after signing)
//	unknown-ca      fault unknown-ca
//	clone           fault clone (challenges signed with another key)
//	changed-expiry  fault changed-expiry (DF29 changed; the signature still verifies)
//	slow            fault slow=200ms
//	torn            fault torn=4; the card is then pulled and not put back
//	no-extended     fault no-extended-length (6700 to extended APDUs)
//	larger-files    a profile copy whose surface/0002 is 4096+ bytes longer than its TLV,
//	                rounded to a multiple of 256 (a chunked read ends on 6B00)
//	smaller-files   a profile copy without ef_sizes: no filler after any TLV
//
// The profile copies are written into the run's temporary directory; myna
// resolves a profile's image and key paths relative to its file (absolute
// paths are refused), so the copy names the original files by relative paths.
//
// # Reports
//
// Report is the JSON document "taimen.certification/v1" (see its fields);
// WriteJUnit writes JUnit XML with one testsuite per scenario and one testcase
// per scenario × rule (not-applicable as skipped, harness errors as errors);
// WriteHTML writes one self-contained page (inline CSS, no script). Reports
// hold no check code, PIN or APDU data; the tail of the reader's output is
// included only when it holds no check code.
//
// # Rule sets and the signed statement
//
// Options.RuleSet selects a named rule set (RuleSets, in rulesets.go): only
// its rules are judged and decide the verdict, and the reports name it.
// "face-to-face-2027" is the compliance profile of docs/face-to-face-2027.md.
// Report.WriteStatement writes statement.intoto.json: an in-toto Statement v1
// over the SHA-256 of the report files (and of the reader's executable),
// predicate type PredicateType, in a DSSE envelope signed with Ed25519;
// VerifyStatement checks the signature, the form and every digest.
package certify
