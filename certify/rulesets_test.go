package certify

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRuleSetsNameExistingRules: every ID a rule set names is a rule of this
// build. A set naming a rule that does not exist would certify without
// checking what it promises, so this must fail until the rule is added.
func TestRuleSetsNameExistingRules(t *testing.T) {
	rules := Rules()
	for _, s := range RuleSets() {
		if missing := missingRules(s, rules); len(missing) > 0 {
			t.Errorf("rule set %s names rules that do not exist: %s", s.Name, strings.Join(missing, ", "))
		}
		if len(s.Rules) == 0 || s.Title == "" || !slices.IsSorted(s.Rules) || len(slices.Compact(slices.Clone(s.Rules))) != len(s.Rules) {
			t.Errorf("rule set %s: empty, untitled, unsorted or with duplicates: %v", s.Name, s.Rules)
		}
	}
}

// TestRuleSetFaceToFace2027 pins the compliance profile's IDs (issue 14:
// RR-001…RR-008 and RR-012…RR-015).
func TestRuleSetFaceToFace2027(t *testing.T) {
	var got []string
	for _, s := range RuleSets() {
		if s.Name == RuleSetFaceToFace2027 {
			got = s.Rules
		}
	}
	want := []string{"RR-001", "RR-002", "RR-003", "RR-004", "RR-005", "RR-006", "RR-007", "RR-008", "RR-012", "RR-013", "RR-014", "RR-015"}
	if !slices.Equal(got, want) {
		t.Fatalf("face-to-face-2027 = %v, want %v", got, want)
	}
}

func TestRuleSetLookup(t *testing.T) {
	var ids []string
	for _, r := range Rules() {
		ids = append(ids, r.ID)
	}
	for _, name := range []string{"", RuleSetAll} {
		s, err := LookupRuleSet(name)
		if err != nil || s.Name != RuleSetAll || !slices.Equal(s.Rules, ids) {
			t.Errorf("LookupRuleSet(%q) = %v %v, want all of %v", name, s, err, ids)
		}
	}
	_, err := LookupRuleSet("face-to-face-2026")
	if !errors.Is(err, ErrUnknownRuleSet) || !strings.Contains(err.Error(), `"face-to-face-2026"`) ||
		!strings.Contains(err.Error(), RuleSetAll) || !strings.Contains(err.Error(), RuleSetFaceToFace2027) {
		t.Errorf("unknown name: %v, want ErrUnknownRuleSet listing the known sets", err)
	}
	// A set naming a rule that does not exist is found by missingRules (which LookupRuleSet applies).
	bad := RuleSet{Name: "bad", Rules: []string{"RR-001", "RR-999"}}
	if m := missingRules(bad, Rules()); !slices.Equal(m, []string{"RR-999"}) {
		t.Errorf("missingRules = %v, want [RR-999]", m)
	}
	if m := missingRules(bad, Rules()[1:]); !slices.Equal(m, []string{"RR-001", "RR-999"}) {
		t.Errorf("missingRules without RR-001 = %v", m)
	}
}

// ruleSetReport is sampleReport judged with only the rules of set: the
// wrong-code scenario fails RR-001, "slow" was not run.
func ruleSetReport(t *testing.T, set RuleSet, withError bool) *Report {
	t.Helper()
	rules := set.Select(Rules())
	rep := &Report{Schema: Schema, Tool: "taimen test", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Command: "reader", Profile: "p01-showa", RuleSet: set.Name, Rules: rules}
	sc, _ := selectScenarios([]string{"wrong-code"})
	ev := newStream().apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeWrong, "63C9").ev("wrong-code", nil)
	ev.exitCode = 3
	rep.Scenarios = append(rep.Scenarios, ScenarioResult{Scenario: sc[0], ExitCode: 3, Results: judgeRules(rules, sc[0], ev, nil), Trace: []Exchange{}})
	if withError {
		sc, _ := selectScenarios([]string{"slow"})
		rep.Scenarios = append(rep.Scenarios, ScenarioResult{Scenario: sc[0], ExitCode: -1, Error: "no card",
			Results: judgeRules(rules, sc[0], nil, errors.New("no card")), Trace: []Exchange{}})
	}
	rep.tally()
	return rep
}

