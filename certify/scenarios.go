package certify

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/taimen-dev/taimen/myna"
)

// Scenario is one card the reader under test is run against: a fresh
// emulated card (new state, new counters) personalized from the chosen
// profile, possibly with faults, preset counters, or a profile variant, and
// what the operator gives the reader.
type Scenario struct {
	// Name identifies the scenario on the command line and in reports.
	Name string `json:"name"`
	// Title says in a few words what happens, for humans.
	Title string `json:"title"`
	// Card describes what the emulated card does.
	Card string `json:"card"`
	// Faults are emulator faults in emulator.ParseFault syntax ("slow=200ms").
	Faults []string `json:"faults,omitempty"`
	// Tries presets retry counters ("surface/0012" → tries left; 0 blocks).
	Tries map[string]int `json:"tries,omitempty"`
	// WrongCode gives the reader a wrong but well-formed check code B.
	WrongCode bool `json:"wrong_code,omitempty"`
	// Input is what the operator gives the reader instead of check code B:
	// "" (TAIMEN_CHECK_CODE_B), inputImage or inputManual.
	Input string `json:"input,omitempty"`
	// Variant names a profile variant: "" (the profile as is), variantLarger
	// or variantSmaller.
	Variant string `json:"profile_variant,omitempty"`
	// PullOnTear removes the card from the reader when it tears (it is not
	// re-inserted), as a holder pulling it away mid-read.
	PullOnTear bool `json:"-"`
	// Form presents the card as something that is not a My Number Card's
	// face (emulator.Options.Form); "" is the card itself.
	Form myna.Form `json:"form,omitempty"`
	// Profile runs the scenario on another profile of the set given (its ID,
	// a sibling directory of the given profile's) instead of the given one;
	// "" is the given profile (nextgen.go).
	Profile string `json:"profile,omitempty"`
}

// Profile variants.
const (
	// variantLarger gives the card-surface file (surface/0002) a physical
	// size well beyond its TLV, filled with the profile's filler and rounded
	// to a multiple of 256, so that a chunked read ends on a 6B00 exactly at
	// the end of the file.
	variantLarger = "larger-files"
	// variantSmaller removes every ef_sizes entry: no EF has filler after its TLV.
	variantSmaller = "smaller-files"
)

// Operator inputs (Scenario.Input). In every scenario {card_image} names a
// PNG of the card's front; only these two withhold TAIMEN_CHECK_CODE_B.
const (
	// inputImage gives only the photo of the card's front ({card_image}).
	inputImage = "card-image"
	// inputManual gives the Gregorian birth date, the expiry year and the
	// security code (TAIMEN_BIRTH_DATE, TAIMEN_EXPIRY_YEAR, TAIMEN_SECURITY_CODE).
	inputManual = "manual-date"
)

// extraFiller is what variantLarger adds to the card-surface file before rounding.
const extraFiller = 4096

// tornAfter is the number of commands a torn card answers before it is pulled.
const tornAfter = 4

var scenarios = []Scenario{
	{Name: "good", Title: "good card", Card: "a genuine card, read with the right check code B"},
	{Name: "wrong-code", Title: "the operator gets the code wrong", WrongCode: true,
		Card: "a genuine card; the operator's check code B is well-formed but wrong (the security code is off)"},
	{Name: "one-try-left", Title: "one try left", Tries: map[string]int{"surface/0012": 1, "text/0015": 1},
		Card: "check code B has one try left on both applications (surface/0012, text/0015); the code given is right"},
	{Name: "blocked", Title: "blocked card", Tries: map[string]int{"surface/0012": 0, "text/0015": 0},
		Card: "check code B is blocked on both applications (surface/0012, text/0015)"},
	{Name: "forged-data", Title: "forged data", Faults: []string{"forged-data"},
		Card: "the face photo was changed after signing: the card-face signature (DF28) does not verify"},
	{Name: "unknown-ca", Title: "certificate from an unknown CA", Faults: []string{"unknown-ca"},
		Card: "the card-surface application's CV certificate is signed by a CA that is not the profile set's"},
	{Name: "clone", Title: "clone", Faults: []string{"clone"},
		Card: "genuine signed data, but challenges are signed with another key, as a copied dump would"},
	{Name: "changed-expiry", Title: "changed expiry", Faults: []string{"changed-expiry"},
		Card: "the expiry date (DF29, not covered by the signature) was changed; the signature still verifies"},
	{Name: "slow", Title: "slow card", Faults: []string{"slow=200ms"},
		Card: "every command takes an extra 200 ms"},
	{Name: "torn", Title: "card pulled mid-read", Faults: []string{fmt.Sprintf("torn=%d", tornAfter)}, PullOnTear: true,
		Card: fmt.Sprintf("the card answers %d commands, then is pulled from the reader and not put back", tornAfter)},
	{Name: "no-extended", Title: "no extended length", Faults: []string{"no-extended-length"},
		Card: "extended-length APDUs are refused with 6700"},
	{Name: variantLarger, Title: "larger data files", Variant: variantLarger,
		Card: fmt.Sprintf("the card-surface file has %d+ bytes of filler after its TLV, its size a multiple of 256", extraFiller)},
	{Name: variantSmaller, Title: "smaller data files", Variant: variantSmaller,
		Card: "no EF has filler after its TLV (the profile's ef_sizes are dropped)"},
	{Name: "image-only", Title: "the operator photographs the card", Input: inputImage,
		Card: "a genuine card; the operator gives only a photo of its front ({card_image}), no check code B: the reader reads the birth date, expiry year and security code from it"},
	{Name: "manual-date", Title: "the operator types the birth date", Input: inputManual,
		Card: "a genuine card; the operator types the Gregorian birth date, the expiry year and the security code (TAIMEN_BIRTH_DATE, TAIMEN_EXPIRY_YEAR, TAIMEN_SECURITY_CODE), no check code B: the reader converts the date to the card's form"},
	{Name: scenarioJPKIToken, Title: "a phone's JPKI-only token", Form: myna.FormJPKITokenAndroid,
		Card: "a smartphone's My Number Card function (Android, token JPKIAPGPSETOKEN, ATR 3B 80 80 01 01): the JPKI application only; the card-surface, text and other applications answer 6A82"},
	{Name: scenarioNotMyNumber, Title: "not a My Number Card", Form: myna.FormNotMyNumber,
		Card: "a card with no My Number application (a blank JavaCard's ATR): every SELECT by AID answers 6A82"},
	scenarioNextGenerationEntry,
}

// The scenarios of cards that are not a My Number Card's face (RR-017).
const (
	scenarioJPKIToken   = "jpki-token"
	scenarioNotMyNumber = "not-mynumber"
)

// Scenarios returns every scenario, in the order they run.
func Scenarios() []Scenario {
	out := make([]Scenario, len(scenarios))
	for i, s := range scenarios {
		s.Faults = slices.Clone(s.Faults)
		s.Tries = maps.Clone(s.Tries)
		out[i] = s
	}
	return out
}

// selectScenarios returns the scenarios named (all when names is empty), in
// the canonical order; an unknown name is an error listing the known ones.
func selectScenarios(names []string) ([]Scenario, error) {
	all := Scenarios()
	if len(names) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if !slices.ContainsFunc(all, func(s Scenario) bool { return s.Name == n }) {
			known := make([]string, len(all))
			for i, s := range all {
				known[i] = s.Name
			}
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", n, strings.Join(known, ", "))
		}
		want[n] = true
	}
	return slices.DeleteFunc(all, func(s Scenario) bool { return !want[s.Name] }), nil
}
