package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/pcscd"
)

// assertOneSetupError checks a run that could not start: the wanted exit code, one line on
// stderr naming each of want, nothing on stdout but blank lines, and no report directory.
func assertOneSetupError(t *testing.T, r suiteRun, out string, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d:\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 1 {
		t.Errorf("stderr has %d lines, want one:\n%s", len(lines), r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if s := strings.TrimSpace(r.stdout); s != "" {
		t.Errorf("stdout of a run that never started:\n%s", s)
	}
	if _, err := os.Stat(out); err == nil {
		entries, _ := os.ReadDir(out)
		t.Errorf("the run left %s with %d entries", out, len(entries))
	}
}

// serveCard attaches an emulated p01-showa card to the private pcscd's first vpcd slot, as a
// physical card would be on a reader, until the test ends. It returns once vpcd has asked the
// card for its ATR: pcscd's presence poll, which then shows the card present (and the run waits
// for its card besides). It does not touch this process's PC/SC selection.
func serveCard(t *testing.T, d *pcscd.Daemon) *emulator.Card {
	t.Helper()
	emu, err := emulator.New(profile(t), emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	card := &atrWatch{Card: emu, asked: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = vpcd.Serve(ctx, card, vpcd.Options{DialSlot: d.DialVPCD})
	}()
	t.Cleanup(func() { cancel(); <-served })
	select {
	case <-card.asked:
		return emu
	case <-time.After(20 * time.Second):
		t.Fatal("vpcd did not ask the card for its ATR within 20 s")
		return nil
	}
}

// atrWatch is an emulated card that closes asked the first time vpcd asks for its ATR.
type atrWatch struct {
	*emulator.Card
	once  sync.Once
	asked chan struct{}
}

func (c *atrWatch) ATR() []byte {
	c.once.Do(func() { close(c.asked) })
	return c.Card.ATR()
}

// A physical-card run that cannot work stops before any spec with one line that names the
// cause and the fix, exit 9, and no report: no such reader, no card, codes missing, a wrong
// code (one try spent, never a second: the next run refuses it, exit 7). pcscd not running is
// TestRunSetupErrors's.
func TestRunPhysicalSetupErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private pcscd")
	}
	t.Parallel() // mostly waiting out the run's card wait: alongside the other parallel tests
	d := pcscd.StartForTest(t)
	p := profile(t)
	sock := "PCSCLITE_CSOCK_NAME=" + d.SocketPath()
	allCodes := []string{sock,
		"TAIMEN_CHECK_CODE_A=" + p.CheckCodeA().Reveal(), "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal(),
		"TAIMEN_TEXT_PIN=" + p.TextPIN().Reveal(), "TAIMEN_AUTH_PIN=" + p.AuthPIN().Reveal(), "TAIMEN_SIGN_PASSWORD=" + p.SignPassword().Reveal()}
	reader := "pcsc:" + pcscd.ReaderName(0)

	// Both wait out the run's card wait (10 s) before they give up: side by side, and done
	// before the card arrives.
	t.Run("before the card", func(t *testing.T) {
		t.Run("no such reader", func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "run")
			r := taimenEnv(t, allCodes, "run", "--target", "pcsc:Acme Reader 9000", "--out", out)
			assertOneSetupError(t, r, out, exitSetup, "no such reader", "Acme Reader 9000", pcscd.ReaderName(0), "--target pcsc:NAME")
		})
		t.Run("no card", func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "run")
			r := taimenEnv(t, allCodes, "run", "--target", reader, "--out", out)
			assertOneSetupError(t, r, out, exitSetup, "no card in", "put the card on the reader")
		})
	})

	card := serveCard(t, d)
	t.Run("missing codes", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "run")
		env := []string{sock, "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal()}
		r := taimenEnv(t, env, "run", "--target", reader, "--out", out)
		assertOneSetupError(t, r, out, exitSetup, "TAIMEN_CHECK_CODE_A", "TAIMEN_TEXT_PIN", "TAIMEN_AUTH_PIN", "TAIMEN_SIGN_PASSWORD", "--label-filter")
		// Narrowed to the specs whose codes are given, the same environment is enough to start.
		if strings.Contains(r.stderr, "TAIMEN_CHECK_CODE_B") {
			t.Errorf("a code that was given is named missing:\n%s", r.stderr)
		}
	})
	t.Run("wrong code", func(t *testing.T) {
		before := card.Tries()
		mem := filepath.Join(t.TempDir(), "state", "rejected.json")
		env := append([]string{}, allCodes...)
		env = append(env, "TAIMEN_CHECK_CODE_B=55021820350000", "TAIMEN_REJECTED="+mem)
		out := filepath.Join(t.TempDir(), "run")
		r := taimenEnv(t, env, "run", "--target", reader, "--out", out)
		assertOneSetupError(t, r, out, exitSetup, "the card rejected TAIMEN_CHECK_CODE_B")
		assertNoPersonal(t, "stderr", r.stderr+r.stdout, p)
		if got, want := card.Tries()["surface/0012"], before["surface/0012"]-1; got != want {
			t.Errorf("surface/0012: %d tries after the run, want %d (one spent)", got, want)
		}
		r = taimenEnv(t, env, "run", "--target", reader, "--out", out)
		assertOneSetupError(t, r, out, exitRefused, "TAIMEN_CHECK_CODE_B", "rejected this value before", "taimen forget")
		if got, want := card.Tries()["surface/0012"], before["surface/0012"]-1; got != want {
			t.Errorf("surface/0012: %d tries after the second run, want %d (still one spent)", got, want)
		}
		// The right code restores the counter at the start of the next run.
		env[len(env)-2] = "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal()
		out = filepath.Join(t.TempDir(), "run")
		r = taimenEnv(t, env, "run", "--target", reader, "--label-filter", "surface && reads", "--out", out)
		if (r.code != exitOK && r.code != exitError) || card.Tries()["surface/0012"] != before["surface/0012"] {
			t.Errorf("a run with the right code: exit %d, surface/0012 %d (want %d)\n%s%s", r.code, card.Tries()["surface/0012"], before["surface/0012"], r.stdout, r.stderr)
		}
	})
}
