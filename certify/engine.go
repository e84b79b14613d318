package certify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reports"
)

// DefaultReaderLabel is the friendly name of the PC/SC reader the card is
// shown in. It is deliberately not vpcd's "Virtual PCD": the reader under test
// must see what it would see with a physical card, so that it runs the code
// path it runs in the field (taimen itself, for one, applies its
// physical-card safety guard only to readers it does not know to be virtual).
const DefaultReaderLabel = "Taimen Certification Reader"

// DefaultTimeout is each scenario's deadline when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Options configure Run.
type Options struct {
	// Command is the reader under test, run with sh -c once per scenario, in
	// a sandbox (see the package documentation).
	// {reader} is replaced by the PC/SC reader name, {out} by a fresh
	// scratch directory and {card_image} by the path of a PNG of the card's
	// front (in every scenario), verbatim: quote them ('{reader}') as the
	// name has spaces. The command finds the private pcscd through
	// PCSCLITE_CSOCK_NAME (any libpcsclite client does), gets the operator's
	// check code B in TAIMEN_CHECK_CODE_B — except in "image-only" (only the
	// image) and "manual-date" (TAIMEN_BIRTH_DATE as YYYY-MM-DD Gregorian,
	// TAIMEN_EXPIRY_YEAR, TAIMEN_SECURITY_CODE instead) — and also
	// TAIMEN_CERTIFY_READER, TAIMEN_CERTIFY_OUT, TAIMEN_CERTIFY_CARD_IMAGE,
	// TAIMEN_CERTIFY_SCENARIO and TAIMEN_HISTORY (a history file in the
	// sandbox); other TAIMEN_* variables of this process are removed.
	// One command line serves every scenario: a reader that can take the
	// image should use it only when no code is in its environment.
	Command string
	// Profile personalizes the cards; required.
	Profile *myna.Profile
	// Scenarios names the scenarios to run; empty runs all (see Scenarios).
	Scenarios []string
	// Timeout is each scenario's deadline for the command; default DefaultTimeout.
	Timeout time.Duration
	// ReaderLabel is the reader's friendly name; default DefaultReaderLabel.
	// PC/SC names the reader "<label> 00 00".
	ReaderLabel string
	// Dir is the command's working directory; "" is this process's. Where the
	// sandbox hides it (under /tmp, /var/tmp, /dev, /run, /proc), the command
	// starts in its HOME.
	Dir string
	// Progress, if set, receives one line per scenario as it ends.
	Progress io.Writer
	// Tool names the program in the report, e.g. "taimen 1.2.0".
	Tool string
	// UID is the unprivileged user (and group) the command runs as in its
	// sandbox; default DefaultUID. The command must be readable and
	// executable by it.
	UID int
	// SandboxSize caps the command's writable places (one tmpfs), in bytes;
	// default DefaultSandboxSize.
	SandboxSize int64
	// AllowNet declares network endpoints ("HOST:PORT") the reader needs: RR-015
	// does not fail on attempts to reach them, and the report lists them. The
	// sandbox still has only loopback.
	AllowNet []string
	// Records declares a record store, a directory as the reader sees it
	// ("{out}/records", "~/records"): personal data kept under it does not
	// fail RR-014, but the report lists it. "" declares none.
	Records string
	// RuleSet names the rule set judged (see RuleSets); "" is "all". Rules
	// outside it are not judged and do not affect the verdict.
	RuleSet string
}

// Available reports whether this machine can run a certification (it needs
// a private pcscd with the vpcd driver: Linux, root, pcscd, vsmartcard-vpcd).
func Available() error {
	if err := pcscd.Available(); err != nil {
		return err
	}
	return sandboxAvailable()
}

// Run certifies the reader command against every selected scenario, one
// after the other, each with a fresh emulated card attached over vpcd to a
// private pcscd (one the scenarios share while it stays clean: daemon.go),
// and returns the report. An error means the run could not be made at all
// (bad options, no pcscd, interrupted); a scenario that could not be run is
// reported in the report (verdict "error").
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Profile == nil {
		return nil, errors.New("certify: no profile")
	}
	return run(ctx, o, nil)
}

