package myna

import (
	"encoding/json"
	"fmt"
)

// BehaviourFile is the JSON encoding of a profile's "behaviour" block (profile.json): every
// field is optional, and an absent field keeps taimen's default. `taimen discover` writes it,
// so that its output pastes into a profile unchanged.
type BehaviourFile = behaviourFile

// FillerJSON encodes a filler byte the way profiles write it: two hex digits, e.g. "FF".
func FillerJSON(b byte) json.RawMessage {
	return json.RawMessage(fmt.Sprintf("%q", fmt.Sprintf("%02X", b)))
}

// SWJSON encodes a status word the way profiles write it: four hex digits, e.g. "63C0".
func SWJSON(sw uint16) *string { s := fmt.Sprintf("%04X", sw); return &s }

// MarshalJSON writes only the fields that are set: an absent field is a question left open.
func (b behaviourFile) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	add := func(name string, set bool, v any) {
		if set {
			m[name] = v
		}
	}
	add("blocked_status_query", b.BlockedStatusQuery != nil, b.BlockedStatusQuery)
	add("protected_read", b.ProtectedRead != nil, b.ProtectedRead)
	add("wrong_length_verify", b.WrongLengthVerify != nil, b.WrongLengthVerify)
	add("offset_beyond_end", b.OffsetBeyondEnd != nil, b.OffsetBeyondEnd)
	add("reselect_same_ap_clears", b.ReselectSameAPClears != nil, b.ReselectSameAPClears)
	add("wrong_code_clears", b.WrongCodeClears != nil, b.WrongCodeClears)
	add("fci_on_p2_00", b.FCIOnP2_00 != nil, b.FCIOnP2_00)
	add("filler", len(b.Filler) > 0, b.Filler)
	add("extended_length", b.ExtendedLength != nil, b.ExtendedLength)
	add("plain_latency_ms", b.PlainLatencyMS != nil, b.PlainLatencyMS)
	return json.Marshal(m)
}
