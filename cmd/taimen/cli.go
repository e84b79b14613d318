package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/cvc"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
	"github.com/taimen-dev/taimen/vectors"
)

// Exit codes: each outcome a script may branch on has its own; exitCodes says what each means.
const (
	exitOK           = 0
	exitError        = 1
	exitUsage        = 2
	exitWrongCode    = 3
	exitBlocked      = 4
	exitCardAbsent   = 5
	exitNotAuthentic = 6
	exitRefused      = 7
	exitNotCertified = 8
	exitSetup        = 9
	exitNotCardFace  = 10
	exitNotVerified  = 11
)

// exitCodes is the one table of exit codes: -h of each command prints the rows it can return
// (commandExits), and README's table is checked against it (TestREADMEExitCodes).
var exitCodes = []struct {
	code    int
	meaning string
}{
	{exitOK, "done: read and authentic, certified, or every spec that ran passed"},
	{exitError, "a spec failed, or any other error"},
	{exitUsage, "usage: bad flags or arguments, a malformed code (nothing was sent)"},
	{exitWrongCode, "the card rejected the code (a try was spent)"},
	{exitBlocked, "the key is blocked"},
	{exitCardAbsent, "no reader, no card, card removed, reader busy, timeout"},
	{exitNotAuthentic, "the data or the chip failed an authenticity check"},
	{exitRefused, "the safety guard refused to spend a try, or a value the card already rejected (remembered for a day: `taimen forget`)"},
	{exitNotCertified, "certify-reader: the reader under test failed a must-rule"},
	{exitSetup, "set-up: a profile that does not load, an unsafe or unwritable directory, a --state another emulator holds, pcscd not running; for run: no such reader, no card, a code the specs need not given, or a code the card rejected at the run's start (nothing else was sent; no report)"},
	{exitNotCardFace, "not a My Number Card's face: a JPKI-only token or a card with no My Number application, or (read licence) a card without the driving-licence application (nothing was spent)"},
	{exitNotVerified, "certify-reader verify: the statement's signature, its form or a subject's digest does not hold"},
}

const usage = `usage: taimen <command> [flags]

commands:
  read face|surface-a|text|jpki   read a card (secrets from a prompt or TAIMEN_* variables)
  status                          tries left of every PIN and check code (spends none)
  discover                        learn a card's behaviour where CARD.md is silent (spends none)
  readers                         list PC/SC readers and whether a card is present
  emulate                         attach an emulated card to pcscd's vpcd driver
  relay --reader NAME             present a physical card through vpcd, with faults injected
  certify-reader --cmd '…'        certify a reader or reading app against scenario cards
  card-image --profile ID --out F  draw a profile's card front (or --side back) as PNG
  run                             run the conformance suites; write JUnit, JSON and HTML reports
  report --in DIR                 re-render a run's HTML report from its saved JSON
  report --diff OLD NEW           list the specs whose status changed between two runs
  report merge SHARD…            merge the shards of a run (run --shard I/N) into one report
  report matrix RUN…              interop matrix (card × reader × area) of several runs, HTML and JSON
  catalogue                       every spec: ID, title, what it checks, targets
  mutants                         run the suites against every emulator fault; fail if one goes uncaught
  forget                          forget the values cards rejected (taimen refuses to resend one for a day)
  version                         print the version, the commit and the Go version


Run 'taimen <command> -h' (or 'taimen help <command>') for a command's flags, examples,
environment variables and exit codes.
`

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "read":
		return cmdRead(ctx, args[1:], e)
	case "status":
		return cmdStatus(ctx, args[1:], e)
	case "discover":
		return cmdDiscover(ctx, args[1:], e)
	case "readers":
		return cmdReaders(ctx, args[1:], e)
	case "emulate":
		return cmdEmulate(ctx, args[1:], e)
	case "relay":
		return cmdRelay(ctx, args[1:], e)
	case "certify-reader":
		return cmdCertify(ctx, args[1:], e)
	case "card-image":
		return cmdCardImage(ctx, args[1:], e)
	case "run":
		return cmdRun(ctx, args[1:], e)
	case "report":
		return cmdReport(ctx, args[1:], e)
	case "mutants":
		return cmdMutants(ctx, args[1:], e)
	case "catalogue":
		return cmdCatalogue(ctx, args[1:], e)
	case "forget":
		return cmdForget(ctx, args[1:], e)
	case "version", "--version":
		return cmdVersion(ctx, args[1:], e)
	case "help", "-h", "--help":
		if len(args) > 1 && args[1] != "help" && !strings.HasPrefix(args[1], "-") { // taimen help CMD [SUB]
			return run(ctx, append(slices.Clone(args[1:]), "-h"), e)
		}
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "taimen: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

