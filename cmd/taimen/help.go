package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/shard"
	"github.com/taimen-dev/taimen/suites/target"
	"github.com/taimen-dev/taimen/vectors"
)

// What -h of a command prints, in this order: its synopsis and purpose (purposes), its flags,
// examples (examples), the TAIMEN_* variables it reads (commandEnv, described in envDocs) and
// the exit codes it can return (commandExits, described in exitCodes). Commands add their
// entries beside their code (init) or here.

// purposes are each command's usage lines, a blank line and what it is for.
var purposes = map[string]string{}

// examples are each command's examples, one a line, each starting "  taimen NAME".
var examples = map[string]string{}

// commandEnv lists the TAIMEN_* variables each command reads.
var commandEnv = map[string][]string{}

// commandExits lists the exit codes each command can return.
var commandExits = map[string][]int{}

// The variables that carry a physical card's codes.
var codeVars = []string{reader.EnvCheckCodeB, reader.EnvBirthDate, reader.EnvExpiryYear, reader.EnvSecurityCode,
	reader.EnvCheckCodeA, reader.EnvTextPIN, reader.EnvAuthPIN, reader.EnvSignPassword}

// envHistory names the read history file (reader.DefaultHistoryPath).
const envHistory = "TAIMEN_HISTORY"

// envDocs says what each TAIMEN_* variable a command reads holds.
var envDocs = map[string]string{
	reader.EnvCheckCodeB:   "check code B, 14 digits: birth date YYMMDD as printed (era year), expiry year, security code",
	reader.EnvBirthDate:    "instead of " + reader.EnvCheckCodeB + ", with the next two: the birth date, Gregorian YYYY-MM-DD",
	reader.EnvExpiryYear:   "the expiry year printed on the card (YYYY)",
	reader.EnvSecurityCode: "the 4-digit security code printed under the photo",
	reader.EnvCheckCodeA:   "check code A: the 12-digit individual number",
	reader.EnvTextPIN:      "the text application's 4-digit PIN",
	reader.EnvAuthPIN:      "the JPKI user-authentication PIN (4 digits)",
	reader.EnvSignPassword: "the JPKI signing password (6-16 characters)",
	reader.EnvLicencePIN:   "the driving-licence application's 4-digit PIN, or **** when the holder set none",
	envHistory:             "the read history file (default $XDG_STATE_HOME/taimen/history.jsonl, else ~/.local/state/taimen/history.jsonl)",
	target.EnvTarget:       "the target when --target is not given: emulator, vpcd or pcsc:READER",
	target.EnvProfile:      "the emulated card's profile when --profile is not given",
	target.EnvFaults:       "faults of the emulated card, comma-separated (taimen emulate --fault list)",
	shard.EnvShard:         "the shard of the specs when --shard is not given (I/N)",
}

// profileHelp is the help of a flag that names a profile.
func profileHelp(what string) string {
	return what + ": a built-in profile ID (" + strings.Join(vectors.ProfileIDs(), ", ") + "), a profile file or its directory"
}

