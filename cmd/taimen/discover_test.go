package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
			sock, stop := serveDiscover(t, card)
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

// serveDiscover starts a private pcscd whose vpcd reader is labelled discoverReader and
// serves card on it; it returns the environment entry for the daemon's socket and a stop
// function (idempotent) that detaches the card.
func serveDiscover(t *testing.T, card *emulator.Card) (sock string, stop func()) {
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	d, err := pcscd.Start(ctx, pcscd.Options{ReaderConfDir: conf})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancelServe := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = vpcd.Serve(sctx, card, vpcd.Options{DialSlot: d.DialVPCD, Reconnect: 20 * time.Millisecond})
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancelServe(); card.Abort(); <-served }) }
	t.Cleanup(func() {
		stop()
		if err := d.Stop(); err != nil {
			t.Error(err)
		}
	})
	return "PCSCLITE_CSOCK_NAME=" + d.SocketPath(), stop
}

// TestDiscoverBadInput: a card that is not a My Number Card and a card torn away
// mid-discovery end with a clear message and the exit code for it, nothing
// written to --out, and no counter lower than before.
func TestDiscoverBadInput(t *testing.T) {
	p := profile(t)
	for _, tc := range []struct {
		name string
		opts emulator.Options
		code int
		want string
	}{
		{"not-my-number", emulator.Options{Form: myna.FormNotMyNumber}, exitNotCardFace, "not a My Number Card"},
		{"torn", emulator.Options{Faults: []emulator.FaultSetting{{Fault: emulator.FaultTorn, After: 40}}}, exitCardAbsent, "card removed"},
		{"mute", emulator.Options{Faults: []emulator.FaultSetting{{Fault: emulator.FaultMute, After: 40}}}, exitCardAbsent, "did not answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card, err := emulator.New(p, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			before := card.Tries()
			sock, stop := serveDiscover(t, card)
			out := filepath.Join(t.TempDir(), "discover.json")
			r := taimenEnv(t, []string{sock, "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal()},
				"discover", "--reader", discoverReader+" 00 00", "--timeout", "2s", "--allow-spend", "--out", out)
			stop()
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", r.code, tc.code, r.stderr, tc.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("--out written on failure: %v", err)
			}
			entries, _ := os.ReadDir(filepath.Dir(out))
			if len(entries) != 0 {
				t.Errorf("left in the output directory: %v", entries)
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
