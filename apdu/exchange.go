package apdu

import (
	"context"
	"fmt"
)

// Transmitter sends one encoded command APDU and returns the encoded response APDU.
// It is what every transport (in-process emulator, PC/SC, vpcd) offers.
type Transmitter interface {
	Transmit(ctx context.Context, cmd []byte) ([]byte, error)
}

// ExchangeLimits bound what Exchange accepts from a card, so that a malicious
// card cannot make the caller loop or allocate without limit.
type ExchangeLimits struct {
	MaxResponse int // total response data bytes; default 65536
	MaxRounds   int // GET RESPONSE / resend rounds; default 300
}

func (l ExchangeLimits) withDefaults() ExchangeLimits {
	if l.MaxResponse <= 0 {
		l.MaxResponse = MaxExtendedNe
	}
	if l.MaxRounds <= 0 {
		l.MaxRounds = 300
	}
	return l
}

// ErrCardMisbehaved is wrapped by Exchange when a card's answers break the protocol.
var ErrCardMisbehaved = fmt.Errorf("card misbehaved")

// Exchange sends c and follows the transport-level status words: 61xx is
// answered with GET RESPONSE and the pieces are joined; 6Cxx makes it resend c
// once with Ne = xx. The returned Response's Data is freshly allocated.
func Exchange(ctx context.Context, t Transmitter, c Command, lim ExchangeLimits) (Response, error) {
	lim = lim.withDefaults()
	enc, err := c.Bytes()
	if err != nil {
		return Response{}, err
	}
	var data []byte
	resent := false
	for round := 0; ; round++ {
		if round >= lim.MaxRounds {
			return Response{}, fmt.Errorf("%w: more than %d GET RESPONSE rounds", ErrCardMisbehaved, lim.MaxRounds)
		}
		raw, err := t.Transmit(ctx, enc)
		if err != nil {
			return Response{}, err
		}
		r, err := ParseResponse(raw)
		if err != nil {
			return Response{}, fmt.Errorf("%w: %w", ErrCardMisbehaved, err)
		}
		if len(data)+len(r.Data) > lim.MaxResponse {
			return Response{}, fmt.Errorf("%w: response longer than %d bytes", ErrCardMisbehaved, lim.MaxResponse)
		}
		data = append(data, r.Data...)
		if n, ok := r.SW.CorrectLe(); ok {
			if resent || len(data) > 0 {
				return Response{}, fmt.Errorf("%w: repeated %s", ErrCardMisbehaved, r.SW)
			}
			resent = true
			c.Ne = n
			if enc, err = c.Bytes(); err != nil {
				return Response{}, err
			}
			continue
		}
		if n, ok := r.SW.MoreData(); ok {
			gr := Command{CLA: c.CLA & 0x03, INS: 0xC0, Ne: n}
			enc = gr.MustBytes()
			continue
		}
		return Response{Data: data, SW: r.SW}, nil
	}
}