func init() {
	purposes["read"] = `  taimen read face|surface-a|text|jpki [--reader NAME | --profile ID|FILE] [--json] [--out DIR | --result DIR] [--reveal]

Reads a card: face (check code B: the card face, its signature and the chip's liveness),
surface-a (check code A: also the individual number), text (the text application), jpki (the
certificates; --sign signs with the keys), licence (the driving-licence application, its data
checked against the issuing prefecture's key). Codes come from TAIMEN_* variables or a no-echo
prompt on a terminal, never from the command line; the prompt takes the birth date as printed
(昭和62年4月1日, S62.4.1, full-width digits too) or Gregorian, and checks each field as typed.
--timeout is the deadline of each command sent to the card, not of the whole read.`
	examples["read"] = "  taimen read face --profile p01-showa          # an emulated card; check code B from the prompt\n" +
		"  taimen read face --reader '#0' --out DIR       # a physical card; images owner-only in DIR\n" +
		"  taimen read face --reader '#0' --card-image front.png   # check code B read from a photo of the front (tesseract)\n"
	commandEnv["read"] = append(slices.Clone(codeVars), reader.EnvLicencePIN, envHistory)
	commandExits["read"] = []int{exitOK, exitError, exitUsage, exitWrongCode, exitBlocked, exitCardAbsent, exitNotAuthentic, exitRefused, exitSetup, exitNotCardFace}

	purposes["status"] = `  taimen status [--reader NAME | --profile ID|FILE] [--json]

Shows the tries left of every PIN and check code of a card, spending none (empty VERIFYs).
--timeout is the deadline of each command sent to the card.`
	examples["status"] = "  taimen status --reader '#0'\n" +
		"  taimen status --profile p06-taisho-contactless --json\n"
	commandExits["status"] = []int{exitOK, exitError, exitUsage, exitCardAbsent, exitSetup}

	commandEnv["discover"] = slices.Clone(codeVars)
	commandExits["discover"] = []int{exitOK, exitError, exitUsage, exitWrongCode, exitBlocked, exitCardAbsent, exitRefused, exitSetup, exitNotCardFace}

	purposes["readers"] = `  taimen readers [--json]

Lists the PC/SC readers, whether a card is in each and its ATR: the names and #indexes that
--reader and --target pcsc:READER take.`
	examples["readers"] = "  taimen readers\n" +
		"  taimen readers --json\n"
	commandExits["readers"] = []int{exitOK, exitError, exitUsage, exitSetup}

	purposes["emulate"] = `  taimen emulate --profile ID|FILE [--profile …] [--state DIR] [--vpcd HOST:PORT] [--fault NAME[=PARAM] …]

Attaches emulated cards to pcscd's vpcd driver, one per --profile and vpcd slot, so any PC/SC
program sees a card in "Virtual PCD 00 00"; it says so when vpcd is not reachable, and keeps
retrying until it is.`
	examples["emulate"] = "  taimen emulate --profile p01-showa --state ~/.local/state/taimen/cards\n" +
		"  taimen emulate --profile p01-showa --fault forged-data\n" +
		"  taimen emulate --fault list\n"
	commandExits["emulate"] = []int{exitOK, exitError, exitUsage, exitSetup}

	commandExits["relay"] = []int{exitOK, exitError, exitUsage, exitCardAbsent, exitSetup}

	commandExits["certify-reader"] = []int{exitOK, exitError, exitUsage, exitNotCertified, exitSetup}
	commandExits["certify-reader verify"] = []int{exitOK, exitError, exitUsage, exitSetup, exitNotVerified}

	purposes["card-image"] = `  taimen card-image --profile ID|FILE [--side front|back] --out FILE

Draws a profile's card face as the person holds it (front: name, address, birth date as
printed, expiry, security code, photo; back: the individual number) as a new owner-only PNG.`
	examples["card-image"] = "  taimen card-image --profile p01-showa --out front.png\n" +
		"  taimen card-image --profile p03-foreign-resident --side back --out back.png\n"
	commandExits["card-image"] = []int{exitOK, exitError, exitUsage, exitSetup}

	purposes["run"] = `  taimen run [--target emulator|vpcd|pcsc:READER] [--profile ID|FILE] [--label-filter EXPR] [--out DIR]

Runs the conformance suites against a card, the built-in emulator by default, and writes the
reports (report.html, summary.json, junit.xml) to --out. On a physical card it never spends
the last tries (--floor) and skips destructive specs unless --allow-destructive. --timeout is
the deadline of each command sent to the card, not of a spec or the run. --shard I/N runs one
part of the specs, for a lab of several readers or CI machines; taimen report merge joins the
parts' reports into one run's.`
	examples["run"] = "  taimen run                                   # every spec against the built-in emulator\n" +
		"  taimen run --profile p06-taisho-contactless --label-filter checkcodes\n" +
		"  TAIMEN_CHECK_CODE_B=… taimen run --target pcsc:'#0'   # a physical card, nothing destructive\n" +
		"  taimen run --shard 2/4 --out out/shard-2       # the second of four parts\n"
	commandEnv["run"] = append(append([]string{target.EnvTarget, target.EnvProfile, target.EnvFaults, shard.EnvShard}, codeVars...), reader.EnvLicencePIN)
	commandExits["run"] = []int{exitOK, exitError, exitUsage, exitSetup}

	purposes["report"] = `  taimen report --in DIR [--html FILE]
  taimen report --diff OLD NEW
  taimen report merge [--out DIR] SHARD…
  taimen report matrix [--out DIR] RUN…

Re-renders a run's HTML report from its summary.json, or lists the specs whose status changed
between two runs (exit 1 when one got worse). merge joins the report directories of every shard
of one run (run --shard I/N) into one run's reports; matrix tabulates complete runs as card ×
reader × area.`
	examples["report"] = "  taimen report --in out/run-20260101-120000\n" +
		"  taimen report --diff out/run-old out/run-new\n" +
		"  taimen report merge --out out/merged out/shard-1 out/shard-2\n" +
		"  taimen report matrix --out out/matrix out/run-cardA-reader1 out/run-cardB-reader1\n"
	commandExits["report"] = []int{exitOK, exitError, exitUsage, exitSetup}
	for _, sub := range []string{"report merge", "report matrix"} {
		purposes[sub], examples[sub], commandExits[sub] = purposes["report"], examples["report"], commandExits["report"]
	}

	purposes["catalogue"] = `  taimen catalogue [--json]

Prints every spec of the suites: its ID, title, area, what it checks, what it expects and the
targets it runs on (Markdown, as suites/CATALOGUE.md, or JSON).`
	examples["catalogue"] = "  taimen catalogue > CATALOGUE.md\n" +
		"  taimen catalogue --json\n"
	commandExits["catalogue"] = []int{exitOK, exitError, exitUsage}

	purposes["mutants"] = `  taimen mutants [--profile ID|FILE] [--fault NAME …] [--out DIR]

Runs the suites against the clean emulator, then once per named fault, and fails when the clean
card fails a spec or a fault goes uncaught by a spec of the area expected to catch it.`
	examples["mutants"] = "  taimen mutants                               # every named fault against the suites\n" +
		"  taimen mutants --fault tries-one-too-many\n" +
		"  taimen mutants --profile p06-taisho-contactless --out out/mutants-p06\n"
	commandEnv["mutants"] = nil
	commandExits["mutants"] = []int{exitOK, exitError, exitUsage, exitSetup}

	purposes["version"] = `  taimen version

Prints taimen's version (semantic), the commit it was built from and the Go version.`
	examples["version"] = "  taimen version\n" +
		"  taimen --version\n"
	commandExits["version"] = []int{exitOK, exitUsage}
}