// TestRuleSetDecidesTheVerdict: rules outside the set are not judged and do
// not change the verdict; the reports name the set.
func TestRuleSetDecidesTheVerdict(t *testing.T) {
	all, _ := LookupRuleSet(RuleSetAll)
	without := RuleSet{Name: "without-rr-001", Rules: slices.DeleteFunc(slices.Clone(all.Rules), func(id string) bool { return id == "RR-001" })}
	only := RuleSet{Name: "only-rr-001", Rules: []string{"RR-001"}}
	for _, tc := range []struct {
		set       RuleSet
		withError bool
		verdict   Verdict
		results   int
	}{
		{all, false, VerdictFail, len(all.Rules)},
		{only, false, VerdictFail, 1},
		{without, false, VerdictPass, len(all.Rules) - 1},
		{without, true, VerdictError, len(all.Rules) - 1},
	} {
		rep := ruleSetReport(t, tc.set, tc.withError)
		if rep.Verdict != tc.verdict || len(rep.Scenarios[0].Results) != tc.results || len(rep.Rules) != tc.results {
			t.Errorf("%s: verdict %s with %d results, want %s with %d", tc.set.Name, rep.Verdict, len(rep.Scenarios[0].Results), tc.verdict, tc.results)
		}
		for _, res := range rep.Scenarios[0].Results {
			if !tc.set.Includes(res.Rule) {
				t.Errorf("%s: %s judged, not in the set", tc.set.Name, res.Rule)
			}
		}
	}
	rep := ruleSetReport(t, without, false)
	var j, x, h bytes.Buffer
	if err := rep.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	var back struct {
		RuleSet string `json:"rule_set"`
	}
	if err := json.Unmarshal(j.Bytes(), &back); err != nil || back.RuleSet != "without-rr-001" {
		t.Errorf("JSON rule_set %q %v", back.RuleSet, err)
	}
	if err := rep.WriteJUnit(&x); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(x.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(suites.Name, "without-rr-001") || !slices.Contains(suites.Suites[0].Properties, junitProperty{"rule_set", "without-rr-001"}) {
		t.Errorf("JUnit does not name the rule set: %q %v", suites.Name, suites.Suites[0].Properties)
	}
	if err := rep.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.String(), "<code>without-rr-001</code>") || strings.Contains(h.String(), "RR-001<") {
		t.Error("HTML does not name the rule set, or shows a rule outside it")
	}
}

// TestRuleSetRun: a real run (private pcscd) of a reader that does nothing
// ("true") on the wrong-code card fails RR-013 with every rule, and passes a
// set without it, whose rules alone are judged; an unknown set is refused.
func TestRuleSetRun(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	saved := ruleSets
	t.Cleanup(func() { ruleSets = saved })
	ruleSets = append(slices.Clone(saved), RuleSet{Name: "test-deadline-only", Title: "RR-010 only", Rules: []string{"RR-010"}})
	ctx := context.Background()
	for _, tc := range []struct {
		set     string
		verdict Verdict
		rules   []string
	}{
		{"", VerdictFail, nil},
		{"test-deadline-only", VerdictPass, []string{"RR-010"}},
	} {
		rep, err := Run(ctx, Options{Command: "true", Profile: loadP01(t), Timeout: 10 * time.Second, Scenarios: []string{"wrong-code"}, RuleSet: tc.set})
		if err != nil {
			t.Fatal(err)
		}
		var judged []string
		for _, res := range rep.Scenarios[0].Results {
			judged = append(judged, res.Rule)
		}
		want := RuleSet{Name: RuleSetAll}
		if tc.set != "" {
			want.Name = tc.set
		}
		if rep.Verdict != tc.verdict || rep.RuleSet != want.Name || (tc.rules != nil && !slices.Equal(judged, tc.rules)) || (tc.rules == nil && len(judged) != len(Rules())) {
			t.Errorf("rule set %q: verdict %s, rule_set %q, judged %v", tc.set, rep.Verdict, rep.RuleSet, judged)
		}
	}
	if _, err := Run(ctx, Options{Command: "true", Profile: loadP01(t), RuleSet: "nope"}); !errors.Is(err, ErrUnknownRuleSet) {
		t.Errorf("unknown rule set: %v", err)
	}
}