// run is Run, or RunRelay when rs is set.
func run(ctx context.Context, o Options, rs *relaySetup) (*Report, error) {
	if strings.TrimSpace(o.Command) == "" {
		return nil, errors.New("certify: no reader command")
	}
	scs, err := selectScenarios(o.Scenarios)
	if err != nil {
		return nil, fmt.Errorf("certify: %w", err)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ReaderLabel == "" {
		o.ReaderLabel = DefaultReaderLabel
	}
	if strings.ContainsAny(o.ReaderLabel, "\"\n") {
		return nil, errors.New("certify: the reader label must not contain quotes or newlines")
	}
	if o.Tool == "" {
		o.Tool = "taimen"
	}
	set, err := LookupRuleSet(o.RuleSet)
	if err != nil {
		return nil, fmt.Errorf("certify: %w", err)
	}
	if o.UID == 0 {
		o.UID = DefaultUID
	}
	if o.UID < 0 {
		return nil, errors.New("certify: the sandbox uid must be positive")
	}
	if o.SandboxSize <= 0 {
		o.SandboxSize = DefaultSandboxSize
	}
	allowed, err := parseAllowNet(ctx, o.AllowNet)
	if err != nil {
		return nil, fmt.Errorf("certify: %w", err)
	}
	if err := Available(); err != nil {
		return nil, fmt.Errorf("certify: %w", err)
	}
	scratch, err := os.MkdirTemp("", "taimen-certify-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	if err := os.Chmod(scratch, 0o711); err != nil { // the sandbox's uid reaches its places through it
		return nil, err
	}
	confDir := filepath.Join(scratch, "reader.conf.d")
	if err := writeReaderConf(confDir, o.ReaderLabel); err != nil {
		return nil, err
	}
	e := &engine{o: o, scratch: scratch, confDir: confDir, reader: o.ReaderLabel + " 00 00", allowed: allowed, rules: set.Select(Rules()), signed: map[[32]byte]string{}}
	profileID := ""
	if rs == nil {
		if e.personal, err = newPersonalData(ctx, o.Profile); err != nil {
			return nil, fmt.Errorf("certify: the profile's personal data: %w", err)
		}
		profileID = o.Profile.ID
	} else {
		if e.relay, e.personal, err = rs.open(ctx); err != nil {
			return nil, fmt.Errorf("certify: %w", err)
		}
		defer e.relay.close()
	}
	defer e.personal.wipe()
	defer e.stopPCSCD()
	rep := &Report{
		Schema: Schema, Tool: o.Tool, Started: time.Now().UTC(), Command: o.Command, Reader: e.reader,
		Profile: profileID, TimeoutMS: o.Timeout.Milliseconds(), Records: o.Records, RuleSet: set.Name, Rules: e.rules, FailedRules: []string{},
		AllowNet: sortedSpecs(allowed),
	}
	if e.relay != nil {
		rep.Relay = &RelayInfo{Reader: e.relay.t.Info().Reader, ATR: e.relay.atr, Counters: relayCountersNote, NotSearched: relayNotSearched}
	}
	start := time.Now()
	for _, sc := range scs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("certify: interrupted: %w", err)
		}
		res := e.scenario(ctx, sc)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("certify: interrupted: %w", err)
		}
		rep.Scenarios = append(rep.Scenarios, res)
		if o.Progress != nil {
			fmt.Fprintln(o.Progress, progressLine(res))
		}
	}
	rep.DurationMS = time.Since(start).Milliseconds()
	rep.tally()
	return rep, nil
}