// newFlagSet returns the flag set of command name, whose -h prints the command's help.
func newFlagSet(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("taimen "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { printHelp(fs.Output(), name, fs) }
	return fs
}

// printHelp writes command name's help: usage and purpose, flags, examples, environment and
// exit codes.
func printHelp(w io.Writer, name string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage of taimen %s:\n", name)
	if p := purposes[name]; p != "" {
		fmt.Fprintf(w, "%s\n", strings.TrimRight(p, "\n"))
	}
	fmt.Fprintln(w, "\nflags:")
	fs.PrintDefaults()
	if ex := examples[name]; ex != "" {
		fmt.Fprintf(w, "\nexamples:\n%s", ex)
	}
	fmt.Fprintln(w, "\nenvironment:")
	if vars := commandEnv[name]; len(vars) > 0 {
		for _, v := range vars {
			fmt.Fprintf(w, "  %-22s %s\n", v, envDocs[v])
		}
	} else {
		fmt.Fprintln(w, "  none read by this command")
	}
	fmt.Fprintln(w, "\nexit codes:")
	for _, line := range exitLines(commandExits[name]) {
		fmt.Fprintln(w, line)
	}
}

// exitLines are the rows of exitCodes for codes, as -h prints them.
func exitLines(codes []int) []string {
	var out []string
	for _, c := range exitCodes {
		if slices.Contains(codes, c.code) {
			out = append(out, fmt.Sprintf("  %2d  %s", c.code, c.meaning))
		}
	}
	return out
}
