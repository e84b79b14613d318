// Package certify certifies a card reader — any program that reads a My
// Number Card over PC/SC — against emulated scenario cards, and writes a
// certification report. It is the engine of `taimen certify-reader`.
//
// # How a run works
//
// For each scenario (see Scenarios) the engine personalizes a fresh emulated
// card (emulator.New: new state directory, the scenario's faults and preset
// counters), attaches it over vpcd to a private pcscd in its own namespaces
// (one the scenarios share: the card of each is detached as it ends, and a
// scenario that pulled its card mid-command or failed leaves the next one a
// fresh daemon), waits until PC/SC shows it present,
// and runs the reader command with sh -c in a sandbox (see below). The
// command reaches the private daemon through PCSCLITE_CSOCK_NAME, so any
// libpcsclite client works unchanged (ebfe/scard, pyscard, opensc-tool…). It
// receives the operator's input in the environment — TAIMEN_CHECK_CODE_B,
// wrong but well-formed in the "wrong-code" scenario — and {reader} (the
// PC/SC reader name), {out} (an empty directory) and {card_image} in its command line. It
// runs in its own process group, which is killed at the deadline (and after
// the command ends, to reap what it left behind).
//
// # Sandbox
//
// The command line is
//
//	strace -f … -o LOG -- setpriv --reuid U --regid U --clear-groups --no-new-privs \
//	  bwrap --ro-bind / / --dev /dev --proc /proc --bind … --unshare-net --unshare-pid \
//	  --unshare-ipc --die-with-parent --new-session --chdir DIR sh -c LINE
//
// strace runs as root outside the sandbox, so its log is out of the
// reader's reach; the reader runs as Options.UID (default 65534). It sees
// the host's file system read-only, except for fresh, empty, writable
// places, all directories of one tmpfs per scenario (Options.SandboxSize,
// default 64 MiB) that the engine mounts and, after the at-rest scan,
// unmounts: HOME=/run/taimen/home with the XDG_* directories in their usual
// places under it, XDG_RUNTIME_DIR=/run/user/U, TMPDIR=/tmp, /tmp,
// /var/tmp, /dev/shm, {out}=/run/taimen/out and
// TAIMEN_HISTORY=/run/taimen/history.jsonl. The rest of /run is read-only
// and holds pcscd/pcscd.comm, a relay (this process) to the private
// daemon's socket, which an unprivileged uid may not reach through
// /proc/<pid>/root. Its network namespace has loopback only; its PID
// namespace dies with the command, so a daemon it forks dies too. The
// working directory is Options.Dir (default this process's) unless the
// sandbox hides it (then HOME).
//
// Files the command wrote are named by the path it saw: "~/…" under HOME,
// "{out}/…" under {out}, else the absolute path ("/tmp/log.txt"). A command
// that is not found (sh exits 127) or not executable (126), a sandbox that
// could not start, or a command that filled its tmpfs makes the scenario an
// error that says so.
//
// {card_image} is always substituted, in every scenario: the path of a PNG of
// the scenario card's front (internal/cardimage, ID-1 at 300 dpi; also in
// TAIMEN_CERTIFY_CARD_IMAGE). Two scenarios withhold TAIMEN_CHECK_CODE_B: in
// "image-only" the operator gives nothing but the image, and the reader must
// read the birth date, expiry year and security code from it; in
// "manual-date" the operator types them: TAIMEN_BIRTH_DATE (Gregorian,
// YYYY-MM-DD), TAIMEN_EXPIRY_YEAR and TAIMEN_SECURITY_CODE, and the reader
// must convert the date to the card's form (the era year for most cards). One
// command line serves all scenarios, so a reader that can take the image
// should use it only when no code is in its environment; taimen's own
// `read face --card-image '{card_image}'` does exactly that.
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
// (compared by a SHA-256 hash salted per scenario, discarded at the end) and
// a mark saying whether it is the card's check code B (its salted hash is
// compared the same way; RR-016 reads the mark),
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
//	RR-007 must    proves liveness (80 2A 00 00 over fresh data: the reader's own unpredictable
//	               nonce, or the card's GET CHALLENGE; data signed in an earlier scenario of the
//	               certification is a replayable constant and fails) and rejects a clone; good, clone
//	RR-008 must    does not present the unsigned expiry or security code as verified; good, changed-expiry
//	RR-009 should  falls back to short reads when extended length is refused; no-extended
//	RR-010 must    finishes or fails within the deadline; every scenario
//	RR-011 must    never prints or logs a check code or PIN; every scenario
//	RR-012 must    reads a genuine card (exit 0); good, slow, larger-files, smaller-files,
//	               image-only, manual-date
//	RR-013 must    reports a failed read as a failure (non-zero exit); wrong-code, torn
//	RR-014 must    keeps no personal data at rest (outside a declared record store); every scenario
//	RR-015 must    sends nothing off the machine: no connection, datagram or DNS lookup
//	               (loopback included) except to --allow-net endpoints; every scenario
//	RR-016 must    builds the right check code B from the card image or the typed birth date:
//	               every VERIFY with data on a check-code-B key carries the card's check
//	               code B (the era conversion included), at least one does, and the read
//	               succeeds; image-only, manual-date
//	RR-017 must    fails cleanly on a card that is not a My Number Card's face: no VERIFY at
//	               all, non-zero exit within the deadline, and says why; jpki-token, not-mynumber
//	RR-018 should  reads the next-generation card (provisional) without assuming RSA or an era
//	               date: RR-016's check on that card, whose face prints a Western date and
//	               whose card key is ECDSA P-384; nextgen-provisional
//
// A rule that does not apply to a scenario is reported "not-applicable". The
// verdict is "fail" when any must-rule fails, "error" when a scenario could
// not be run (a harness problem) and nothing failed, else "pass".
//
// "Rejects" (RR-005, RR-006, RR-007) means: exits non-zero, or exits 0 but
// says the card is not authentic. What it says is read from {out}/result.json
// when the reader wrote one (see "The result file" below): it rejects when
// "authentic" is false, "outcome" is other than "ok", or "error" is set; and
// accepts otherwise, whatever it printed. Without a usable result file, the
// output decides: a phrase such as "not authentic", "forged", "untrusted",
// "invalid signature", "signature: FAIL", "偽造", or a JSON value on stdout
// with "authentic" (or "authenticated", "genuine") false.
//
// RR-017 "says why" when result.json's "outcome" is "jpki-only-token" or
// "not-my-number-card", or its "error" names the reason, or else the output
// does: "not a My Number Card", "no My Number application", "no card-surface
// application", "JPKI-only", "token", "スマートフォン", "マイナンバーカードではありません",
// "券面事項確認APがありません"… Any VERIFY, even an empty one (a tries query),
// fails the rule: neither card has a key worth asking about.
//
// # The result file
//
// A reader under test may write its result to {out}/result.json (ResultFile)
// in the schema "taimen.read/v1", the JSON `taimen read --json` prints and
// `taimen read face --out DIR` writes to DIR/result.json. The engine reads only
// these members, and uses the file only when "schema" is "taimen.read/v1" and
// "authentic" is a boolean:
//
//	schema     "taimen.read/v1"
//	authentic  the reader's verdict on the card (false after any failure)
//	outcome    "ok", or why not: "not-authentic", "wrong-code", "blocked",
//	           "refused", "card-removed", "jpki-only-token",
//	           "not-my-number-card", "error"
//	error      why the read failed, in words (optional)
//
// A file that is absent, malformed, larger than 1 MiB, not a regular file (a
// symbolic link is not followed), or in another schema is ignored, and the
// phrases decide. The file is at rest like any other the reader writes: it
// must hold no personal data.
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
// RR-011 searches stdout, stderr, every file written anywhere in the
// sandbox, the command line of every program the sandbox ran, and their
// environment variables except the TAIMEN_* inputs the engine set (all seen
// by strace's execve records) for check code B, the wrong code given, check code A and the profile's PINs (text,
// auth, juki PIN and sign password): in ASCII and as the hex of the ASCII (as
// an APDU log shows them), after folding case and dropping separators (white
// space, ':', '-', '_', '.', ','); in base64 of the ASCII (standard and URL
// alphabets, padded or not); and as JSON/JavaScript \uXXXX escapes. A value
// shorter than eight characters (a PIN) counts in ASCII only as a whole
// token: not next to a letter, digit, '.', '-', ':' or '/', so that a PIN is
// not found in every date, time or longer number. PINs are not given to the
// reader, but a reader may hold them from elsewhere. The 6-digit birth-date
// key is not searched (it is the era birth date, which a reader may
// legitimately print; RR-014 looks for it in files).
//
// RR-014 searches every file the command wrote ({out} included; with the
// sandbox, anywhere it could write) for the scenario card's personal data, in
// every form a program might store it (see personalData): the name and
// address in UTF-8, UTF-16LE/BE and Shift_JIS (the name also without spaces,
// the address also NFKC-normalized); the birth date as 1980-02-17, 19800217,
// 1980/02/17, S55.2.17, S55.02.17, 昭和55年2月17日 and 550217 (digit-only forms
// only as a whole run of digits, not inside a timestamp); the individual
// number and the card serial (whole digit runs); the face photo, name,
// address, security-code and number images and the JPKI holder certificates
// (read from an in-process card as a reader reads them) as raw bytes, hex,
// base64 and base64url at any alignment within a longer encoding, by SHA-256
// (hex and raw digest), and the certificates as PEM; and the check codes and
// PINs RR-011 found in files. Any hit fails, except under the record store
// declared with Options.Records (--records), whose content is listed in the
// report for a reviewer. Findings name the file, the datum and the encoding,
// never the value; file names are scrubbed too.
//
// RR-015 parses strace's log (trace=%network,execve): every connect, sendto,
// sendmsg and sendmmsg to an AF_INET or AF_INET6 address, by any process of
// the sandbox, is an attempt (port 53: a DNS lookup); Unix and netlink
// sockets are not. An attempt to an endpoint declared in Options.AllowNet
// (HOST:PORT; a host name is resolved at the start of the run, and makes DNS
// lookups allowed) passes and is listed; any other fails the rule, named by
// address, port and protocol. A trace cut short (its 32 MiB tmpfs full)
// fails it too. io_uring network operations are not seen by strace; they
// cannot leave the machine either.
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
//	image-only      a genuine card; the operator gives only {card_image}, no TAIMEN_CHECK_CODE_B
//	manual-date     a genuine card; TAIMEN_BIRTH_DATE (Gregorian), TAIMEN_EXPIRY_YEAR and
//	                TAIMEN_SECURITY_CODE instead of TAIMEN_CHECK_CODE_B
//	jpki-token      a smartphone's JPKI-only token (myna.FormJPKITokenAndroid): the JPKI
//	                application only, token JPKIAPGPSETOKEN, ATR 3B 80 80 01 01; every other
//	                application answers 6A82
//	not-mynumber    a card with no My Number application (myna.FormNotMyNumber): every
//	                SELECT by AID answers 6A82; a blank JavaCard's ATR
//	nextgen-provisional  the provisional next-generation card, profile p10-nextgen-provisional
//	                beside the given one (AIDs and layout invented, to be replaced by the
//	                published specification): ECDSA P-384 card key, Western birth date on
//	                the face, card-surface and JPKI applications only; the operator gives
//	                only {card_image}. Judged by RR-018 (should) and the every-scenario rules
//
// The profile copies are written into the run's temporary directory; myna
// resolves a profile's image and key paths relative to its file (absolute
// paths are refused), so the copy of a profile on disk names the original
// files by relative paths, and the copy of a profile embedded in the binary
// (vectors) takes copies of its images and keys beside it.
//
// # Reports
//
// Report is the JSON document "taimen.certification/v1" (see its fields);
// WriteJUnit writes JUnit XML with one testsuite per scenario and one testcase
// per scenario × rule (not-applicable as skipped, harness errors as errors);
// WriteHTML writes one self-contained page (inline CSS, no script), with
// RR-014's findings and the record store's content as tables. Reports hold
// no check code, PIN, personal datum or APDU data. The tail of the reader's
// output is scrubbed with reports.Scrubber (every text form of the personal
// data, expiry, security code, codes and PINs, also in base64 and \u
// escapes), then searched again with everything RR-011 and RR-014 look for
// and for any 24-byte piece of an image or certificate (raw, hex or base64);
// if anything is left it is withheld (see tail.go for why it is scrubbed
// rather than hashed).
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
//
// # A physical card: RunRelay
//
// RunRelay (certify-reader --relay) runs RelayScenarios against a physical
// card, relayed into each scenario's pcscd with the scenario's stream faults;
// the other scenarios are reported skipped. How it keeps the card's counters
// (only the correct check code B passes outside wrong-code; wrong-code is
// refused below 3 tries and its spent tries restored with the correct code)
// is told in relaymode.go.
package certify
