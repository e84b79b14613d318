package certify

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
)

// Exchange is one event at the card as the emulator saw it: a command APDU
// and its response, or a contact event (power on, power off, reset). It
// carries no secret and no personal data: command data is kept only for
// SELECT (AIDs and file IDs), response data only as a length, and VERIFY data
// only as the index of a distinct value (compared by a salted hash that is
// discarded with the scenario).
type Exchange struct {
	// Seq numbers the events of a scenario from 1.
	Seq int `json:"seq"`
	// AtMS is the time since the reader command started, in milliseconds.
	AtMS float64 `json:"at_ms"`
	// Event is "power-on", "power-off" or "reset" for a contact event, "" for an APDU.
	Event string `json:"event,omitempty"`
	// Op names the command (myna.InstructionName): "SELECT", "VERIFY", "SIGN" (80 2A)…
	Op string `json:"op,omitempty"`
	// Object is what the command addressed: "surface", "surface/0012", "?" when unknown.
	Object string `json:"object,omitempty"`
	// Header is CLA INS P1 P2 in hex, e.g. "00200092".
	Header string `json:"header,omitempty"`
	// Lc is the length of the command data, Le the expected length (Ne; 65536 or 256 for 00).
	Lc int `json:"lc,omitempty"`
	Le int `json:"le,omitempty"`
	// Extended is true for an extended-length command.
	Extended bool `json:"extended,omitempty"`
	// Value identifies the data of a VERIFY: 1 for the first distinct value
	// seen in the scenario, 2 for the next… 0 for an empty VERIFY (a tries query).
	Value int `json:"value,omitempty"`
	// CheckCodeB is true when the data of a VERIFY is the card's check code B
	// (compared by the same salted hash; the value is not kept).
	CheckCodeB bool `json:"check_code_b,omitempty"`
	// SW is the status word in hex; "" when the card gave no answer (torn).
	SW string `json:"sw,omitempty"`
	// RspLen is the length of the response data (without the status word).
	RspLen int `json:"rsp_len,omitempty"`
	// MS is how long the card took, in milliseconds.
	MS float64 `json:"ms,omitempty"`

	// Unexported: what the analysis needs and the report must not show.
	cla, ins, p1, p2 byte
	selectData       []byte // SELECT only
	sw               apdu.StatusWord
	answered         bool
	malformed        bool
	key              string    // VERIFY: "surface/0012"
	signed           *[32]byte // 80 2A 00 00: SHA-256 of the data signed (RR-007)
}

// recorder is the card served on vpcd: it passes every call to the card (the
// emulated card, or a relayed physical card) and records contact events; the
// card's Observe hook (observe) records APDUs.
type recorder struct {
	card   vpcd.Card
	onTear func() // called once when the card gives no answer (torn), if set

	mu     sync.Mutex
	events []Exchange
	start  time.Time
	salt   [32]byte
	values map[[32]byte]int
	tore   bool
	wantB  *[32]byte // salted hash of the card's check code B, if set (expectCheckCodeB)
}

func newRecorder() *recorder {
	r := &recorder{values: map[[32]byte]int{}, start: time.Now()}
	_, _ = rand.Read(r.salt[:]) // crypto/rand never fails on supported platforms
	return r
}

// expectCheckCodeB makes the recorder mark the VERIFY commands whose data is
// code (Exchange.CheckCodeB); only its salted hash is kept, and forgotten by finish.
func (r *recorder) expectCheckCodeB(code []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sum := r.hash(code)
	r.wantB = &sum
}

// hash returns the salted SHA-256 of a VERIFY value.
func (r *recorder) hash(data []byte) [32]byte {
	h := sha256.New()
	h.Write(r.salt[:])
	h.Write(data)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// ATR implements vpcd.Card.
func (r *recorder) ATR() []byte { return r.card.ATR() }

// PowerOn implements vpcd.Card.
func (r *recorder) PowerOn() { r.card.PowerOn(); r.event("power-on") }

// PowerOff implements vpcd.Card.
func (r *recorder) PowerOff() { r.card.PowerOff(); r.event("power-off") }

// Reset implements vpcd.Card.
func (r *recorder) Reset() { r.card.Reset(); r.event("reset") }

// Transmit implements vpcd.Card.
func (r *recorder) Transmit(cmd []byte) []byte {
	rsp := r.card.Transmit(cmd)
	if rsp == nil {
		r.mu.Lock()
		first := !r.tore
		r.tore = true
		r.mu.Unlock()
		if first && r.onTear != nil {
			r.onTear()
		}
	}
	return rsp
}

func (r *recorder) event(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, Exchange{Event: name, AtMS: ms(time.Since(r.start))})
}

