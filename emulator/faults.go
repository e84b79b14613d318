package emulator

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/taimen-dev/taimen/myna"
)

// Fault names one deliberate misbehaviour of the emulated card. Faults let a
// conformance suite prove it detects a faulty card, and let reader vendors
// see how their software handles one.
type Fault string

// The faults. Each is documented by FaultInfo.
const (
	FaultNoDecrement          Fault = "no-decrement"
	FaultDecrementAfterCheck  Fault = "decrement-after-compare"
	FaultTimingLeak           Fault = "timing-leak"
	FaultNoBlock              Fault = "no-block"
	FaultResetOnReselect      Fault = "counter-reset-on-reselect"
	FaultResetOnPowerCycle    Fault = "counter-reset-on-power-cycle"
	FaultAcceptPrefix         Fault = "accept-prefix"
	FaultSW6300               Fault = "sw-6300"
	FaultSW6983               Fault = "sw-6983-when-blocked"
	FaultNoAccessCheck        Fault = "no-access-check"
	FaultBOpensNumber         Fault = "b-opens-number-image"
	FaultTruncatedRead        Fault = "truncated-read"
	FaultBadOffsets           Fault = "bad-df21-offsets"
	FaultForgedData           Fault = "forged-data"
	FaultUnknownCA            Fault = "unknown-ca"
	FaultClone                Fault = "clone"
	FaultChangedExpiry        Fault = "changed-expiry"
	FaultChangedSecurityCode  Fault = "changed-security-code"
	FaultSMNoCounter          Fault = "sm-counter-unchecked"
	FaultSlow                 Fault = "slow"
	FaultMute                 Fault = "mute"
	FaultTorn                 Fault = "torn"
	FaultVerifiedSurvives     Fault = "verified-survives-reset"
	FaultFixedChallenge       Fault = "fixed-challenge"
	FaultCounterNotDurable    Fault = "counter-not-durable"
	FaultNoExtended           Fault = "no-extended-length"
	FaultEmptyQuerySpends     Fault = "status-query-spends-try"
	FaultWrongLengthUncounted Fault = "wrong-length-not-counted"
	FaultIgnoresSecurityCode  Fault = "ignores-security-code"
	FaultTriesOneTooMany      Fault = "tries-one-too-many"
	FaultForgedLicence        Fault = "forged-licence"
	FaultLicenceNoDecrement   Fault = "licence-no-decrement"
)

// FaultInfo describes a fault: what the card does wrong and which area of the
// suites should notice.
type FaultInfo struct {
	Fault Fault
	Does  string // what the faulty card does
	Area  string // the suite area expected to catch it
	// Reader says the fault concerns readers too (certify-reader scenarios).
	Reader bool
}

var faultInfo = []FaultInfo{
	{FaultNoDecrement, "a wrong code does not decrement the retry counter", "counters", false},
	{FaultDecrementAfterCheck, "the counter is decremented after the comparison, so a power cut between them buys a free try", "counters", false},
	{FaultTimingLeak, "check codes are compared digit by digit with a measurable delay per matching digit", "timing", false},
	{FaultNoBlock, "a counter at zero does not block: the correct code is still accepted", "counters", false},
	{FaultResetOnReselect, "selecting an application resets its retry counters", "counters", false},
	{FaultResetOnPowerCycle, "a power cycle or reset resets every retry counter", "counters", false},
	{FaultAcceptPrefix, "a code is accepted when its first digits are right (the comparison stops at the shorter value)", "checkcodes", false},
	{FaultSW6300, "a wrong code answers 6300 instead of 63Cx", "checkcodes", false},
	{FaultSW6983, "a blocked key answers 6983 instead of 6984", "counters", false},
	{FaultNoAccessCheck, "every file is readable without verification", "reads", false},
	{FaultBOpensNumber, "check code B opens the individual-number image (card-surface EF 0005)", "reads", false},
	{FaultTruncatedRead, "READ BINARY returns one byte less than it should when more than 32 bytes are asked", "reads", true},
	{FaultBadOffsets, "the DF21 offset table of the card-surface file does not match the tags", "reads", false},
	{FaultForgedData, "the face photo was changed after signing: DF28 does not verify", "reads", true},
	{FaultUnknownCA, "the CV certificate is signed by a CA that is not the profile set's", "reads", true},
	{FaultClone, "genuine signed data, but the challenge is signed with another key, as a copied dump would behave", "reads", true},
	{FaultChangedExpiry, "the expiry date (DF29, unsigned) was changed: the signature still verifies", "reads", true},
	{FaultChangedSecurityCode, "the security-code image (DF2A, unsigned) was changed: the signature still verifies", "reads", true},
	{FaultSMNoCounter, "the text application's secure messaging does not check the message counter", "sm", false},
	{FaultSlow, "every command takes an extra latency (default 300 ms)", "timing", true},
	{FaultMute, "the card stops answering (after N commands, default 3)", "robustness", true},
	{FaultTorn, "the card is torn away after N commands (default 5)", "robustness", true},
	{FaultVerifiedSurvives, "a verified check code stays valid across reset, power cycle and re-selection", "reads", false},
	{FaultFixedChallenge, "GET CHALLENGE always returns the same bytes", "reads", false},
	{FaultCounterNotDurable, "counter changes are kept in memory only: a restart restores the tries", "counters", false},
	{FaultNoExtended, "extended-length APDUs are refused with 6700", "reads", true},
	{FaultEmptyQuerySpends, "the empty VERIFY (a tries query) spends a try", "checkcodes", false},
	{FaultWrongLengthUncounted, "a VERIFY with a value of the wrong length answers 63Cx without spending a try", "checkcodes", false},
	{FaultIgnoresSecurityCode, "check code B is compared on its first 10 digits only: any security code is accepted with the right birth date and expiry year", "checkcodes", false},
	{FaultTriesOneTooMany, "every 63Cx says one try more than the card has left (tries queries and wrong codes alike); the counting itself is right", "checkcodes", false},
	{FaultForgedLicence, "the driving-licence data (EF 001B) was changed after signing: its expiry is five years later and EF 001C does not verify", "reads", true},
	{FaultLicenceNoDecrement, "a wrong licence PIN (EF 0006) does not decrement its retry counter", "counters", false},
}

