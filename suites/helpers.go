package suites

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/suites/target"
)

// Send exchanges one command with the card (following 61xx/6Cxx) and fails
// the spec on a transport error.
func Send(ctx context.Context, c *target.Card, cmd apdu.Command) apdu.Response {
	r, err := apdu.Exchange(ctx, c.T, cmd, apdu.ExchangeLimits{})
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "exchange %02X %02X %02X %02X", cmd.CLA, cmd.INS, cmd.P1, cmd.P2)
	return r
}

// SendOnce transmits cmd exactly once — no GET RESPONSE, no resend on 6Cxx —
// and fails the spec on a transport error or an answer that is not a response APDU.
func SendOnce(ctx context.Context, c *target.Card, step string, cmd apdu.Command) apdu.Response {
	raw, err := c.T.Transmit(ctx, cmd.MustBytes())
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s: transmit", step)
	r, err := apdu.ParseResponse(raw)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s: the answer is not a response APDU", step)
	return r
}

// sha256DigestInfoPrefix is the DER header of DigestInfo(SHA-256), the form 80 2A 00 signs.
var sha256DigestInfoPrefix = []byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// DigestInfoSHA256 wraps a 32-byte SHA-256 digest in its DER DigestInfo (51 bytes).
func DigestInfoSHA256(digest []byte) []byte {
	return append(bytes.Clone(sha256DigestInfoPrefix), digest...)
}

// ExpectSW sends cmd and checks its status word, naming the step on failure.
func ExpectSW(ctx context.Context, c *target.Card, step string, cmd apdu.Command, want apdu.StatusWord) []byte {
	r, err := apdu.Exchange(ctx, c.T, cmd, apdu.ExchangeLimits{})
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s: exchange", step)
	skipIfAbsent(cmd, r.SW, want) // generation.go
	ExpectWithOffset(1, r.SW).To(Equal(want), "%s: card answered %s, CARD.md says %s", step, r.SW.String(), want.String())
	return r.Data
}

// SelectApp is SELECT by AID with P2=0C.
func SelectApp(app myna.App) apdu.Command {
	return apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: app.AID()}
}

// Reselect selects app again with its verified status cleared. Where the
// profile says re-SELECT of the same application keeps that status (CARD.md
// §10 leaves it open; taimen's default clears it), it goes through the
// common application first: selecting another application always clears it.
func Reselect(ctx context.Context, c *target.Card, app myna.App) {
	GinkgoHelper()
	if !ProfileBehaviour().ReselectSameAPClears {
		ExpectSW(ctx, c, "select the common AP (re-SELECT keeps the verified status on this card)", SelectApp(myna.CommonAP), apdu.SWSuccess)
	}
	ExpectSW(ctx, c, "re-select "+app.String(), SelectApp(app), apdu.SWSuccess)
}

// SelectEF is SELECT EF under the current application.
func SelectEF(id myna.FileID) apdu.Command {
	return apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(id >> 8), byte(id)}}
}

// Verify presents value to key reference key by its SFI (00 20 00 80|SFI), and
// TriesQuery is the empty VERIFY that reads the tries left: myna's builders,
// named here for the specs.
var (
	Verify     = myna.Verify
	TriesQuery = myna.TriesQuery
)

// ReadSFI is READ BINARY by SFI at offset 0.
func ReadSFI(id myna.FileID, ne int) apdu.Command {
	return apdu.Command{INS: 0xB0, P1: 0x80 | byte(id&0x1F), Ne: ne, Extended: ne > 256}
}

// ReadAt is READ BINARY of the current EF at an offset.
func ReadAt(off, ne int) apdu.Command {
	return apdu.Command{INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: ne, Extended: ne > 256}
}

// Need fails the spec, saying which environment variable is missing, when the target lacks a secret.
func Need(s myna.Secret, what string) myna.Secret {
	if s == nil {
		Fail(fmt.Sprintf("the target has no %s: set it in the environment (see README)", what))
	}
	return s
}

// Tries reads one counter ("app/FID") without spending a try.
func Tries(ctx context.Context, c *target.Card, key string) int {
	m, err := c.Tries(ctx)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	n, ok := m[key]
	ExpectWithOffset(1, ok).To(BeTrue(), "no counter %s", key)
	return n
}

// ExtendedLength reports whether the target card is expected to take
// extended Lc/Le: the profile says so for emulated cards (taimen's default is
// yes, as real cards do, CARD.md §6); a physical card is assumed to unless its
// discovered behaviour says otherwise.
func ExtendedLength() bool { return ProfileBehaviour().ExtendedLength }

// PastEnd is the status words a READ BINARY at or past the end of an EF may
// answer: the profile's choice on an emulated card; 6B00 or 6282 on a
// physical one (CARD.md §2.6 gives 6B00 and tolerates 6282), unless its discovered behaviour
// gives one.
func PastEnd() []apdu.StatusWord {
	if t := Current(); t.Knows("offset_beyond_end") {
		return []apdu.StatusWord{apdu.StatusWord(t.Behaviour().OffsetBeyondEnd)}
	}
	return []apdu.StatusWord{apdu.SWWrongP1P2, apdu.SWEndOfFile}
}

// IsPastEnd reports whether sw is one of PastEnd's.
func IsPastEnd(sw apdu.StatusWord) bool { return slices.Contains(PastEnd(), sw) }

// ReadEF reads a whole transparent EF of the current application: one
// extended READ BINARY by SFI where the card takes extended length, else
// SELECT EF and 256-byte reads until a short answer or the end of the file.
// Only RD-021 insists on extended length; every other spec reads either way.
func ReadEF(ctx context.Context, c *target.Card, id myna.FileID, step string) []byte {
	if ExtendedLength() {
		r := Send(ctx, c, ReadSFI(id, apdu.MaxExtendedNe))
		if r.SW != apdu.SWWrongLength || !Current().Physical() {
			ExpectWithOffset(1, r.SW).To(Equal(apdu.SWSuccess), "%s: extended READ BINARY: card answered %s, CARD.md says 9000", step, r.SW.String())
			return r.Data
		}
	}
	ExpectWithOffset(1, Send(ctx, c, SelectEF(id)).SW).To(Equal(apdu.SWSuccess), "%s: SELECT EF %s", step, id)
	var out []byte
	for off := 0; ; off += 256 {
		r := Send(ctx, c, ReadAt(off, 256))
		if off > 0 && IsPastEnd(r.SW) {
			return out
		}
		ExpectWithOffset(1, r.SW).To(Equal(apdu.SWSuccess), "%s: READ BINARY at %d: card answered %s, CARD.md says 9000", step, off, r.SW.String())
		out = append(out, r.Data...)
		if len(r.Data) < 256 || off > 0x7F00 {
			return out
		}
	}
}