// begin forgets what was recorded so far (pcscd's own power events while the
// card was inserted) and restarts the clock: the reader command starts now.
func (r *recorder) begin() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events, r.start = nil, time.Now()
}

// observe is the emulator's Observe hook. cmd and rsp are valid only during
// the call: nothing of them is kept but the header, lengths, the status word,
// SELECT data, and for VERIFY the index of its value.
func (r *recorder) observe(cmd, rsp []byte, d time.Duration) {
	e := Exchange{MS: ms(d), Header: fmt.Sprintf("%X", cmd[:min(4, len(cmd))])}
	c, err := apdu.ParseCommand(cmd)
	if err != nil {
		e.malformed = true
		if len(cmd) >= 4 {
			e.cla, e.ins, e.p1, e.p2 = cmd[0], cmd[1], cmd[2], cmd[3]
		}
	} else {
		e.cla, e.ins, e.p1, e.p2 = c.CLA, c.INS, c.P1, c.P2
		e.Lc, e.Le, e.Extended = len(c.Data), c.Ne, c.Extended
	}
	if len(rsp) >= 2 {
		e.answered = true
		e.sw = apdu.StatusWord(rsp[len(rsp)-2])<<8 | apdu.StatusWord(rsp[len(rsp)-1])
		e.SW = fmt.Sprintf("%04X", uint16(e.sw))
		e.RspLen = len(rsp) - 2
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err == nil && c.INS == 0xA4:
		e.selectData = append([]byte(nil), c.Data...)
	case err == nil && e.isLivenessSign():
		e.signed = signedSum(c.Data)
	case err == nil && c.INS == 0x20 && len(c.Data) > 0:
		sum := r.hash(c.Data)
		e.CheckCodeB = r.wantB != nil && sum == *r.wantB
		n, ok := r.values[sum]
		if !ok {
			n = len(r.values) + 1
			r.values[sum] = n
		}
		e.Value = n
	}
	e.AtMS = ms(time.Since(r.start))
	r.events = append(r.events, e)
}

// finish returns the events, numbered and annotated, and forgets the hashes.
func (r *recorder) finish() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events, r.values, r.wantB = nil, map[[32]byte]int{}, nil
	clear(r.salt[:])
	for i := range out {
		out[i].Seq = i + 1
	}
	annotate(out)
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// annotate names each command and what it addressed, following the
// application and EF selected (SELECT by AID, SELECT EF, short EF
// identifiers) the way the card does; a contact event forgets the selection.
func annotate(ex []Exchange) {
	app, ef := "", myna.FileID(0) // "": MF level; 0: no current EF
	appKnown := true
	appName := func() string {
		switch {
		case !appKnown:
			return "?"
		case app == "":
			return "mf"
		}
		return app
	}
	file := func(id myna.FileID) string { return appName() + "/" + id.String() }
	for i := range ex {
		e := &ex[i]
		if e.Event != "" {
			app, ef, appKnown = "", 0, true
			continue
		}
		ok := e.answered && e.sw == apdu.SWSuccess
		sm := e.cla&0x0C != 0
		e.Op = myna.InstructionName(e.cla, e.ins)
		switch e.ins {
		case 0xA4:
			switch {
			case sm:
				e.Object = "?"
			case e.p1 == 0x04:
				name := "AID " + fmt.Sprintf("%X", e.selectData)
				if a, found := myna.AppByAID(e.selectData); found {
					name = a.String()
				}
				e.Object = name
				if ok {
					app, ef, appKnown = name, 0, true
					if name == "isd" {
						app = ""
					}
				}
			case e.p1 == 0x02 && len(e.selectData) == 2:
				id := myna.FileID(uint16(e.selectData[0])<<8 | uint16(e.selectData[1]))
				e.Object = file(id)
				if ok {
					ef = id
				}
			default:
				e.Object = "?"
			}
		case 0xB0:
			if e.p1&0x80 != 0 {
				id := myna.FileID(e.p1 & 0x1F)
				e.Object = file(id)
				if ok {
					ef = id
				}
			} else if ef != 0 {
				e.Object = file(ef)
			} else {
				e.Object = appName() + "/?"
			}
		case 0x20:
			switch {
			case e.p2 == 0x80 && ef != 0:
				e.key = file(ef)
			case e.p2&0x80 != 0 && e.p2&0x1F != 0:
				e.key = file(myna.FileID(e.p2 & 0x1F))
			default:
				e.key = appName() + "/?"
			}
			e.Object = e.key
		default:
			e.Object = appName()
		}
		if sm {
			e.Op += " (secure messaging)"
		}
		if e.malformed {
			e.Op += " (malformed)"
		}
	}
}
