package all

import (
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/reports"
	"github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
	"github.com/taimen-dev/taimen/vectors"
)

// The reports package reads the entries by name without importing the suites.
func TestEntryNamesMatch(t *testing.T) {
	for _, tc := range [][2]string{
		{suites.EntryTarget, reports.EntryTarget},
		{suites.EntryTrace, reports.EntryTrace},
		{suites.EntryTraceDigest, reports.EntryTraceDigest},
		{suites.EntryTiming, reports.EntryTiming},
		{suites.EntryCounter, reports.EntryCounter},
		{suites.EntryRunCounters, reports.EntryRunCounters},
	} {
		if tc[0] != tc[1] {
			t.Errorf("suites says %q, reports reads %q", tc[0], tc[1])
		}
	}
}

func TestEffectiveFilter(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == target.EnvTarget {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name string
		cfg  RunConfig
		want string
		bad  bool
	}{
		{"emulator, no filter", RunConfig{Target: target.Config{Spec: "emulator"}}, "", false},
		{"emulator keeps the filter", RunConfig{Target: target.Config{Spec: "emulator"}, LabelFilter: "reads"}, "reads", false},
		{"vpcd runs destructive specs", RunConfig{Target: target.Config{Spec: "vpcd"}}, "", false},
		{"physical card: no destructive spec", RunConfig{Target: target.Config{Spec: "pcsc:ACS"}}, "!destructive", false},
		{"physical card with a filter", RunConfig{Target: target.Config{Spec: "pcsc:#0"}, LabelFilter: "reads || counters"}, "(reads || counters) && !destructive", false},
		{"physical card, destruction allowed", RunConfig{Target: target.Config{Spec: "pcsc", AllowDestructive: true}}, "", false},
		{"physical card from the environment", RunConfig{Target: target.Config{Getenv: env("pcsc:X")}}, "!destructive", false},
		{"bad filter", RunConfig{LabelFilter: "reads &&"}, "", true},
		{"bad target", RunConfig{Target: target.Config{Spec: "floppy"}}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EffectiveFilter(tc.cfg)
			if (err != nil) != tc.bad || got != tc.want {
				t.Errorf("got %q, %v; want %q (error %v)", got, err, tc.want, tc.bad)
			}
		})
	}
}

func TestProfileSecrets(t *testing.T) {
	p, err := vectors.LoadProfile(target.DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range ProfileSecrets(p) {
		got[s] = true
	}
	for _, want := range []string{p.CheckCodeB().Reveal(), p.TextPIN().Reveal(), p.Person.Name, p.Person.Address, p.Person.BirthDateDigits(), "昭和55年2月17日", "1980-02-17", p.Person.MunicipalityCode, p.Card.ExpiryDigits()} {
		if !got[want] {
			t.Errorf("missing a value (%d chars)", len(want))
		}
	}
}

func TestPhysicalSecrets(t *testing.T) {
	env := map[string]string{"TAIMEN_TEXT_PIN": "5931", "TAIMEN_CHECK_CODE_B": "55021720354821"}
	got := physicalSecrets(func(k string) string { return env[k] })
	want := map[string]bool{"5931": true, "55021720354821": true, "550217": true}
	if len(got) != len(want) {
		t.Fatalf("got %d values", len(got))
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected value of %d chars", len(g))
		}
	}
}

// A bad label filter is reported in plain text: Ginkgo's message is coloured for its console.
func TestEffectiveFilterErrorIsPlain(t *testing.T) {
	_, err := EffectiveFilter(RunConfig{Target: target.Config{Spec: "emulator"}, LabelFilter: "reads &&"})
	if err == nil || strings.Contains(err.Error(), "\x1b") || !strings.Contains(err.Error(), "Unexpected EOF") {
		t.Errorf("%q", err)
	}
}