// tally fills Summary, FailedRules and Verdict from the results.
func (r *Report) tally() {
	failed := map[string]bool{}
	r.Summary = Summary{}
	for _, sc := range r.Scenarios {
		for _, res := range sc.Results {
			switch res.Outcome {
			case OutcomePass:
				r.Summary.Pass++
			case OutcomeNotApplicable:
				r.Summary.NotApplicable++
			case OutcomeError:
				r.Summary.Error++
			case OutcomeFail:
				failed[res.Rule] = true
				if res.Severity == Must {
					r.Summary.MustFail++
				} else {
					r.Summary.ShouldFail++
				}
			}
		}
	}
	r.FailedRules = sortedKeys(failed)
	switch {
	case r.Summary.MustFail > 0:
		r.Verdict = VerdictFail
	case r.Summary.Error > 0:
		r.Verdict = VerdictError
	default:
		r.Verdict = VerdictPass
	}
}

func progressLine(res ScenarioResult) string {
	var failed []string
	for _, r := range res.Results {
		if r.Outcome == OutcomeFail {
			failed = append(failed, r.Rule)
		}
	}
	state := "ok"
	switch {
	case res.Skipped != "":
		state = "skipped: " + res.Skipped
	case res.Error != "":
		state = "ERROR: " + res.Error
	case len(failed) > 0:
		state = "FAILED " + strings.Join(failed, " ")
	}
	return fmt.Sprintf("%-16s exit %-3d %4d APDUs %6.2fs  %s", res.Name, res.ExitCode, res.APDUs, float64(res.DurationMS)/1000, state)
}

// writeReaderConf writes a pcscd reader configuration with vpcd's driver
// under the given friendly name.
func writeReaderConf(dir, label string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	conf := fmt.Sprintf("FRIENDLYNAME \"%s\"\nDEVICENAME   /dev/null:0x%04X\nLIBPATH      %s\nCHANNELID    0x%04X\n",
		label, pcscd.VPCDPort, pcscd.VPCDDriver(), pcscd.VPCDPort)
	return os.WriteFile(filepath.Join(dir, "taimen-certify"), []byte(conf), 0o644)
}

type engine struct {
	o       Options
	scratch string
	confDir string
	reader  string
	allowed []allowedEndpoint // --allow-net
	rules   []Rule            // the rules of the selected rule set

	baseSize int                 // physical size of the profile's card-surface file (probed once)
	front    []byte              // the card's front as PNG, for {card_image} (drawn once)
	personal *personalData       // what RR-014 looks for
	signed   map[[32]byte]string // data of the card-key signatures so far (RR-007)
	daemon   *pcscd.Daemon       // the private pcscd the scenarios share (daemon.go)
	relay    *relayMode          // the physical card of a --relay certification; nil otherwise
}

// scenario runs one scenario and checks every rule.
func (e *engine) scenario(ctx context.Context, sc Scenario) ScenarioResult {
	res := ScenarioResult{Scenario: sc, ExitCode: -1, Trace: []Exchange{}}
	if e.relay != nil && !slices.Contains(RelayScenarios(), sc.Name) {
		res.Skipped = relaySkipReason(sc)
		for _, r := range e.rules {
			res.Results = append(res.Results, Result{Rule: r.ID, Severity: r.Severity, Outcome: OutcomeNotApplicable, Message: "scenario skipped: " + res.Skipped})
		}
		return res
	}
	run := e.run
	if e.relay != nil {
		run = e.runRelay
	}
	ev, err := run(ctx, sc, &res)
	if err != nil {
		res.Error = err.Error()
	}
	if ev != nil {
		ev.signedBefore = e.signed
	}
	res.Results = judgeRules(e.rules, sc, ev, err)
	if ev != nil {
		rememberSigned(e.signed, sc.Name, ev.trace)
	}
	return res
}

// judge checks every rule on the evidence of a scenario; err says the
// scenario could not be run.
func judge(sc Scenario, ev *evidence, err error) []Result { return judgeRules(Rules(), sc, ev, err) }