// usageError marks errors found before anything was sent to a card.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// setupError marks a set-up the user must fix before anything can run: a profile that does not
// load, a directory that is unsafe or unwritable, a state another process holds, pcscd not
// running. Nothing was sent to a card.
type setupError struct{ err error }

func (s setupError) Error() string { return s.err.Error() }
func (s setupError) Unwrap() error { return s.err }

func setupf(format string, args ...any) error { return setupError{fmt.Errorf(format, args...)} }

// exitCode maps an error to the command's exit code and prints it.
func exitCode(e env, err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(e.stderr, "taimen:", err)
	var u usageError
	var se setupError
	var pe *myna.ProfileError
	var wc *reader.WrongCodeError
	switch {
	case errors.As(err, &u), errors.Is(err, myna.ErrForm), errors.Is(err, reader.ErrNoSecret):
		return exitUsage
	case errors.As(err, &se), errors.As(err, &pe), errors.Is(err, reader.ErrNoService),
		errors.Is(err, emulator.ErrStateInUse), errors.Is(err, emulator.ErrCorruptState), errors.Is(err, emulator.ErrForeignState):
		return exitSetup
	case errors.Is(err, reader.ErrBlocked):
		return exitBlocked
	case errors.As(err, &wc):
		return exitWrongCode
	case errors.Is(err, reader.ErrRefused):
		return exitRefused
	case errors.Is(err, reader.ErrNotAuthentic):
		return exitNotAuthentic
	case errors.Is(err, reader.ErrNoCardSurface), errors.Is(err, reader.ErrNoLicence):
		return exitNotCardFace
	case errors.Is(err, reader.ErrNoReader), errors.Is(err, reader.ErrNoCard), errors.Is(err, reader.ErrCardRemoved),
		errors.Is(err, reader.ErrReaderBusy), errors.Is(err, reader.ErrTimeout):
		return exitCardAbsent
	}
	return exitError
}

// targetFlags select the card: a PC/SC reader or an in-process emulated card.
type targetFlags struct {
	reader     string
	emulator   string // the profile of an emulated card (--profile)
	state      string
	testCA     string
	timeout    time.Duration
	wait       time.Duration
	lastTry    bool
	noExtend   bool
	chunk      int
	trace      string
	form       string
	isPhysical bool
	profile    *myna.Profile // --emulator: the emulated card's profile (nextgen.go marks a provisional one)
}

// register adds the flags that pick the card and talk to it, for read and discover.
func (t *targetFlags) register(fs *flag.FlagSet) {
	t.registerCard(fs)
	fs.StringVar(&t.testCA, "test-ca", "", "also trust the test CAs of this profile and of the built-in set (to validate an emulated card behind vpcd)")
	fs.BoolVar(&t.lastTry, "allow-last-try", false, "allow a VERIFY that could spend the last try on a physical card")
	fs.BoolVar(&t.noExtend, "short-reads", false, "never use extended-length READ BINARY")
	fs.IntVar(&t.chunk, "chunk", 256, "short READ BINARY size (1–256)")
}

