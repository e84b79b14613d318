package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/cvc"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
)

// Exit codes: each outcome a script may branch on has its own.
const (
	exitOK           = 0
	exitError        = 1  // anything else
	exitUsage        = 2  // bad flags or arguments, bad secret form (nothing was sent)
	exitWrongCode    = 3  // the card rejected the code (a try was spent)
	exitBlocked      = 4  // the key reference is blocked
	exitCardAbsent   = 5  // no reader, no card, card removed, reader busy, timeout
	exitNotAuthentic = 6  // the data or the chip failed an authenticity check
	exitRefused      = 7  // the safety guard refused to spend a try
	exitNotCertified = 8  // certify-reader: the reader under test failed a must-rule
	exitSetup        = 9  // the set-up is unusable: a profile missing or malformed, an unsafe or unwritable directory, a locked state, the PC/SC service not running
	exitNotCardFace  = 10 // not a My Number Card's face: a JPKI-only token or another card (nothing was verified)
	exitNotVerified  = 11 // certify-reader verify: the statement's signature, its form or a subject's digest does not hold
)

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
  catalogue                       every spec: ID, title, what it checks, targets
  mutants                         run the suites against every emulator fault; fail if one goes uncaught
  version                         print the version

Run 'taimen <command> -h' for the flags of a command.
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

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
	case "version", "--version":
		fmt.Fprintln(e.stdout, "taimen", version)
		return exitOK
	case "help", "-h", "--help":
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
	case errors.Is(err, reader.ErrNoCardSurface):
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
	emulator   string
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

func (t *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.reader, "reader", "", "PC/SC reader: exact name, substring, or #index (default: the first with a card)")
	fs.StringVar(&t.emulator, "emulator", "", "use an in-process emulated card: a profile file or a profile ID under vectors/profiles")
	fs.StringVar(&t.state, "state", "", "with --emulator: directory keeping the emulated card's counters across runs")
	fs.StringVar(&t.testCA, "test-ca", "", "also trust the test CA of this profile (to validate an emulated card behind vpcd)")
	fs.DurationVar(&t.timeout, "timeout", 5*time.Second, "per-command deadline")
	fs.DurationVar(&t.wait, "wait", 10*time.Second, "how long to wait for a card")
	fs.BoolVar(&t.lastTry, "allow-last-try", false, "allow a VERIFY that could spend the last try on a physical card")
	fs.BoolVar(&t.noExtend, "short-reads", false, "never use extended-length READ BINARY")
	fs.IntVar(&t.chunk, "chunk", 256, "short READ BINARY size (1–256)")
	fs.StringVar(&t.trace, "trace", "", "write the redacted APDU trace as JSON to this file")
	fs.StringVar(&t.form, "emulator-form", "", "with --emulator: present the card as another form: jpki-token-android, jpki-token-ios (a phone's JPKI-only token) or not-my-number (default: the profile's card.form)")
}

// resolveProfile loads a profile given as a file or an ID under vectors/profiles (profilePath).
func resolveProfile(s string) (*myna.Profile, error) {
	path, err := profilePath(s)
	if err != nil {
		return nil, err
	}
	p, err := myna.LoadProfile(path)
	if err != nil {
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
		p, err := resolveProfile(t.testCA)
		if err != nil {
			return nil, nil, err
		}
		set, err := emulator.TestAnchors(p)
		if err != nil {
			return nil, nil, err
		}
		anchors = append(anchors, set.Anchors()...)
	}
	if t.form != "" && t.emulator == "" {
		return nil, nil, usagef("--emulator-form is for --emulator")
	}
	if t.emulator != "" {
		if t.reader != "" {
			return nil, nil, usagef("--reader and --emulator exclude each other")
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
		all, err := cvc.NewAnchorSet(append(anchors, set.Anchors()...)...)
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

func newFlagSet(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("taimen "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage of taimen %s:\n", name)
		if p := purposes[name]; p != "" {
			fmt.Fprintf(fs.Output(), "%s\nflags:\n", p)
		}
		fs.PrintDefaults()
		if ex := examples[name]; ex != "" {
			fmt.Fprintf(fs.Output(), "\nexamples:\n%s", ex)
		}
	}
	return fs
}

// examples are printed after each command's flags by -h.
var examples = map[string]string{
	"run": "  taimen run                                   # every spec against the built-in emulator\n" +
		"  taimen run --profile p06-taisho-contactless --label-filter checkcodes\n" +
		"  TAIMEN_CHECK_CODE_B=… taimen run --target pcsc:'#0'   # a physical card, nothing destructive\n",
	"read":           "  taimen read face --emulator p01-showa        # check code B from the prompt\n  taimen read face --reader '#0' --out DIR    # a physical card; images owner-only in DIR\n  taimen read face --reader '#0' --card-image front.png   # check code B's parts read from a photo of the front (tesseract)\n",
	"emulate":        "  taimen emulate --profile p01-showa --state ~/.local/state/taimen/cards\n  taimen emulate --fault list\n",
	"mutants":        "  taimen mutants                               # every named fault against the suites\n  taimen mutants --fault tries-one-too-many\n",
	"status":         "  taimen status --reader '#0'\n",
	"readers":        "  taimen readers\n",
	"catalogue":      "  taimen catalogue --json\n",
	"certify-reader": "  taimen certify-reader --list\n  taimen certify-reader --cmd \"taimen read face --reader '{reader}' --test-ca p01-showa --json --result '{out}' --card-image '{card_image}'\"\n",
	"card-image":     "  taimen card-image --profile p01-showa --out front.png\n  taimen card-image --profile p03-foreign-resident --side back --out back.png\n",
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
