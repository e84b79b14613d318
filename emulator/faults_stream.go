package emulator

import (
	"fmt"
	"sort"
	"strings"
)

// The relay-only faults: `taimen relay` applies them to the responses of a physical card; the
// emulator does not implement them (use the card faults sw-6300, truncated-read for those).
const (
	// FaultSWRewrite rewrites status words on the way back: 63Cx → 6300, 6984 → 6983.
	FaultSWRewrite Fault = "sw-rewrite"
	// FaultTruncatedResponse drops the last data byte of every response that carries data.
	FaultTruncatedResponse Fault = "truncated-response"
	// FaultFlippedByte flips the low bit of the first data byte of every response that carries data.
	FaultFlippedByte Fault = "flipped-byte"
)

// relayFaultInfo describes the relay-only faults, in FaultInfo's form.
var relayFaultInfo = []FaultInfo{
	{FaultSWRewrite, "status words are rewritten: 63Cx answers 6300 and 6984 answers 6983 (relay only)", "checkcodes", true},
	{FaultTruncatedResponse, "every response with data loses its last data byte (relay only)", "reads", true},
	{FaultFlippedByte, "every response with data has the low bit of its first byte flipped (relay only)", "reads", true},
}

// streamFaults is the one place that says which faults apply to an APDU stream, i.e. which
// `taimen relay --fault` accepts: the card faults that are a transport's doing, with the same
// meaning and parameters as in `taimen emulate --fault`, and the relay-only faults.
var streamFaults = map[Fault]bool{
	FaultSlow: true, FaultMute: true, FaultTorn: true, FaultNoExtended: true,
	FaultSWRewrite: true, FaultTruncatedResponse: true, FaultFlippedByte: true,
}

// AppliesToStream reports whether the fault can be injected into the APDU stream of another
// card (by `taimen relay`).
func (f Fault) AppliesToStream() bool { return streamFaults[f] }

// StreamFaults lists the faults `taimen relay` accepts, sorted by name.
func StreamFaults() []FaultInfo {
	var out []FaultInfo
	for _, f := range append(append([]FaultInfo(nil), faultInfo...), relayFaultInfo...) {
		if f.Fault.AppliesToStream() {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Fault < out[j].Fault })
	return out
}

// ParseStreamFault is ParseFault for `taimen relay`: the same names and parameter syntax,
// restricted to the faults that apply to a stream; any other name is an error that lists the
// valid ones.
func ParseStreamFault(s string) (FaultSetting, error) {
	name, param, _ := strings.Cut(s, "=")
	valid := StreamFaults()
	names := make([]string, len(valid))
	for i, f := range valid {
		names[i] = string(f.Fault)
	}
	list := strings.Join(names, ", ")
	for _, f := range relayFaultInfo {
		if string(f.Fault) == name {
			if param != "" {
				return FaultSetting{}, fmt.Errorf("fault %s takes no parameter", name)
			}
			return FaultSetting{Fault: f.Fault}, nil
		}
	}
	fs, err := ParseFault(s)
	if err != nil && !strings.HasPrefix(err.Error(), "unknown fault") {
		return FaultSetting{}, err
	}
	if err != nil {
		return FaultSetting{}, fmt.Errorf("unknown fault %q (valid for a relayed card: %s)", name, list)
	}
	if !fs.Fault.AppliesToStream() {
		return FaultSetting{}, fmt.Errorf("fault %q is the card's doing and cannot be injected into a relayed card (valid: %s)", name, list)
	}
	return fs, nil
}

// StreamDefaults fills in the defaults of slow, mute and torn (300 ms, 3 and 5 commands), as
// the emulator does.
func StreamDefaults(settings []FaultSetting) []FaultSetting {
	fs := newFaultSet(settings)
	out := make([]FaultSetting, len(settings))
	for i, s := range settings {
		out[i] = FaultSetting{Fault: s.Fault, Delay: fs.delay[s.Fault], After: fs.after[s.Fault]}
	}
	return out
}
