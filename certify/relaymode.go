package certify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/discover"
	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/pcsc"
	"github.com/taimen-dev/taimen/relay"
)

// A --relay certification (RunRelay) runs the reader under test against a physical card: the
// card stays in the PC/SC reader the operator names, and each scenario presents it through a
// relay (package relay) on vpcd's slot of the scenario's private pcscd, with the scenario's
// faults injected on the way as `taimen relay --fault` would (slow=200ms, torn=4,
// no-extended-length). Only the scenarios that need no special card run (RelayScenarios); the
// others are reported skipped, with the reason.
//
// Counters. The operator gives the card's correct check code B (TAIMEN_CHECK_CODE_B, never
// argv). Before the first scenario the harness reads the card face with it (for the personal
// data RR-014 looks for and the expiry RR-008 compares), and before and after each scenario it
// reads every key's tries with empty VERIFYs, which spend nothing.
//   - In every scenario but wrong-code, the relay passes no VERIFY with data other than the
//     correct check code B (it answers 6985 and sends nothing): no counter can go down.
//   - In wrong-code the reader under test is given a wrong check code B (the correct one with
//     its last digit changed) and spends tries by design; the relay still keeps the floor
//     guard (reader.Guard.Permit: never the last try). The scenario is refused when a
//     check-code-B key has fewer than discover.MinSpendTries tries. Afterwards the harness
//     restores each check-code-B counter that went down by presenting the correct code (a
//     correct VERIFY resets the counter to its limit), and reads the counters again: a counter
//     left lower than it was found makes the scenario an error.

// RelayScenarios are the scenarios a --relay certification runs: those that need no special
// card (a physical card cannot be forged, blocked, cloned or resized on demand).
func RelayScenarios() []string {
	return []string{"good", "wrong-code", "slow", "torn", "no-extended"}
}

// relaySkipReason says why a scenario is skipped in a --relay certification.
func relaySkipReason(sc Scenario) string {
	switch {
	case len(sc.Tries) > 0:
		return "needs a card with preset counters: with a physical card it would cost real tries"
	case sc.Variant != "":
		return "needs a card whose files have another size"
	case sc.Form != "":
		return "needs a card of another form"
	case sc.Input != "":
		return "needs the card image or the birth date in the profile; a relayed card has neither"
	case len(cardFaults(parsedFaults(sc.Faults))) > 0:
		return "needs a card whose data or keys are changed; a physical card's are not"
	}
	return "not a relay scenario"
}