// registerCard adds only the flags that pick the card, wait for it and trace it: all that
// status, which reads no file and spends no try, can use.
func (t *targetFlags) registerCard(fs *flag.FlagSet) {
	t.chunk = 256
	fs.StringVar(&t.reader, "reader", "", "PC/SC reader: exact name, substring, or #index (default: the first with a card)")
	fs.StringVar(&t.emulator, "profile", "", "use an in-process emulated card of this profile: a built-in ID ("+strings.Join(vectors.ProfileIDs(), ", ")+"), a profile file or its directory")
	fs.Func("emulator", "deprecated: the old name of --profile, which it still sets", func(s string) error {
		fmt.Fprintln(fs.Output(), "taimen: --emulator is deprecated: use --profile (it works the same)")
		t.emulator = s
		return nil
	})
	fs.StringVar(&t.state, "state", "", "with --profile: directory keeping the emulated card's counters across runs")
	fs.DurationVar(&t.timeout, "timeout", 5*time.Second, "deadline of each command sent to the card (per APDU, not for the whole read)")
	fs.DurationVar(&t.wait, "wait", 10*time.Second, "how long to wait for a card")
	fs.StringVar(&t.trace, "trace", "", "write the redacted APDU trace as JSON to this file")
	fs.StringVar(&t.form, "emulator-form", "", "with --profile: present the card as another form: jpki-token-android, jpki-token-ios (a phone's JPKI-only token) or not-my-number (default: the profile's card.form)")
}

// resolveProfile loads a profile given as a file, its directory or an embedded profile's ID
// (vectors.LoadProfile, the one lookup): a reference to nothing is a usage error, a profile that
// does not load a set-up error.
func resolveProfile(s string) (*myna.Profile, error) {
	p, err := vectors.LoadProfile(s)
	switch {
	case errors.Is(err, vectors.ErrUnknownProfile):
		return nil, usageError{err}
	case err != nil:
		return nil, setupError{err}
	}
	return p, nil
}

// open connects to the target and returns a transport and the trust anchors for it.
func (t *targetFlags) open(ctx context.Context) (reader.Transport, *cvc.AnchorSet, error) {
	if t.chunk < 1 || t.chunk > 256 {
		return nil, nil, usagef("--chunk must be 1..256")
	}
	anchors := cvc.ProductionAnchors()
	if t.testCA != "" {
		set, err := testCAAnchors(t.testCA)
		if err != nil {
			return nil, nil, err
		}
		anchors = append(anchors, set...)
	}
	if t.form != "" && t.emulator == "" {
		return nil, nil, usagef("--emulator-form is for an emulated card (--profile)")
	}
	if t.emulator != "" {
		if t.reader != "" {
			return nil, nil, usagef("--reader and --profile exclude each other")
		}
		p, err := resolveProfile(t.emulator)
		if err != nil {
			return nil, nil, err
		}
		t.profile = p
		var form myna.Form
		if t.form != "" {
			if form, err = myna.ParseForm(t.form); err != nil {
				return nil, nil, usageError{err}
			}
		}
		card, err := emulator.New(p, emulator.Options{StateDir: t.state, Form: form})
		if err != nil {
			return nil, nil, err
		}
		card.PowerOn()
		set, err := emulator.TestAnchors(p)
		if err != nil {
			return nil, nil, err
		}
		all, err := cvc.NewAnchorSet(addAnchors(set.Anchors(), anchors)...)
		if err != nil {
			return nil, nil, err
		}
		return reader.NewEmulated(card, reader.WithCommandTimeout(t.timeout)), all, nil
	}
	wctx, cancel := context.WithTimeout(ctx, t.wait)
	defer cancel()
	tr, err := pcsc.Open(wctx, pcsc.Options{Reader: pcsc.ParseSelector(t.reader), CommandTimeout: t.timeout})
	if err != nil {
		return nil, nil, err
	}
	t.isPhysical = tr.Info().Kind == reader.KindPCSC
	set, err := cvc.NewAnchorSet(anchors...)
	if err != nil {
		tr.Close()
		return nil, nil, err
	}
	return tr, set, nil
}

// guard is the safety policy: on a physical card the last try is never spent
// unless --allow-last-try; emulated cards may be driven to lockout on purpose.
func (t *targetFlags) guard() reader.Guard {
	if t.isPhysical && !t.lastTry {
		return reader.DefaultGuard
	}
	return reader.Guard{AllowLastTry: true}
}

// parseFlags parses args into fs: ok is false when the command should stop, with code (0 for
// -h, which printed the usage; exitUsage for a bad flag).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, false
	case err != nil:
		return exitUsage, false
	}
	return exitOK, true
}

// writeTrace saves the redacted trace, if asked.
func writeTrace(path string, tr *reader.Trace) error {
	if path == "" || tr == nil {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	return writeJSON(f, tr.Entries())
}
