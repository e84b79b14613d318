package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
)

// discoverReader is the label the emulator is presented under: not "Virtual PCD", so that
// taimen treats it as a physical card.
const discoverReader = "Taimen Discover Reader"

// declaredBehaviour is a profile's behaviour in the profile schema, every field set.
func declaredBehaviour(b myna.Behaviour) map[string]any {
	wl := "count"
	if b.WrongLengthVerify == myna.WrongLengthRejects {
		wl = "6700"
	}
	hex := func(v uint16) string { return *myna.SWJSON(v) }
	return map[string]any{
		"blocked_status_query": hex(b.BlockedStatusQuery), "protected_read": hex(b.ProtectedRead), "wrong_length_verify": wl,
		"offset_beyond_end": hex(b.OffsetBeyondEnd), "reselect_same_ap_clears": b.ReselectSameAPClears, "wrong_code_clears": b.WrongCodeClears,
		"fci_on_p2_00": "empty", "filler": string(myna.FillerJSON(b.Filler)[1:3]), "extended_length": b.ExtendedLength,
	}
}

// takeLatency checks that a discovered behaviour block gives plain_latency_ms, a whole number
// of milliseconds of at least 1 (a profile does not declare it: it is measured), and removes it.
func takeLatency(t *testing.T, b map[string]any) {
	t.Helper()
	if l, ok := b["plain_latency_ms"].(float64); !ok || l < 1 || l != float64(int(l)) {
		t.Errorf("plain_latency_ms %v, want a whole number of milliseconds, at least 1", b["plain_latency_ms"])
	}
	delete(b, "plain_latency_ms")
}

type discoverDoc struct {
	Schema    string         `json:"schema"`
	Behaviour map[string]any `json:"behaviour"`
	Answers   []struct {
		Field, Status, Note string
	} `json:"answers"`
	Reader string `json:"reader"`
}

