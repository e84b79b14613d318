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
