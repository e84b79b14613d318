package apdu

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// scripted answers each Transmit with the next response and records the commands.
type scripted struct {
	answers [][]byte
	sent    [][]byte
}

func (s *scripted) Transmit(_ context.Context, cmd []byte) ([]byte, error) {
	s.sent = append(s.sent, append([]byte(nil), cmd...))
	if len(s.answers) == 0 {
		return nil, errors.New("no more answers")
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a, nil
}

func TestExchange(t *testing.T) {
	read := Command{INS: 0xB0, Ne: 256}
	tests := []struct {
		name    string
		answers []string
		want    Response
		sent    []string
	}{
		{"plain", []string{"AA BB 90 00"}, Response{Data: h("AABB"), SW: 0x9000}, []string{"00B0000000"}},
		{"61xx chain", []string{"AA 61 02", "BB CC 61 01", "DD 90 00"}, Response{Data: h("AABBCCDD"), SW: 0x9000},
			[]string{"00B0000000", "00C0000002", "00C0000001"}},
		{"6Cxx resend", []string{"6C 03", "01 02 03 90 00"}, Response{Data: h("010203"), SW: 0x9000},
			[]string{"00B0000000", "00B0000003"}},
		{"error status kept", []string{"69 82"}, Response{SW: 0x6982}, []string{"00B0000000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &scripted{}
			for _, a := range tc.answers {
				s.answers = append(s.answers, h(a))
			}
			got, err := Exchange(context.Background(), s, read, ExchangeLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if got.SW != tc.want.SW || !bytes.Equal(got.Data, tc.want.Data) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			var sent []string
			for _, c := range s.sent {
				sent = append(sent, Response{SW: 0}.String()[:0]+hexs(c))
			}
			if diff := cmp.Diff(tc.sent, sent); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
		})
	}
}

func hexs(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestExchangeMaliciousCard(t *testing.T) {
	endless := &endlessCard{}
	_, err := Exchange(context.Background(), endless, Command{INS: 0xB0, Ne: 256}, ExchangeLimits{MaxRounds: 50, MaxResponse: 1 << 20})
	if !errors.Is(err, ErrCardMisbehaved) || endless.n > 50 {
		t.Fatalf("endless 61xx: err = %v after %d commands", err, endless.n)
	}
	big := &endlessCard{chunk: 4096}
	_, err = Exchange(context.Background(), big, Command{INS: 0xB0, Ne: 256}, ExchangeLimits{MaxResponse: 10000})
	if !errors.Is(err, ErrCardMisbehaved) || big.n > 3 {
		t.Fatalf("oversize: err = %v after %d commands", err, big.n)
	}
	s := &scripted{answers: [][]byte{h("6C05"), h("6C05")}}
	if _, err := Exchange(context.Background(), s, Command{INS: 0xB0, Ne: 1}, ExchangeLimits{}); !errors.Is(err, ErrCardMisbehaved) {
		t.Fatalf("repeated 6Cxx: err = %v", err)
	}
	s = &scripted{answers: [][]byte{h("90")}}
	if _, err := Exchange(context.Background(), s, Command{INS: 0xB0, Ne: 1}, ExchangeLimits{}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("one-byte answer: err = %v", err)
	}
}

// endlessCard answers every command with chunk bytes and 61FF.
type endlessCard struct{ n, chunk int }

func (e *endlessCard) Transmit(context.Context, []byte) ([]byte, error) {
	e.n++
	return append(make([]byte, e.chunk), 0x61, 0xFF), nil
}
