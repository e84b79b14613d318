package myna

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseBehaviour(t *testing.T) {
	p06 := DefaultBehaviour()
	p06.BlockedStatusQuery, p06.WrongLengthVerify, p06.OffsetBeyondEnd = 0x6984, WrongLengthRejects, 0x6282
	p06.ReselectSameAPClears, p06.Filler, p06.ExtendedLength = false, 0x00, false
	for _, tc := range []struct {
		name      string
		in        string
		want      Behaviour
		given     []string
		wantField string // the field the error names ("" for no error)
		wantErr   string
	}{
		{"empty", `{}`, DefaultBehaviour(), nil, "", ""},
		{"p06", `{"blocked_status_query": "6984", "wrong_length_verify": "6700", "offset_beyond_end": "6282",
			"reselect_same_ap_clears": false, "filler": "00", "extended_length": false}`, p06,
			[]string{"blocked_status_query", "wrong_length_verify", "offset_beyond_end", "reselect_same_ap_clears", "filler", "extended_length"}, "", ""},
		{"false is given", `{"wrong_code_clears": false}`, func() Behaviour { b := DefaultBehaviour(); b.WrongCodeClears = false; return b }(),
			[]string{"wrong_code_clears"}, "", ""},
		{"filler as integer", `{"filler": 0}`, func() Behaviour { b := DefaultBehaviour(); b.Filler = 0; return b }(), []string{"filler"}, "", ""},
		{"plain latency", `{"plain_latency_ms": 12}`, func() Behaviour { b := DefaultBehaviour(); b.PlainLatencyMS = 12; return b }(), []string{"plain_latency_ms"}, "", ""},
		{"unknown field", `{"filer": "00"}`, Behaviour{}, nil, "behaviour", `unknown field "filer"`},
		{"zero latency", `{"plain_latency_ms": 0}`, Behaviour{}, nil, "behaviour.plain_latency_ms", "from 1 to 60000"},
		{"negative latency", `{"plain_latency_ms": -5}`, Behaviour{}, nil, "behaviour.plain_latency_ms", "from 1 to 60000"},
		{"latency over a minute", `{"plain_latency_ms": 60001}`, Behaviour{}, nil, "behaviour.plain_latency_ms", "from 1 to 60000"},
		{"fractional latency", `{"plain_latency_ms": 12.5}`, Behaviour{}, nil, "behaviour.plain_latency_ms", "want an integer"},
		{"latency as a string", `{"plain_latency_ms": "12"}`, Behaviour{}, nil, "behaviour.plain_latency_ms", "want an integer"},
		{"bad status word", `{"offset_beyond_end": "6A82"}`, Behaviour{}, nil, "behaviour.offset_beyond_end", `"6B00" or "6282"`},
		{"wrong type", `{"reselect_same_ap_clears": "yes"}`, Behaviour{}, nil, "behaviour.reselect_same_ap_clears", "true or false"},
		{"bad filler", `{"filler": "100"}`, Behaviour{}, nil, "behaviour.filler", "one byte"},
		{"trailing data", `{} {}`, Behaviour{}, nil, "behaviour", "trailing data"},
		{"not an object", `[]`, Behaviour{}, nil, "", "wrong type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, given, err := ParseBehaviour("card.json", []byte(tc.in))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tc.want, b); d != "" {
					t.Errorf("behaviour (-want +got):\n%s", d)
				}
				if d := cmp.Diff(tc.given, given); d != "" {
					t.Errorf("given (-want +got):\n%s", d)
				}
				return
			}
			var pe *ProfileError
			if !errors.As(err, &pe) || pe.Field != tc.wantField || pe.Profile != "card.json" || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v (field %q), want field %q and %q", err, fieldOf(pe), tc.wantField, tc.wantErr)
			}
		})
	}
}

func fieldOf(pe *ProfileError) string {
	if pe == nil {
		return "<none>"
	}
	return pe.Field
}

func TestParseRetryLimitsBlock(t *testing.T) {
	l, err := ParseRetryLimitsBlock("card.json", []byte(`{"check_code_b": 5}`))
	if want := DefaultRetryLimits(); err != nil || l.For(SecretCheckCodeB) != 5 || l.For(SecretCheckCodeA) != want.For(SecretCheckCodeA) {
		t.Errorf("limits %+v, %v", l, err)
	}
	for in, field := range map[string]string{`{"check_code_z": 5}`: "retry_limits.check_code_z", `{"check_code_b": 16}`: "retry_limits.check_code_b", `[1]`: "retry_limits"} {
		var pe *ProfileError
		if _, err := ParseRetryLimitsBlock("card.json", []byte(in)); !errors.As(err, &pe) || pe.Field != field {
			t.Errorf("%s: error %v, want one naming %s", in, err, field)
		}
	}
}

// Answer gives each field's value as the profile writes it, so that ParseBehaviour reads it back.
func TestBehaviourAnswerRoundTrip(t *testing.T) {
	b := DefaultBehaviour()
	b.BlockedStatusQuery, b.WrongLengthVerify, b.Filler, b.ExtendedLength, b.PlainLatencyMS = 0x6984, WrongLengthRejects, 0x00, false, 12
	var parts []string
	for _, f := range BehaviourFields {
		v := b.Answer(f)
		if v == "" {
			t.Fatalf("no answer for %s", f)
		}
		if v != "true" && v != "false" && f != "plain_latency_ms" {
			v = `"` + v + `"`
		}
		parts = append(parts, `"`+f+`": `+v)
	}
	got, given, err := ParseBehaviour("x", []byte("{"+strings.Join(parts, ", ")+"}"))
	if err != nil || !cmp.Equal(b, got) || !cmp.Equal(BehaviourFields, given) {
		t.Errorf("round trip: %+v %v %v", got, given, err)
	}
	if b.Answer("no_such_field") != "" {
		t.Error("an answer for an unknown field")
	}
}