// TestDiscoverPhysical: for each of the six profiles, `taimen discover` against the emulator
// behind a private pcscd, under a reader label that makes it a physical card, recovers the
// declared behaviour — without codes the no-cost part, with the codes and --allow-spend all
// of it — leaves every counter where it was, and writes nothing personal.
func TestDiscoverPhysical(t *testing.T) {
	t.Parallel()
	pd := startPhysical(t)
	for _, id := range []string{"p01-showa", "p02-long-address", "p03-foreign-resident", "p04-reiwa-boundary", "p05-near-expiry", "p06-taisho-contactless"} {
		t.Run(id, func(t *testing.T) {
			p, err := myna.LoadProfile(filepath.Join("..", "..", "vectors", "profiles", id, "profile.json"))
			if err != nil {
				t.Fatal(err)
			}
			card, err := emulator.New(p, emulator.Options{})
			if err != nil {
				t.Fatal(err)
			}
			before := card.Tries()
			stop := pd.serve(t, card)
			sock := pd.sock
			reader := discoverReader + " 00 00"

			bare := taimenEnv(t, []string{sock}, "discover", "--reader", reader, "--json")
			out := filepath.Join(t.TempDir(), "discover.json")
			full := taimenEnv(t, []string{sock, "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal(), "TAIMEN_TEXT_PIN=" + p.TextPIN().Reveal()},
				"discover", "--reader", reader, "--allow-spend", "--out", out)
			for name, r := range map[string]suiteRun{"no codes": bare, "allow-spend": full} {
				if r.code != exitOK {
					t.Fatalf("%s: exit %d\n%s%s", name, r.code, r.stdout, r.stderr)
				}
			}
			want := declaredBehaviour(p.Behaviour)
			var doc discoverDoc
			if err := json.Unmarshal([]byte(bare.stdout), &doc); err != nil {
				t.Fatal(err)
			}
			partial := map[string]any{}
			for k, v := range want {
				if k != "wrong_length_verify" && k != "wrong_code_clears" && k != "reselect_same_ap_clears" {
					partial[k] = v
				}
			}
			takeLatency(t, doc.Behaviour)
			if diff := cmp.Diff(partial, doc.Behaviour); diff != "" {
				t.Errorf("no codes: behaviour (-declared +found):\n%s", diff)
			}
			if doc.Reader != reader {
				t.Errorf("reader %q", doc.Reader)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			doc = discoverDoc{}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			takeLatency(t, doc.Behaviour)
			if diff := cmp.Diff(want, doc.Behaviour); diff != "" {
				t.Errorf("allow-spend: behaviour (-declared +found):\n%s", diff)
			}
			sixes := strings.Contains(string(b), "Unsupported card")
			if sixes != (p.Behaviour.BlockedStatusQuery == 0x6984) {
				t.Errorf("OpenSC note present %v, blocked status query %04X", sixes, p.Behaviour.BlockedStatusQuery)
			}
			stop()
			if diff := cmp.Diff(before, card.Tries()); diff != "" {
				t.Errorf("counters (-before +after):\n%s", diff)
			}
			texts := runOutputs(t, bare, filepath.Dir(out))
			texts["full stdout"], texts["full stderr"] = []byte(full.stdout), []byte(full.stderr)
			assertNoLeaks(t, texts, p)
		})
	}
}

// physicalDaemon is a private pcscd whose vpcd reader is labelled discoverReader, so that
// taimen takes the emulated cards served on it for physical ones; sock is the environment entry
// for its socket. One daemon serves the cards of a test one after the other.
type physicalDaemon struct {
	d    *pcscd.Daemon
	sock string
	conf string // its reader.conf.d, to start it again
}

func startPhysical(t *testing.T) *physicalDaemon {
	t.Helper()
	p := &physicalDaemon{}
	p.start(t, startPhysicalConf(t))
	t.Cleanup(func() {
		if err := p.d.Stop(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// start starts the daemon on conf, in place of one that no longer powers cards up.
func (p *physicalDaemon) start(t *testing.T, conf string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	d, err := pcscd.Start(ctx, pcscd.Options{ReaderConfDir: conf})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	p.d, p.sock, p.conf = d, "PCSCLITE_CSOCK_NAME="+d.SocketPath(), conf
}

// startPhysicalConf writes the reader configuration of a physicalDaemon.
func startPhysicalConf(t *testing.T) string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "reader.conf.d")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "taimen-discover"), []byte(fmt.Sprintf("FRIENDLYNAME \"%s\"\nDEVICENAME   /dev/null:0x%04X\nLIBPATH      %s\nCHANNELID    0x%04X\n", discoverReader, pcscd.VPCDPort, pcscd.VPCDDriver(), pcscd.VPCDPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := pcscd.Available(); err != nil {
		t.Skip(err)
	}
	return conf
}

// serve inserts card into the daemon's reader until stop (idempotent, also run at cleanup)
// takes it out; a mute card's blocked command is released first. It returns once pcscd has
// powered the card up, so that a command run next finds it (and not the card served before).
//
// pcscd's vpcd slot does not always take a new card after the last one went (a torn card keeps
// re-inserting itself; under heavy load, others): when the card is not powered up within 10 s,
// the daemon is replaced and the card served again, once. Read p.sock after serve.
func (p *physicalDaemon) serve(t *testing.T, card *emulator.Card) (stop func()) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		sctx, cancelServe := context.WithCancel(context.Background())
		served := make(chan struct{})
		pc := &poweredCard{Card: card, on: make(chan struct{})}
		go func() {
			defer close(served)
			_ = vpcd.Serve(sctx, pc, vpcd.Options{DialSlot: p.d.DialVPCD, Reconnect: 20 * time.Millisecond})
		}()
		var once sync.Once
		stop = func() { once.Do(func() { cancelServe(); card.Abort(); <-served }) }
		select {
		case <-pc.on:
			t.Cleanup(stop)
			return stop
		case <-time.After(10 * time.Second):
		}
		stop()
		if attempt == 2 {
			t.Fatal("pcscd did not power the card up within 10 s, twice (a fresh daemon the second time)")
		}
		t.Logf("pcscd did not power the card up within 10 s: starting a fresh daemon")
		old := p.d
		if err := old.Stop(); err != nil {
			t.Logf("the old daemon: %v", err)
		}
		p.start(t, p.conf)
		t.Cleanup(func() { _ = p.d.Stop() })
	}
}

// poweredCard closes on at the first power-on.
type poweredCard struct {
	*emulator.Card
	once sync.Once
	on   chan struct{}
}

func (c *poweredCard) PowerOn() { c.Card.PowerOn(); c.once.Do(func() { close(c.on) }) }

// serveDiscover serves card on a private pcscd of its own (startPhysical); it returns the
// environment entry for the daemon's socket and the card's stop function.
func serveDiscover(t *testing.T, card *emulator.Card) (sock string, stop func()) {
	t.Helper()
	p := startPhysical(t)
	stop = p.serve(t, card)
	return p.sock, stop
}

// TestDiscoverBadInput: a card that is not a My Number Card, a card torn away mid-discovery
// and a card that goes mute mid-command end with a clear message and the exit code for it,
// nothing written to --out, and no counter lower than before; read and status end so on a
// mute card too (a PC/SC Transmit cannot be cancelled: the transport abandons it at the
// --timeout). One private pcscd serves the cards one after the other.
func TestDiscoverBadInput(t *testing.T) {
	t.Parallel()
	p := profile(t)
	pd := startPhysical(t)
	mute := func(after int) emulator.Options {
		return emulator.Options{Faults: []emulator.FaultSetting{{Fault: emulator.FaultMute, After: after}}}
	}
	const didNotAnswer = "card did not answer before the command deadline (1s)"
	for _, tc := range []struct {
		name string
		opts emulator.Options
		args []string
		code int
		want string
	}{
		{"not-my-number", emulator.Options{Form: myna.FormNotMyNumber}, nil, exitNotCardFace, "not a My Number Card"},
		{"mute", mute(40), nil, exitCardAbsent, didNotAnswer},
		{"mute at once", mute(0), nil, exitCardAbsent, didNotAnswer},
		{"read on a mute card", mute(4), []string{"read", "face"}, exitCardAbsent, didNotAnswer},
		{"status on a mute card", mute(2), []string{"status"}, exitCardAbsent, didNotAnswer},
		{"torn", emulator.Options{Faults: []emulator.FaultSetting{{Fault: emulator.FaultTorn, After: 40}}}, nil, exitCardAbsent, "card removed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card, err := emulator.New(p, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			before := card.Tries()
			stop := pd.serve(t, card)
			out := filepath.Join(t.TempDir(), "out", "discover.json")
			args := []string{"discover", "--allow-spend", "--out", out}
			switch {
			case len(tc.args) > 0 && tc.args[0] == "read":
				args = append(tc.args, "--out", filepath.Dir(out))
			case tc.args != nil:
				args = tc.args
			}
			args = append(args, "--reader", discoverReader+" 00 00", "--timeout", "1s")
			start := time.Now()
			r := taimenEnv(t, []string{pd.sock, "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal()}, args...)
			took := time.Since(start)
			stop()
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", r.code, tc.code, r.stderr, tc.want)
			}
			if took > 30*time.Second {
				t.Errorf("took %s", took)
			}
			entries, _ := os.ReadDir(filepath.Dir(out))
			var left []string
			for _, e := range entries {
				left = append(left, e.Name())
			}
			// read writes only its outcome (result.json, whole) on a failed read, no image.
			if len(tc.args) > 0 && tc.args[0] == "read" {
				var res struct{ Outcome string }
				if b, err := os.ReadFile(filepath.Join(filepath.Dir(out), "result.json")); err != nil || json.Unmarshal(b, &res) != nil || res.Outcome != "card-removed" {
					t.Errorf("result.json: %v, outcome %q", err, res.Outcome)
				}
				left = slices.DeleteFunc(left, func(n string) bool { return n == "result.json" })
			}
			if len(left) != 0 {
				t.Errorf("left in the output directory: %v", left)
			}
			for k, n := range before {
				if card.Tries()[k] < n {
					t.Errorf("%s: %d tries, was %d", k, card.Tries()[k], n)
				}
			}
			assertNoLeaks(t, runOutputs(t, r), p)
		})
	}
}