// judgeRules checks the given rules (those of the selected rule set).
func judgeRules(rules []Rule, sc Scenario, ev *evidence, err error) []Result {
	var out []Result
	for _, r := range rules {
		res := Result{Rule: r.ID, Severity: r.Severity}
		switch {
		case err != nil:
			res.Outcome, res.Message = OutcomeError, "scenario not run: "+err.Error()
		case !r.appliesTo(sc.Name):
			res.Outcome = OutcomeNotApplicable
		default:
			ok, msg := r.check(ev)
			res.Outcome, res.Message = OutcomeFail, msg
			if ok {
				res.Outcome = OutcomePass
			}
		}
		out = append(out, res)
	}
	return out
}

// run prepares the card and the daemon, runs the command and gathers the evidence.
func (e *engine) run(ctx context.Context, sc Scenario, res *ScenarioResult) (*evidence, error) {
	dir := filepath.Join(e.scratch, sc.Name)
	stateDir := filepath.Join(dir, "state")
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o711); err != nil {
		return nil, err
	}
	sb, err := newSandbox(dir, e.o.UID, e.o.SandboxSize)
	if err != nil {
		return nil, err
	}
	defer sb.close()

	p, err := e.profileFor(sc, filepath.Join(dir, "profile"))
	if err != nil {
		return nil, err
	}
	var faults []emulator.FaultSetting
	for _, f := range sc.Faults {
		fs, err := emulator.ParseFault(f)
		if err != nil {
			return nil, err
		}
		faults = append(faults, fs)
	}
	ev := &evidence{sc: sc, deadline: e.o.Timeout}
	// The expiry date the card carries (changed by a fault, perhaps), for RR-008.
	if _, ev.expiry, err = probeFace(p, cardFaults(faults)); err != nil {
		return nil, err
	}

	rec := newRecorder()
	rec.expectCheckCodeB(p.CheckCodeB().Bytes())
	card, err := emulator.New(p, emulator.Options{StateDir: stateDir, Faults: faults, Tries: sc.Tries, Observe: rec.observe, Form: sc.Form})
	if err != nil {
		return nil, err
	}
	rec.card = card
	initial := card.Tries()

	d, err := e.pcscd(ctx)
	if err != nil {
		return nil, err
	}
	clean := false // the scenario ran to its end: the daemon may serve the next one
	defer func() { e.release(ctx, clean) }()
	serveCtx, stopServe := context.WithCancel(ctx)
	var served sync.WaitGroup
	defer func() { stopServe(); served.Wait() }()
	if sc.PullOnTear {
		rec.onTear = stopServe
	}
	served.Go(func() {
		_ = vpcd.Serve(serveCtx, rec, vpcd.Options{DialSlot: d.DialVPCD, Reconnect: 20 * time.Millisecond})
	})
	if err := waitCard(ctx, d, e.reader, true, 20*time.Second); err != nil {
		if log := strings.TrimSpace(d.Log()); log != "" {
			err = fmt.Errorf("%w; pcscd said: %s", err, tail([]byte(log), 500))
		}
		return nil, err
	}

	if err := sb.relayPCSC(d.SocketPath()); err != nil {
		return nil, err
	}
	image, err := e.writeCardFront(sb, p)
	if err != nil {
		return nil, err
	}
	rec.begin()
	in, err := profileInput(sc, p)
	if err != nil {
		return nil, err
	}
	run, err := e.command(ctx, sc, in, d, sb, image)
	// bwrap binds the whole host tree recursively; a mount that disappears
	// meanwhile (another scenario's sandbox, unmounted as it ends) fails its
	// set-up before the command runs. Nothing was sent: try again.
	for try := 1; try < sandboxSetupTries && errors.Is(err, errSandboxSetup) && ctx.Err() == nil; try++ {
		time.Sleep(time.Duration(try) * 50 * time.Millisecond)
		rec.begin()
		run, err = e.command(ctx, sc, in, d, sb, image)
	}
	if run != nil {
		res.ExitCode, res.TimedOut, res.DurationMS = run.exit, run.timedOut, run.duration.Milliseconds()
	}
	if err != nil {
		return nil, err
	}
	if sb.full() {
		return nil, fmt.Errorf("the reader filled its sandbox: its writable places (a %d MiB tmpfs) are full", e.o.SandboxSize>>20)
	}
	stopServe()
	served.Wait()
	secrets := scenarioSecrets(p, run.wrong)
	e.gather(ev, res, rec, run, sb, evidenceInputs{initial: initial, limits: p.RetryLimits, secrets: secrets, scrub: newTailScrubber(p, e.personal, secrets)})
	// A card pulled mid-command leaves pcscd's vpcd slot unusable for the next card.
	clean = !sc.PullOnTear
	return ev, nil
}

