package certify

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// RuleSetAll is the default rule set: every rule.
const RuleSetAll = "all"

// RuleSetFaceToFace2027 is the compliance profile for face-to-face identity
// checks that read the chip and confirm its authenticity (see
// docs/face-to-face-2027.md for what each rule maps to).
const RuleSetFaceToFace2027 = "face-to-face-2027"

// ErrUnknownRuleSet is wrapped when a rule set name is not known.
var ErrUnknownRuleSet = errors.New("unknown rule set")

// ErrRuleSetIncomplete is wrapped when a rule set names a rule this build
// does not have: such a set would certify without checking all it promises.
var ErrRuleSetIncomplete = errors.New("rule set names a rule that does not exist")

// RuleSet is a named selection of rules. Only the rules of the selected set
// are judged, and only they decide the verdict.
type RuleSet struct {
	// Name identifies the set, e.g. "face-to-face-2027".
	Name string `json:"name"`
	// Title says what the set is for.
	Title string `json:"title"`
	// Rules are the IDs of the rules in the set, sorted.
	Rules []string `json:"rules"`
}

// ruleSets are the named sets besides "all". The IDs are checked against
// Rules() by LookupRuleSet and by a unit test.
var ruleSets = []RuleSet{
	{Name: RuleSetFaceToFace2027,
		Title: "face-to-face identity check with a chip ID: read the chip, show it, confirm its authenticity (犯収法施行規則 draft amendment of 2025-12-05, from 2027-04-01)",
		Rules: []string{"RR-001", "RR-002", "RR-003", "RR-004", "RR-005", "RR-006", "RR-007", "RR-008",
			"RR-012", "RR-013", "RR-014", "RR-015"}},
}

// RuleSets returns every named rule set, "all" first (holding every rule of
// this build).
func RuleSets() []RuleSet {
	all := RuleSet{Name: RuleSetAll, Title: "every rule"}
	for _, r := range Rules() {
		all.Rules = append(all.Rules, r.ID)
	}
	out := []RuleSet{all}
	for _, s := range ruleSets {
		s.Rules = slices.Clone(s.Rules)
		slices.Sort(s.Rules)
		out = append(out, s)
	}
	return out
}

// RuleSetNames returns the names of the rule sets, "all" first.
func RuleSetNames() []string {
	var names []string
	for _, s := range RuleSets() {
		names = append(names, s.Name)
	}
	return names
}

// LookupRuleSet returns the named rule set ("" is "all"). It fails with
// ErrUnknownRuleSet (listing the known names) for an unknown name, and with
// ErrRuleSetIncomplete when the set names a rule this build does not have.
func LookupRuleSet(name string) (RuleSet, error) {
	if name == "" {
		name = RuleSetAll
	}
	for _, s := range RuleSets() {
		if s.Name == name {
			if missing := missingRules(s, Rules()); len(missing) > 0 {
				return RuleSet{}, fmt.Errorf("%w: %s names %s", ErrRuleSetIncomplete, s.Name, strings.Join(missing, ", "))
			}
			return s, nil
		}
	}
	return RuleSet{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownRuleSet, name, strings.Join(RuleSetNames(), ", "))
}

// missingRules returns the IDs the set names that are not among rules.
func missingRules(s RuleSet, rules []Rule) []string {
	var missing []string
	for _, id := range s.Rules {
		if !slices.ContainsFunc(rules, func(r Rule) bool { return r.ID == id }) {
			missing = append(missing, id)
		}
	}
	return missing
}

// Includes reports whether the rule with this ID is in the set.
func (s RuleSet) Includes(id string) bool { return slices.Contains(s.Rules, id) }

// Select returns the rules of the set, in the order of rules.
func (s RuleSet) Select(rules []Rule) []Rule {
	var out []Rule
	for _, r := range rules {
		if s.Includes(r.ID) {
			out = append(out, r)
		}
	}
	return out
}
