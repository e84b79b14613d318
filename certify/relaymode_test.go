package certify

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/relay"
)

// physicalLabel is the reader the emulated "physical" cards sit in: not vpcd's "Virtual PCD",
// so that everything treats them as physical cards.
const physicalLabel = "Taimen Physical Reader"

// TestCertifyRelay: the emulator behind one private pcscd plays two physical cards (vpcd's two
// slots); certify-reader --relay runs taimen's reader against one and the careless fixture
// against the other, at once. taimen's reader is certified; the careless one fails exactly the
// rules it breaks in the relay scenarios; the other scenarios are skipped with a reason; and
// both cards' counters end where they were, the wrong-code scenario's spent tries restored.
// make test runs it once, under the race detector (racedElsewhere).
func TestCertifyRelay(t *testing.T) {
	racedElsewhere(t)
	needPCSCD(t)
	// Not parallel: this process's PC/SC selection stays on the physical cards' daemon for the
	// whole test, and the other certifications select theirs to wait for their card.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conf := filepath.Join(t.TempDir(), "reader.conf.d")
	if err := writeReaderConf(conf, physicalLabel); err != nil {
		t.Fatal(err)
	}
	d, err := pcscd.Start(ctx, pcscd.Options{ReaderConfDir: conf})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	p := loadP01(t)
	var cards []*emulator.Card
	serveCtx, stopServe := context.WithCancel(ctx)
	served := make(chan struct{}, pcscd.Slots)
	defer func() {
		stopServe()
		for range cards {
			<-served
		}
	}()
	for slot := range pcscd.Slots {
		card, err := emulator.New(p, emulator.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cards = append(cards, card)
		go func() {
			_ = vpcd.Serve(serveCtx, card, vpcd.Options{DialSlot: d.DialVPCD, Slot: slot, Reconnect: 20 * time.Millisecond})
			served <- struct{}{}
		}()
	}
	for slot := range pcscd.Slots {
		if err := waitCard(ctx, d, physicalReader(slot), true, 20*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	release, err := d.UseInProcess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()

	relayScs := RelayScenarios()
	taimen, careless := build(t, "./cmd/taimen"), build(t, "./certify/testdata/carelessreader")
	profile := visibleProfile(t)
	t.Run("readers", func(t *testing.T) {
		for _, tc := range []struct {
			name, command string
			slot          int
			failed        []string
		}{
			{"taimen", taimen + " read face --reader '{reader}' --test-ca " + profile + " --json --result '{out}'", 0, nil},
			// It skips the tries query (RR-001), retries a rejected code (RR-002), ignores
			// liveness (RR-007), prints the code (RR-011) and keeps the face photo in {out} (RR-014).
			{"careless", careless + " -reader '{reader}' -out '{out}'", 1, []string{"RR-001", "RR-002", "RR-007", "RR-011", "RR-014"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				card := cards[tc.slot]
				before := card.Tries()
				var progress bytes.Buffer
				rep, err := RunRelay(ctx, RelayOptions{
					Options: Options{Command: tc.command, Timeout: 30 * time.Second, Progress: &progress, Tool: "taimen test"},
					Reader:  physicalReader(tc.slot), CheckCodeB: p.CheckCodeB(),
				})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s:\n%s", tc.name, progress.String())
				if !slices.Equal(rep.FailedRules, tc.failed) || rep.Summary.Error != 0 {
					t.Errorf("failed rules %v (errors %d), want %v\n%v", rep.FailedRules, rep.Summary.Error, tc.failed, failedIn(rep))
				}
				want := VerdictPass
				if tc.failed != nil {
					want = VerdictFail
				}
				if rep.Verdict != want {
					t.Errorf("verdict %s, want %s", rep.Verdict, want)
				}
				if rep.Relay == nil || rep.Relay.Reader != physicalReader(tc.slot) || rep.Profile != "" {
					t.Errorf("relay %+v, profile %q", rep.Relay, rep.Profile)
				}
				ran := 0
				for _, sc := range rep.Scenarios {
					relayed := slices.Contains(relayScs, sc.Name)
					switch {
					case relayed && (sc.Skipped != "" || sc.Error != "" || sc.APDUs == 0 || sc.Counters == nil):
						t.Errorf("%s: skipped %q, error %q, %d APDUs, counters %v", sc.Name, sc.Skipped, sc.Error, sc.APDUs, sc.Counters)
					case relayed:
						ran++
						if d := cmp.Diff(sc.Counters.Before, sc.Counters.After); d != "" {
							t.Errorf("%s: counters (-before +after):\n%s", sc.Name, d)
						}
						if spent := len(sc.Counters.Restored) > 0; spent != (sc.Name == "wrong-code") {
							t.Errorf("%s: restored %v", sc.Name, sc.Counters.Restored)
						}
					case sc.Skipped == "" || !strings.Contains(progress.String(), sc.Name) || slices.ContainsFunc(sc.Results, func(r Result) bool { return r.Outcome != OutcomeNotApplicable }):
						t.Errorf("%s: not skipped (%q) with every rule not applicable", sc.Name, sc.Skipped)
					}
				}
				if ran != len(relayScs) {
					t.Errorf("%d relay scenarios ran", ran)
				}
				if d := cmp.Diff(before, card.Tries()); d != "" {
					t.Errorf("the physical card's counters (-before +after):\n%s", d)
				}
				if _, err := rep.WriteFiles(filepath.Join(t.TempDir(), "reports")); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

func physicalReader(slot int) string {
	return strings.Replace(pcscd.ReaderName(slot), "Virtual PCD", physicalLabel, 1)
}

// The wrong-code scenario is refused on a check-code-B key with fewer than 3 tries.
func TestRefuseSpend(t *testing.T) {
	for _, tc := range []struct {
		counters map[string]int
		refused  bool
	}{
		{map[string]int{"surface/0012": 10, "text/0015": 10, "text/0011": 1}, false}, // a PIN key's tries do not matter
		{map[string]int{"surface/0012": 3, "text/0015": 3}, false},
		{map[string]int{"surface/0012": 2, "text/0015": 10}, true},
		{map[string]int{"surface/0012": 10, "text/0015": 0}, true},
	} {
		why := refuseSpend(tc.counters)
		if (why != "") != tc.refused {
			t.Errorf("%v: %q", tc.counters, why)
		}
	}
}

// Outside wrong-code the relayed card passes no VERIFY with data but the correct check code B:
// another value is answered 6985 and never reaches the card; in wrong-code it does.
func TestRelayedCardPassesOnlyTheCode(t *testing.T) {
	p := loadP01(t)
	code := p.CheckCodeB().Bytes()
	wrong := bytes.Clone(code)
	wrong[len(wrong)-1] = '0' + (wrong[len(wrong)-1]-'0'+1)%10
	verify := func(v []byte) []byte {
		return append([]byte{0x00, 0x20, 0x00, 0x80 | byte(myna.SurfaceCheckCodeBRef), byte(len(v))}, v...)
	}
	selectSurface := append([]byte{0x00, 0xA4, 0x04, 0x0C, byte(len(myna.CardSurfaceAP.AID()))}, myna.CardSurfaceAP.AID()...)
	for _, tc := range []struct {
		name       string
		only       []byte
		wrongSW    string
		triesAfter int
	}{
		{"good", code, "6985", 10},
		{"wrong-code", nil, "63C9", 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card, err := emulator.New(p, emulator.Options{})
			if err != nil {
				t.Fatal(err)
			}
			card.PowerOn()
			seen := 0
			rc := &relayedCard{card: relay.New(context.Background(), reader.NewEmulated(card), relay.Options{}), only: tc.only,
				observe: func(cmd, rsp []byte, _ time.Duration) { seen++ }, ready: make(chan struct{})}
			sw := func(cmd []byte) string { r := rc.Transmit(cmd); return fmt.Sprintf("%X", r[len(r)-2:]) }
			if got := sw(selectSurface); got != "9000" {
				t.Fatalf("SELECT: %s", got)
			}
			if got := sw(verify(wrong)); got != tc.wrongSW {
				t.Errorf("wrong code: %s, want %s", got, tc.wrongSW)
			}
			if n := card.Tries()["surface/0012"]; n != tc.triesAfter {
				t.Errorf("surface/0012 has %d tries, want %d", n, tc.triesAfter)
			}
			if got := sw(verify(code)); got != "9000" {
				t.Errorf("correct code: %s", got)
			}
			if seen != 3 {
				t.Errorf("%d exchanges observed, want 3", seen)
			}
		})
	}
}