// evidenceInputs is what gather needs besides the run: the card's counters before it, its
// retry limits, the secrets RR-011 looks for and the scrubber of the output tail.
type evidenceInputs struct {
	initial map[string]int
	limits  myna.RetryLimits
	secrets []namedSecret
	scrub   *reports.Scrubber
}

// gather fills the evidence and the scenario's result from what the card recorded and what
// the command did.
func (e *engine) gather(ev *evidence, res *ScenarioResult, rec *recorder, run *commandRun, sb *sandbox, in evidenceInputs) {
	ev.trace = rec.finish()
	ev.verifies = verifyAttempts(ev.trace, in.initial, in.limits)
	ev.exitCode, ev.timedOut, ev.stdout, ev.stderr = run.exit, run.timedOut, run.stdout, run.stderr
	ev.result = loadResult(sb.host(sandboxOut)) // {out}/result.json, if the reader wrote one (result.go)

	written, files := sb.written()
	ev.written = written
	ev.network, ev.netCut = netAttempts(run.trace.calls, e.allowed), sb.traceCut()
	srcs := append([]source{{"stdout", run.stdout}, {"stderr", run.stderr}}, written...)
	srcs = append(srcs, execSources(run.trace.execs, run.inputs)...)
	ev.leaks = findLeaks(in.secrets, srcs)
	ev.personal, ev.kept = atRest(e.personal, ev.leaks, srcs, e.o.Records)
	scrub := in.scrub

	res.ExitCode, res.TimedOut, res.DurationMS, res.Files = run.exit, run.timedOut, run.duration.Milliseconds(), files
	res.Network = ev.network
	for _, x := range ev.trace {
		if x.Event == "" {
			res.APDUs++
		}
	}
	res.Trace = ev.trace
	if len(res.Trace) > maxTrace {
		res.Trace, res.TraceTruncated = res.Trace[:maxTrace], true
	}
	scrubPaths(scrub, res, ev)
	res.PersonalData, res.Records = ev.personal, ev.kept
	res.Output = Output{StdoutBytes: len(run.stdout), StderrBytes: len(run.stderr)}
	res.Output.Tail, res.Output.Redacted, res.Output.Withheld = reportTail(ev.output(), scrub, e.personal, in.secrets)
}

// cardFaults keeps the faults that change what the card holds (for a probe).
func cardFaults(fs []emulator.FaultSetting) []emulator.FaultSetting {
	return slices.DeleteFunc(slices.Clone(fs), func(f emulator.FaultSetting) bool {
		switch f.Fault {
		case emulator.FaultSlow, emulator.FaultTorn, emulator.FaultMute, emulator.FaultNoExtended:
			return true
		}
		return false
	})
}

// profileFor returns the scenario's profile: the one given, or a variant
// written into dir.
func (e *engine) profileFor(sc Scenario, dir string) (*myna.Profile, error) {
	p := e.o.Profile
	if sc.Profile != "" {
		return siblingProfile(p, sc.Profile)
	}
	switch sc.Variant {
	case "":
		return p, nil
	case variantSmaller:
		return writeVariant(p, dir, nil)
	case variantLarger:
		if e.baseSize == 0 {
			n, _, err := probeFace(p, nil)
			if err != nil {
				return nil, err
			}
			e.baseSize = n
		}
		size := (e.baseSize + extraFiller + 255) / 256 * 256
		if size > 0x7FFF {
			return nil, fmt.Errorf("the card-surface file (%d bytes) is too large to grow within 15-bit offsets", e.baseSize)
		}
		sizes := map[string]int{}
		for ref, n := range p.EFSizes {
			sizes[ref.String()] = n
		}
		sizes[myna.EFRef{App: myna.CardSurfaceAP, ID: myna.SurfaceFace}.String()] = size
		return writeVariant(p, dir, sizes)
	}
	return nil, fmt.Errorf("unknown profile variant %q", sc.Variant)
}