func parsedFaults(names []string) []emulator.FaultSetting {
	var out []emulator.FaultSetting
	for _, n := range names {
		if f, err := emulator.ParseFault(n); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// RelayOptions configure RunRelay.
type RelayOptions struct {
	// Options are as for Run, except that Profile is not used (the card is the physical one)
	// and {card_image} is empty (the harness has no picture of the card).
	Options
	// Reader selects the PC/SC reader of the physical card: an exact name, "#N" or a
	// substring (pcsc.ParseSelector). This process reaches it through its usual pcscd
	// (PCSCLITE_CSOCK_NAME, if set).
	Reader string
	// CheckCodeB is the card's correct check code B, from the operator's environment.
	CheckCodeB myna.Secret
	// CommandTimeout bounds each command to the physical card; default 10 s.
	CommandTimeout time.Duration
}

// RelayInfo describes the physical card of a --relay certification.
type RelayInfo struct {
	// Reader is the PC/SC reader the physical card is in.
	Reader string `json:"reader"`
	// ATR is the card's ATR in hex.
	ATR string `json:"atr"`
	// Counters says how the harness kept the card's counters.
	Counters string `json:"counters"`
	// NotSearched lists the personal data RR-014 cannot look for on a physical card (the
	// harness reads only the card face).
	NotSearched []string `json:"not_searched"`
}

// RelayCounters account for the physical card's counters in one scenario ("app/FID" → tries).
type RelayCounters struct {
	Before map[string]int `json:"before"`
	After  map[string]int `json:"after"`
	// Restored lists the keys the harness restored with the correct check code B.
	Restored []string `json:"restored,omitempty"`
	// Note says it in a sentence.
	Note string `json:"note"`
}

// relayNotSearched are the personal data of a physical card RR-014 does not look for.
var relayNotSearched = []string{datumName + " (as text)", datumAddress + " (as text)", datumNumber, datumSerial, datumAuthCert, datumSignCert}

const relayCountersNote = "every counter is read before and after each scenario with empty VERIFYs (no try spent); " +
	"outside wrong-code the relay passes no VERIFY with data but the correct check code B; " +
	"in wrong-code the tries spent by design (never the last one, and only from 3 tries up) are restored at once with the correct check code B"

// relayMode is the physical card of a --relay certification, open for the whole run.
type relayMode struct {
	t      *pcsc.Transport
	s      *reader.Session
	code   myna.Secret
	expiry string // YYYYMMDD, from the card face
	atr    string
}

// RunRelay certifies the reader command against the physical card in o.Reader, presented
// through a relay in each scenario of RelayScenarios (see the comment at the top of this file
// for how the counters are kept), and returns the report.
func RunRelay(ctx context.Context, o RelayOptions) (*Report, error) {
	if o.Reader == "" {
		return nil, errors.New("certify: --relay needs the PC/SC reader of the physical card")
	}
	if o.CheckCodeB == nil || o.CheckCodeB.IsZero() || o.CheckCodeB.Kind() != myna.SecretCheckCodeB {
		return nil, fmt.Errorf("certify: --relay needs the card's correct check code B in %s", reader.EnvCheckCodeB)
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 10 * time.Second
	}
	return run(ctx, o.Options, &relaySetup{reader: o.Reader, code: o.CheckCodeB, timeout: o.CommandTimeout})
}

// relaySetup is what run needs to open a relayMode.
type relaySetup struct {
	reader  string
	code    myna.Secret
	timeout time.Duration
}

// open connects to the physical card and reads its face with the correct code: the personal
// data RR-014 looks for, and the expiry.
func (rs *relaySetup) open(ctx context.Context) (*relayMode, *personalData, error) {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	t, err := pcsc.Open(wctx, pcsc.Options{Reader: pcsc.ParseSelector(rs.reader), CommandTimeout: rs.timeout})
	cancel()
	if err != nil {
		return nil, nil, fmt.Errorf("the physical card: %w", err)
	}
	m := &relayMode{t: t, s: reader.NewSession(t, reader.DefaultGuard), code: rs.code, atr: reader.HexUpper(t.ATR())}
	face, err := reader.ReadFace(ctx, m.s, rs.code, reader.ReadOptions{SkipLiveness: true})
	if err != nil {
		t.Close()
		return nil, nil, fmt.Errorf("read the physical card's face with the check code B given: %w", err)
	}
	m.expiry = face.Unsigned.Expiry
	d := &personalData{}
	if birth, err := time.Parse("20060102", face.Signed.BirthDate); err == nil {
		if err := d.addDate(datumBirthDate, birth, myna.DateFormWestern); err != nil {
			t.Close()
			return nil, nil, err
		}
	}
	for _, im := range []struct {
		datum string
		data  []byte
	}{
		{"face photo", face.Signed.PhotoJP2}, {"name image", face.Signed.NamePNG}, {"address image", face.Signed.AddressPNG},
		{"security-code image", face.Unsigned.SecurityCodePNG},
	} {
		d.addBinary(im.datum, im.data)
		clear(im.data)
	}
	d.forms = slices.DeleteFunc(d.forms, func(f form) bool { return len(f.value) < 4 })
	if err := m.s.Transport().Reset(ctx); err != nil {
		t.Close()
		return nil, nil, fmt.Errorf("the physical card: %w", err)
	}
	return m, d, nil
}

func (m *relayMode) close() { m.t.Close() }

// counters reads every key's tries (empty VERIFYs: nothing is spent).
func (m *relayMode) counters(ctx context.Context) (map[string]int, error) {
	if err := m.t.Reset(ctx); err != nil {
		return nil, fmt.Errorf("the physical card: %w", err)
	}
	st, err := reader.Status(ctx, m.s)
	if err != nil {
		return nil, fmt.Errorf("the physical card's counters: %w", err)
	}
	out := map[string]int{}
	for _, k := range st {
		out[k.App+"/"+k.Key] = k.Tries
	}
	return out, nil
}

// wrongCode is the operator's wrong check code B: the correct one with its last digit changed.
func (m *relayMode) wrongCode() (myna.Secret, error) {
	v := m.code.Bytes()
	defer clear(v)
	v[len(v)-1] = '0' + (v[len(v)-1]-'0'+1)%10
	c, err := myna.ParseCheckCodeB(string(v))
	if err != nil {
		return nil, fmt.Errorf("a wrong check code B from the one given: %w", err)
	}
	return c, nil
}

// input is what the operator gives the reader in sc.
func (m *relayMode) input(sc Scenario) (scenarioInput, error) {
	in := scenarioInput{secrets: []namedSecret{{"check code B", m.code}}}
	code := m.code
	if sc.WrongCode {
		w, err := m.wrongCode()
		if err != nil {
			return in, err
		}
		code, in.wrong = w, w
		in.secrets = append(in.secrets, namedSecret{"the wrong check code B given", w})
	}
	in.env = []string{reader.EnvCheckCodeB + "=" + code.Reveal()}
	return in, nil
}

// restore presents the correct check code B on each check-code-B key whose counter is below
// before, then reads the counters again.
func (m *relayMode) restore(ctx context.Context, before map[string]int) (*RelayCounters, error) {
	c := &RelayCounters{Before: before}
	after, err := m.counters(ctx)
	if err != nil {
		return c, err
	}
	for _, key := range sortedKeys(after) {
		if after[key] >= before[key] || !isCheckCodeBKey(key) {
			continue
		}
		ref, err := myna.ParseEFRef(key)
		if err != nil {
			return c, err
		}
		if err := m.s.SelectApp(ctx, ref.App); err != nil {
			return c, fmt.Errorf("restore %s: %w", key, err)
		}
		if err := m.s.Verify(ctx, ref.ID, m.code); err != nil {
			return c, fmt.Errorf("restore %s with the correct check code B: %w", key, err)
		}
		c.Restored = append(c.Restored, key)
	}
	if len(c.Restored) > 0 {
		if after, err = m.counters(ctx); err != nil {
			return c, err
		}
	}
	c.After = after
	var lower []string
	for _, key := range sortedKeys(before) {
		if after[key] < before[key] {
			lower = append(lower, fmt.Sprintf("%s %d → %d", key, before[key], after[key]))
		}
	}
	switch {
	case len(lower) > 0:
		c.Note = "left lower than found: " + strings.Join(lower, ", ")
		return c, fmt.Errorf("the physical card's counters were left lower than found: %s", strings.Join(lower, ", "))
	case len(c.Restored) > 0:
		c.Note = "tries spent on " + strings.Join(c.Restored, ", ") + " were restored with the correct check code B; every counter is where it was found"
	default:
		c.Note = "no counter went down"
	}
	return c, nil
}

// refuseSpend says why the wrong-code scenario must not run on these counters ("" when it may).
func refuseSpend(before map[string]int) string {
	var low []string
	for _, key := range sortedKeys(before) {
		if isCheckCodeBKey(key) && before[key] < discover.MinSpendTries {
			low = append(low, fmt.Sprintf("%s has %d tries", key, before[key]))
		}
	}
	if len(low) == 0 {
		return ""
	}
	return fmt.Sprintf("refused: the wrong-code scenario spends a try and %s, fewer than %d", strings.Join(low, ", "), discover.MinSpendTries)
}

// runRelay runs one scenario against the relayed physical card.
func (e *engine) runRelay(ctx context.Context, sc Scenario, res *ScenarioResult) (*evidence, error) {
	m := e.relay
	before, err := m.counters(ctx)
	if err != nil {
		return nil, err
	}
	if sc.WrongCode {
		if why := refuseSpend(before); why != "" {
			return nil, errors.New(why)
		}
	}
	var faults []emulator.FaultSetting
	for _, f := range sc.Faults {
		fs, err := emulator.ParseStreamFault(f)
		if err != nil {
			return nil, err
		}
		faults = append(faults, fs)
	}
	in, err := m.input(sc)
	if err != nil {
		return nil, err
	}
	ev, runErr := e.relayCommand(ctx, sc, res, faults, before, in)
	counters, err := m.restore(ctx, before)
	res.Counters = counters
	if err := errors.Join(runErr, err); err != nil {
		return nil, err
	}
	return ev, nil
}

// relayCommand serves the relayed card on a private pcscd and runs the command against it.
func (e *engine) relayCommand(ctx context.Context, sc Scenario, res *ScenarioResult, faults []emulator.FaultSetting, before map[string]int, in scenarioInput) (*evidence, error) {
	m := e.relay
	dir := filepath.Join(e.scratch, sc.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
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

	d, err := pcscd.Start(ctx, pcscd.Options{ReaderConfDir: e.confDir})
	if err != nil {
		return nil, err
	}
	defer d.Stop()
	serveCtx, stopServe := context.WithCancel(ctx)
	var served sync.WaitGroup
	defer func() { stopServe(); served.Wait() }()

	rec := newRecorder()
	rec.expectCheckCodeB(m.code.Bytes())
	card := &relayedCard{card: relay.New(serveCtx, m.t, relay.Options{Faults: faults}), observe: rec.observe, ready: make(chan struct{})}
	if !sc.WrongCode {
		card.only = m.code.Bytes()
		defer clear(card.only)
	}
	rec.card = card
	if sc.PullOnTear {
		rec.onTear = stopServe
	}
	served.Go(func() {
		_ = vpcd.Serve(serveCtx, rec, vpcd.Options{DialSlot: d.DialVPCD, Reconnect: 20 * time.Millisecond})
	})
	// This process keeps its PC/SC selection on the physical card's daemon: it waits for
	// pcscd to power the relayed card up (and ask its ATR) instead of asking over PC/SC.
	select {
	case <-card.ready:
	case <-time.After(20 * time.Second):
		err := errors.New("the scenario's pcscd did not power the relayed card up within 20s")
		if log := strings.TrimSpace(d.Log()); log != "" {
			err = fmt.Errorf("%w; pcscd said: %s", err, tail([]byte(log), 500))
		}
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := sb.relayPCSC(d.SocketPath()); err != nil {
		return nil, err
	}
	rec.begin()
	run, err := e.command(ctx, sc, in, d, sb, "")
	for try := 1; try < sandboxSetupTries && errors.Is(err, errSandboxSetup) && ctx.Err() == nil; try++ {
		time.Sleep(time.Duration(try) * 50 * time.Millisecond)
		rec.begin()
		run, err = e.command(ctx, sc, in, d, sb, "")
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
	ev := &evidence{sc: sc, deadline: e.o.Timeout, expiry: m.expiry}
	var expiry time.Time
	if t, err := time.Parse("20060102", m.expiry); err == nil {
		expiry = t
	}
	e.gather(ev, res, rec, run, sb, evidenceInputs{initial: before, limits: myna.DefaultRetryLimits(), secrets: in.secrets, scrub: tailScrubber(e.personal, in.secrets, expiry)})
	return ev, nil
}

// relayedCard is the relay as the recorder's card: it reports each exchange to observe (the
// emulator's Observe hook does so for an emulated card), closes ready when pcscd has powered
// the card up and asked its ATR, and, when only is set, answers 6985 to a plain VERIFY with
// data other than only without passing it on (relay.SWRefused).
type relayedCard struct {
	card    *relay.Card
	observe func(cmd, rsp []byte, d time.Duration)
	only    []byte

	mu      sync.Mutex
	powered bool
	ready   chan struct{}
}

func (c *relayedCard) ATR() []byte {
	atr := c.card.ATR()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.powered {
		select {
		case <-c.ready:
		default:
			close(c.ready)
		}
	}
	return atr
}

func (c *relayedCard) PowerOn() {
	c.card.PowerOn()
	c.mu.Lock()
	c.powered = true
	c.mu.Unlock()
}

func (c *relayedCard) PowerOff() { c.card.PowerOff() }
func (c *relayedCard) Reset()    { c.card.Reset() }

func (c *relayedCard) Transmit(cmd []byte) []byte {
	start := time.Now()
	var rsp []byte
	if c.only != nil && len(cmd) > 5 && cmd[0]&0x0C == 0 && cmd[1] == 0x20 && !bytes.Equal(verifyData(cmd), c.only) {
		rsp = slices.Clone(relay.SWRefused)
	} else {
		rsp = c.card.Transmit(cmd)
	}
	c.observe(cmd, rsp, time.Since(start))
	return rsp
}

// verifyData returns the data of a short VERIFY command (nil when malformed).
func verifyData(cmd []byte) []byte {
	c, err := apdu.ParseCommand(cmd)
	if err != nil {
		return nil
	}
	return c.Data
}