// Faults lists every fault with its description, sorted by name.
func Faults() []FaultInfo {
	out := append([]FaultInfo(nil), faultInfo...)
	sort.Slice(out, func(i, j int) bool { return out[i].Fault < out[j].Fault })
	return out
}

// NotApplicable says why fault f cannot be told apart from a correct card of
// profile p ("" when it can): the profile already declares that behaviour,
// or it switches off what the fault breaks. A mutation run skips such a fault
// for that profile instead of calling it missed.
func (f Fault) NotApplicable(p *myna.Profile) string {
	switch f {
	case FaultNoExtended:
		if !p.Behaviour.ExtendedLength {
			return "the profile's card already refuses extended length (behaviour extended_length false)"
		}
	case FaultForgedLicence, FaultLicenceNoDecrement:
		if p.Licence == nil {
			return "the profile carries no driving-licence application (no licence section)"
		}
	case FaultSMNoCounter:
		if !p.Behaviour.ExtendedLength {
			return "no secure messaging without extended length: SET SESSION KEY needs an extended Lc of 256 bytes"
		}
	}
	return ""
}

// ParseFault accepts a fault name, optionally with a parameter after '=':
// "slow=250ms", "mute=10", "torn=3", "timing-leak=50us".
func ParseFault(s string) (FaultSetting, error) {
	name, param, _ := strings.Cut(s, "=")
	for _, f := range faultInfo {
		if string(f.Fault) == name {
			fs := FaultSetting{Fault: f.Fault}
			if param == "" {
				return fs, nil
			}
			switch f.Fault {
			case FaultSlow, FaultTimingLeak:
				d, err := time.ParseDuration(param)
				if err != nil || d < 0 {
					return fs, fmt.Errorf("fault %s: %q is not a duration", name, param)
				}
				fs.Delay = d
			case FaultMute, FaultTorn:
				var n int
				if _, err := fmt.Sscanf(param, "%d", &n); err != nil || n < 0 {
					return fs, fmt.Errorf("fault %s: %q is not a command count", name, param)
				}
				fs.After = n
			default:
				return fs, fmt.Errorf("fault %s takes no parameter", name)
			}
			return fs, nil
		}
	}
	names := make([]string, len(faultInfo))
	for i, f := range faultInfo {
		names[i] = string(f.Fault)
	}
	sort.Strings(names)
	return FaultSetting{}, fmt.Errorf("unknown fault %q (known: %s)", name, strings.Join(names, ", "))
}

// FaultSetting is one fault switched on, with its parameter.
type FaultSetting struct {
	Fault Fault
	Delay time.Duration // slow: per command; timing-leak: per matching digit
	After int           // mute, torn: commands answered before it happens
}

// faultSet is the engine's view of the faults switched on.
type faultSet struct {
	on    map[Fault]bool
	delay map[Fault]time.Duration
	after map[Fault]int
}

func newFaultSet(settings []FaultSetting) faultSet {
	fs := faultSet{on: map[Fault]bool{}, delay: map[Fault]time.Duration{}, after: map[Fault]int{}}
	for _, s := range settings {
		fs.on[s.Fault] = true
		fs.delay[s.Fault] = s.Delay
		fs.after[s.Fault] = s.After
	}
	if fs.on[FaultSlow] && fs.delay[FaultSlow] == 0 {
		fs.delay[FaultSlow] = 300 * time.Millisecond
	}
	if fs.on[FaultTimingLeak] && fs.delay[FaultTimingLeak] == 0 {
		fs.delay[FaultTimingLeak] = 50 * time.Microsecond
	}
	if fs.on[FaultMute] && fs.after[FaultMute] == 0 {
		fs.after[FaultMute] = 3
	}
	if fs.on[FaultTorn] && fs.after[FaultTorn] == 0 {
		fs.after[FaultTorn] = 5
	}
	return fs
}

func (f faultSet) has(x Fault) bool { return f.on[x] }