// commandRun is what the reader command did.
type commandRun struct {
	exit           int
	timedOut       bool
	duration       time.Duration
	stdout, stderr []byte
	wrong          myna.Secret     // the wrong code given, if any
	trace          *straceLog      // what strace saw
	inputs         map[string]bool // the TAIMEN_* variables the engine set
}

// command runs the reader command once in its sandbox (see sandbox.argv),
// in its own process group, killing the group at the deadline (and
// afterwards). The sandbox's PID namespace dies with the command, so nothing
// it started survives it. When the command ran but could not start the
// reader (see startProblem), it returns both what it saw and the error.
func (e *engine) command(ctx context.Context, sc Scenario, in scenarioInput, d *pcscd.Daemon, sb *sandbox, image string) (*commandRun, error) {
	run := &commandRun{inputs: map[string]bool{}, wrong: in.wrong}
	replaced := map[string]bool{"PCSCLITE_CSOCK_NAME": true, "HOME": true, "TMPDIR": true}
	env := slices.DeleteFunc(d.Env(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return strings.HasPrefix(k, "TAIMEN_") || strings.HasPrefix(k, "XDG_") || replaced[k]
	})
	env = append(env, sb.env()...)
	inputs := append(slices.Clone(in.env),
		"TAIMEN_HISTORY="+sandboxHistory,
		"TAIMEN_CERTIFY_READER="+e.reader,
		"TAIMEN_CERTIFY_OUT="+sandboxOut,
		"TAIMEN_CERTIFY_CARD_IMAGE="+image,
		"TAIMEN_CERTIFY_SCENARIO="+sc.Name,
	)
	for _, kv := range inputs {
		k, _, _ := strings.Cut(kv, "=")
		run.inputs[k] = true
	}
	env = append(env, inputs...)
	line := strings.NewReplacer("{reader}", e.reader, "{out}", sandboxOut, "{card_image}", image).Replace(e.o.Command)
	cctx, cancel := context.WithTimeout(ctx, e.o.Timeout)
	defer cancel()
	argv := sb.argv(sb.workDir(e.o.Dir), line)
	cmd := exec.CommandContext(cctx, argv[0], argv[1:]...)
	cmd.Env = env
	stdout, stderr := &capped{max: maxOutput}, &capped{max: maxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second // a descendant holding stdout open cannot hold us
	start := time.Now()
	started, err := runHeld(cmd)
	if !started {
		return nil, fmt.Errorf("start the reader command: %w", err)
	}
	run.duration = time.Since(start)
	run.timedOut = errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	run.exit = -1
	if cmd.ProcessState != nil {
		run.exit = cmd.ProcessState.ExitCode()
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) && !errors.Is(err, exec.ErrWaitDelay) && cctx.Err() == nil {
		return nil, fmt.Errorf("reader command: %w", err)
	}
	run.stdout, run.stderr = stdout.Bytes(), stderr.Bytes()
	f, err := os.Open(sb.traceLog())
	if err != nil {
		return nil, fmt.Errorf("the sandbox's network trace: %w", err)
	}
	defer f.Close()
	if run.trace, err = parseStrace(f); err != nil {
		return nil, fmt.Errorf("the sandbox's network trace: %w", err)
	}
	if err := startProblem(run, line, e.o.UID, in.secrets); err != nil {
		return run, err
	}
	return run, nil
}

// scenarioInput is what the operator gives the reader in a scenario.
type scenarioInput struct {
	env     []string      // the TAIMEN_* inputs (operatorEnv)
	wrong   myna.Secret   // the wrong check code B given, if any
	secrets []namedSecret // what startProblem withholds from its message
}

// profileInput is the operator's input in a scenario on a card personalized from p.
func profileInput(sc Scenario, p *myna.Profile) (scenarioInput, error) {
	code := myna.Secret(p.CheckCodeB())
	in := scenarioInput{}
	if sc.WrongCode {
		w, err := wrongCheckCodeB(p)
		if err != nil {
			return in, err
		}
		code, in.wrong = w, w
	}
	in.env = operatorEnv(sc, p, code)
	in.secrets = []namedSecret{{"check code B", code}, {"check code A", p.CheckCodeA()}}
	return in, nil
}

// errSandboxSetup marks a sandbox whose mounts could not be set up: the
// command never ran, and run tries again (sandboxSetupTries in all).
var errSandboxSetup = errors.New("the sandbox's mounts changed while it was set up")

// sandboxSetupTries bounds the sandbox set-ups run tries for one scenario.
const sandboxSetupTries = 3

// startProblem says why the command could not be started in the sandbox:
// bwrap failed (the command never ran), or sh did not find or could not run
// the program (exit 127 or 126).
func startProblem(run *commandRun, line string, uid int, secrets []namedSecret) error {
	started := slices.ContainsFunc(run.trace.execs, func(x execRecord) bool {
		// strace cuts strings at 4096 bytes: a long line shows as a prefix.
		return len(x.argv) == 3 && x.argv[0] == "sh" && x.argv[1] == "-c" && strings.HasPrefix(line, x.argv[2]) && x.argv[2] != ""
	})
	said := tail(run.stderr, 300)
	if len(findLeaks(secrets, []source{{"stderr", run.stderr}})) > 0 {
		said = "(its output is withheld: it contains a check code)"
	}
	hint := fmt.Sprintf("the command runs as uid %d with /tmp, /var/tmp, /dev/shm and /run replaced by empty directories", uid)
	switch {
	case !started && !run.timedOut && bytes.Contains(run.stderr, []byte("bwrap: Can't bind mount")):
		return fmt.Errorf("the sandbox could not start the command (exit %d): %s: %w", run.exit, said, errSandboxSetup)
	case !started && !run.timedOut:
		return fmt.Errorf("the sandbox could not start the command (exit %d): %s", run.exit, said)
	case run.exit == 127:
		return fmt.Errorf("command not found (sh exited 127; %s): %s", hint, said)
	case run.exit == 126:
		return fmt.Errorf("command not executable (sh exited 126; %s): %s", hint, said)
	}
	return nil
}

// wrongCheckCodeB returns a well-formed check code B that is not the
// profile's: the same birth date and expiry year, another security code.
func wrongCheckCodeB(p *myna.Profile) (myna.Secret, error) {
	sec := []byte(p.Card.SecurityCode)
	for i := len(sec) - 1; i >= 0; i-- {
		sec[i] = '0' + (sec[i]-'0'+1)%10
		if string(sec) != p.Card.SecurityCode {
			break
		}
	}
	return myna.NewCheckCodeB(p.Person.BirthDate, p.Person.DateForm, p.Card.Expiry.Year(), string(sec))
}

// capped is a buffer that keeps the first max bytes written and drops the rest.
type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}

// tail returns the last n bytes of b as valid UTF-8, starting at a line if one starts near.
func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < 200 {
			b = b[i+1:]
		}
	}
	return strings.ToValidUTF8(string(b), "�")
}

// runHeld starts cmd, waits for it and then kills its process group (whatever it left behind),
// holding the calling goroutine's OS thread throughout. cmd's Pdeathsig fires when the forking
// thread ends, not the process, and the runtime ends a thread whose locked goroutine exits
// (pcscd's namespace threads do): held, the thread cannot be taken by such a goroutine and take
// the command down with it. started is false when cmd could not be started.
func runHeld(cmd *exec.Cmd) (started bool, err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		return false, err
	}
	err = cmd.Wait()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	return true, err
}
