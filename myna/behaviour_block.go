package myna

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// BehaviourFields are the fields of a profile's "behaviour" block, in the profile schema's order.
var BehaviourFields = []string{"blocked_status_query", "protected_read", "wrong_length_verify", "offset_beyond_end",
	"reselect_same_ap_clears", "wrong_code_clears", "fci_on_p2_00", "filler", "extended_length", "plain_latency_ms"}

// ParseBehaviour parses a "behaviour" block in the profile schema, as a profile's and
// `taimen discover`'s: the answers it gives over taimen's defaults, and the fields it gives (in
// BehaviourFields' order). Errors are *ProfileError values naming name and the field
// ("behaviour.filler"), joined; unknown fields are errors.
func ParseBehaviour(name string, data []byte) (Behaviour, []string, error) {
	var f behaviourFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		field, reason := jsonProblem(err)
		if field != "" {
			field = "behaviour." + field
		} else if strings.HasPrefix(reason.Error(), "unknown field ") {
			field = "behaviour"
		}
		return Behaviour{}, nil, &ProfileError{Profile: name, Field: field, Err: reason}
	}
	if _, err := dec.Token(); err != io.EOF {
		return Behaviour{}, nil, &ProfileError{Profile: name, Field: "behaviour", Err: errors.New("trailing data after the JSON object")}
	}
	v := &validator{name: name}
	var p Profile
	v.behaviour(&p, &f)
	if len(v.errs) > 0 {
		return Behaviour{}, nil, errors.Join(v.errs...)
	}
	return p.Behaviour, f.given(), nil
}

// given lists the fields present in f, in BehaviourFields' order.
func (f *behaviourFile) given() []string {
	var out []string
	rv, rt := reflect.ValueOf(f).Elem(), reflect.TypeOf(f).Elem()
	for _, name := range BehaviourFields {
		for i := range rt.NumField() {
			if tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ","); tag == name && !rv.Field(i).IsZero() {
				out = append(out, name)
			}
		}
	}
	return out
}

// ParseRetryLimitsBlock parses a "retry_limits" object in the profile schema over taimen's
// defaults. Errors are *ProfileError values naming name and the field, joined.
func ParseRetryLimitsBlock(name string, data []byte) (RetryLimits, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		_, reason := jsonProblem(err)
		return RetryLimits{}, &ProfileError{Profile: name, Field: "retry_limits", Err: reason}
	}
	v := &validator{name: name}
	var p Profile
	v.retryLimits(&p, m)
	if len(v.errs) > 0 {
		return RetryLimits{}, errors.Join(v.errs...)
	}
	return p.RetryLimits, nil
}

// Answer returns the profile-schema value of a behaviour field ("63C0", "count", "FF", "true",
// "12"), or "" for a field not in BehaviourFields and for plain_latency_ms when none was
// discovered (its default is no value: CARD.md's bounds apply).
func (b Behaviour) Answer(field string) string {
	switch field {
	case "blocked_status_query":
		return fmt.Sprintf("%04X", b.BlockedStatusQuery)
	case "protected_read":
		return fmt.Sprintf("%04X", b.ProtectedRead)
	case "wrong_length_verify":
		return b.WrongLengthVerify.String()
	case "offset_beyond_end":
		return fmt.Sprintf("%04X", b.OffsetBeyondEnd)
	case "reselect_same_ap_clears":
		return fmt.Sprint(b.ReselectSameAPClears)
	case "wrong_code_clears":
		return fmt.Sprint(b.WrongCodeClears)
	case "fci_on_p2_00":
		return b.FCIOnP2_00.String()
	case "filler":
		return fmt.Sprintf("%02X", b.Filler)
	case "extended_length":
		return fmt.Sprint(b.ExtendedLength)
	case "plain_latency_ms":
		if b.PlainLatencyMS > 0 {
			return fmt.Sprint(b.PlainLatencyMS)
		}
	}
	return ""
}
