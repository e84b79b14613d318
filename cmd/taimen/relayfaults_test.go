package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reader"
)

// TestRelayStreamFaults: `taimen read face` reaches an emulated card through the relay (two
// private pcscds, as TestRelayCleanCard) with each stream fault in turn, on one pair of
// daemons: a clean relay reads, and its --trace is redacted as the reader's own --trace (every
// entry of the reader's trace is in the relay's, byte for byte) and holds no code or personal
// datum; slow delays every command; no-extended-length answers 6700 to an extended command and
// the reader falls back; mute ends the read at the reader's --timeout (exit 5, "did not
// answer"); torn after N commands ends it as a removed card (exit 5). No counter goes down.
func TestRelayStreamFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("relays through two private pcscds")
	}
	t.Parallel()
	d1, d2 := pcscd.StartForTest(t), pcscd.StartForTest(t)
	p := profile(t)
	card, err := emulator.New(p, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := card.Tries()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan struct{})
	go func() { _ = vpcd.Serve(ctx, card, vpcd.Options{DialSlot: d1.DialVPCD}); close(served) }()
	defer func() { cancel(); <-served }()

	for _, tc := range []struct {
		fault string
		code  int
		want  string // in stderr
	}{
		{"", exitOK, ""},
		{"slow=100ms", exitOK, ""},
		{"no-extended-length", exitOK, ""},
		{"mute=3", exitCardAbsent, "card did not answer before the command deadline (1s)"},
		{"torn=4", exitCardAbsent, "card removed"}, // last: a torn relay leaves and comes back torn
	} {
		t.Run("fault="+tc.fault, func(t *testing.T) {
			dir := t.TempDir()
			clientTrace, relayFile := filepath.Join(dir, "client.json"), filepath.Join(dir, "relay.json")
			args := []string{"--trace", relayFile}
			if tc.fault != "" {
				args = append(args, "--fault", tc.fault)
			}
			stop := relayCLI(t, d1, d2, args...)
			r := taimenEnv(t, []string{"PCSCLITE_CSOCK_NAME=" + d2.SocketPath(), "TAIMEN_CHECK_CODE_B=" + p.CheckCodeB().Reveal()},
				"read", "face", "--reader", pcscd.ReaderName(0), "--test-ca", p.ID, "--json", "--timeout", "1s", "--trace", clientTrace)
			stop() // the relay writes its --trace as it stops
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", r.code, tc.code, r.stderr, tc.want)
			}
			if tc.code != exitOK {
				return // a mute or torn card: the exit and the message are the point (a card that
				// goes mute while the reader opens it leaves no trace of the read to compare)
			}
			client, relay := loadTrace(t, clientTrace), loadTrace(t, relayFile)
			switch tc.fault {
			case "":
				// The reader's trace is a subsequence of the relay's (which also holds the
				// relay's tries queries and resets), entry for entry.
				i := 0
				for _, e := range relay {
					if i < len(client) && cmp.Equal(strip(e), strip(client[i])) {
						i++
					}
				}
				if i != len(client) || len(client) < 5 {
					t.Errorf("only %d of the reader's %d trace entries are in the relay's trace, redacted alike", i, len(client))
				}
				verified := false
				for _, e := range relay {
					verified = verified || e.Op == "VERIFY" && e.RedactedCommand != ""
				}
				if !verified {
					t.Error("the relay's trace has no redacted VERIFY")
				}
				b, err := os.ReadFile(relayFile)
				if err != nil {
					t.Fatal(err)
				}
				assertNoLeaks(t, map[string][]byte{"relay trace": b}, p)
			case "slow=100ms":
				for _, e := range client {
					if e.Op != "RESET" && e.Duration < 100*time.Millisecond {
						t.Errorf("%s %s took %s through a slow relay", e.Op, e.Object, e.Duration)
					}
				}
			case "no-extended-length":
				refused := false
				for _, e := range client {
					refused = refused || e.SW == "6700" && e.Op == "READ BINARY"
				}
				if !refused {
					t.Error("no READ BINARY was refused with 6700")
				}
			}
		})
	}
	if d := cmp.Diff(before, card.Tries()); d != "" {
		t.Errorf("counters (-before +after):\n%s", d)
	}
}

func loadTrace(t *testing.T, path string) []reader.Entry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var es []reader.Entry
	if err := json.Unmarshal(b, &es); err != nil {
		t.Fatal(err)
	}
	return es
}

// strip keeps what redaction decides: the command, the response and their reasons.
func strip(e reader.Entry) reader.Entry {
	e.Seq, e.Start, e.Duration = 0, time.Time{}, 0
	return e
}
