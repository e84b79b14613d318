package sm

import (
	"crypto/subtle"
	"encoding/binary"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
)

// The ICAO Doc 9303 Part 11 scheme (§9.8, worked example in Appendix D):
// two-key 3DES-CBC with a zero IV for the cryptogram (DO'87' with indicator
// 01, or DO'85' for an odd INS), DO'97' for Le, DO'99' for the status, and
// DO'8E' = retail MAC (ISO/IEC 9797-1 algorithm 3, DES) over
// pad(SSC ‖ pad(header) ‖ DOs) for commands and pad(SSC ‖ DOs) for responses,
// where the 8-byte send sequence counter is incremented before each command
// and before each response. CLA gains 0C. Any error ends the session on the
// card and on the terminal.

// Keys is a pair of two-key 3DES keys (16 bytes each): the document basic
// access keys K_Enc/K_MAC or the session keys KS_Enc/KS_MAC.
type Keys struct {
	Enc, MAC []byte
}

// icaoCore is what both sides of an ICAO session hold.
type icaoCore struct {
	enc, mac *desKey
	ssc      uint64
	ins      byte // INS of the last command: an odd one takes DO'85'
	closed   bool
}

func newICAOCore(ks Keys, ssc []byte) (icaoCore, error) {
	if len(ssc) != 8 {
		return icaoCore{}, fmt.Errorf("sm: SSC of %d bytes, want 8", len(ssc))
	}
	enc, err := newDESKey(ks.Enc)
	if err != nil {
		return icaoCore{}, fmt.Errorf("sm: KS_Enc: %w", err)
	}
	mac, err := newDESKey(ks.MAC)
	if err != nil {
		return icaoCore{}, fmt.Errorf("sm: KS_MAC: %w", err)
	}
	return icaoCore{enc: enc, mac: mac, ssc: binary.BigEndian.Uint64(ssc)}, nil
}

// sscBytes returns the send sequence counter as 8 bytes.
func (c *icaoCore) sscBytes() []byte { return binary.BigEndian.AppendUint64(nil, c.ssc) }

// checksum returns the retail MAC of pad(ssc ‖ parts…).
func (c *icaoCore) checksum(ssc uint64, parts ...[]byte) []byte {
	n := 8
	for _, p := range parts {
		n += len(p)
	}
	msg := binary.BigEndian.AppendUint64(make([]byte, 0, n), ssc)
	for _, p := range parts {
		msg = append(msg, p...)
	}
	return c.mac.mac(msg)
}

// verify checks DO'8E' against the current SSC; on a mismatch it looks for a
// nearby SSC under which it verifies (a replayed or skipped message).
func (c *icaoCore) verify(got []byte, in string, parts ...[]byte) error {
	if len(got) != 8 {
		return &DOError{Tag: DO8E, Reason: fmt.Sprintf("checksum of %d bytes, want 8", len(got))}
	}
	if subtle.ConstantTimeCompare(got, c.checksum(c.ssc, parts...)) == 1 {
		return nil
	}
	wrong := fmt.Errorf("%w in the %s", ErrWrongMAC, in)
	if ssc, ok := probe(c.ssc, func(s uint64) bool {
		return subtle.ConstantTimeCompare(got, c.checksum(s, parts...)) == 1
	}); ok {
		return &CounterError{Want: c.ssc, Got: ssc, Found: true, Err: wrong}
	}
	return wrong
}

// seal builds the cryptogram object for data (DO'85' for an odd INS, else DO'87').
func (c *icaoCore) seal(o *Objects, ins byte, data []byte) {
	if len(data) == 0 {
		return
	}
	o.Cryptogram = c.enc.cbc(Pad(data, 8), true)
	if ins&1 == 1 {
		o.CryptoTag = DO85
	} else {
		o.CryptoTag, o.Indicator = DO87, PaddingISO
	}
}

// open decrypts the cryptogram of o, if any.
func (c *icaoCore) open(o Objects) ([]byte, error) {
	switch o.CryptoTag {
	case 0:
		return nil, nil
	case DO86:
		return nil, &DOError{Tag: DO86, Reason: "not covered by the checksum; this scheme uses DO'87'"}
	case DO87:
		if o.Indicator != PaddingISO {
			return nil, &DOError{Tag: DO87, Reason: fmt.Sprintf("padding-content indicator %02X, want %02X", o.Indicator, PaddingISO)}
		}
	}
	if len(o.Cryptogram) == 0 || len(o.Cryptogram)%8 != 0 {
		return nil, &DOError{Tag: o.CryptoTag, Reason: fmt.Sprintf("cryptogram of %d bytes is not a whole number of 8-byte blocks", len(o.Cryptogram))}
	}
	plain, err := Unpad(c.enc.cbc(o.Cryptogram, false), 8)
	if err != nil {
		return nil, err
	}
	if len(plain) == 0 {
		return nil, nil
	}
	return plain, nil
}

// header returns CLA INS P1 P2 padded to 8 bytes, as the checksum covers it.
func header(cla, ins, p1, p2 byte) []byte {
	return []byte{cla, ins, p1, p2, 0x80, 0, 0, 0}
}

// ICAOTerminal is the inspection system's side of an ICAO 9303 session.
type ICAOTerminal struct{ icaoCore }

// NewICAOTerminal returns the terminal side of a session on session keys ks and
// the 8-byte SSC (as BAC leaves it, before the first increment).
func NewICAOTerminal(ks Keys, ssc []byte) (*ICAOTerminal, error) {
	c, err := newICAOCore(ks, ssc)
	if err != nil {
		return nil, err
	}
	return &ICAOTerminal{c}, nil
}

// SSC returns the send sequence counter (8 bytes).
func (t *ICAOTerminal) SSC() []byte { return t.sscBytes() }

// Closed reports whether the session is over.
func (t *ICAOTerminal) Closed() bool { return t.closed }

// ShiftCounter is a test hook: it moves the SSC by delta so that tests can
// send a replayed (-2: the previous command's) or skipped SSC.
func (t *ICAOTerminal) ShiftCounter(delta int64) { t.ssc = uint64(int64(t.ssc) + delta) }

// WrapCommand protects cmd: CLA | 0C, DO'87' (or DO'85' for an odd INS) with
// the encrypted data, DO'97' with Le (one byte, or two when cmd is extended or
// Ne > 256), DO'8E'; Le 00, or 0000 when the protected command is extended.
func (t *ICAOTerminal) WrapCommand(cmd apdu.Command) (apdu.Command, error) {
	switch {
	case t.closed:
		return apdu.Command{}, ErrSessionClosed
	case cmd.CLA&0x0C != 0:
		return apdu.Command{}, fmt.Errorf("sm: CLA %02X already indicates secure messaging", cmd.CLA)
	}
	if err := cmd.Validate(); err != nil {
		return apdu.Command{}, err
	}
	var o Objects
	t.seal(&o, cmd.INS, cmd.Data)
	if cmd.Ne > 0 {
		width := 1
		if cmd.Extended || cmd.Ne > apdu.MaxShortNe {
			width = 2
		}
		o.LeTag = DO97
		o.Le, _ = EncodeLe(cmd.Ne, width) // Ne validated above
	}
	cla := cmd.CLA | 0x0C
	t.ssc++
	o.MAC = t.checksum(t.ssc, header(cla, cmd.INS, cmd.P1, cmd.P2), o.AppendCovered(nil))
	out := apdu.Command{CLA: cla, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2, Data: o.Append(nil), Ne: apdu.MaxShortNe}
	if cmd.Extended || cmd.Ne > apdu.MaxShortNe || len(out.Data) > apdu.MaxShortLc {
		out.Ne, out.Extended = apdu.MaxExtendedNe, true
	}
	if err := out.Validate(); err != nil {
		return apdu.Command{}, err
	}
	t.ins = cmd.INS
	return out, nil
}

// UnwrapResponse verifies and decrypts the answer to the last wrapped command:
// DO'8E' and DO'99' are required, DO'99' must equal the status word. An SM
// status without data gives a *CardRejectedError. Any error closes the session.
func (t *ICAOTerminal) UnwrapResponse(r apdu.Response) (apdu.Response, error) {
	if t.closed {
		return apdu.Response{SW: r.SW}, ErrSessionClosed
	}
	t.ssc++
	plain, err := t.unwrap(r)
	if err != nil {
		t.closed = true
		return apdu.Response{SW: r.SW}, err
	}
	return plain, nil
}

func (t *ICAOTerminal) unwrap(r apdu.Response) (apdu.Response, error) {
	if len(r.Data) == 0 && IsSMStatus(r.SW) {
		return apdu.Response{}, &CardRejectedError{SW: r.SW}
	}
	o, err := ParseObjects(r.Data)
	switch {
	case err != nil:
		return apdu.Response{}, err
	case o.MAC == nil:
		return apdu.Response{}, &MissingDOError{Tag: DO8E, In: "response"}
	case o.LeTag != 0:
		return apdu.Response{}, &DOError{Tag: o.LeTag, Reason: "Le in a response"}
	case !o.HasStatus:
		return apdu.Response{}, &MissingDOError{Tag: DO99, In: "response"}
	}
	if err := t.verify(o.MAC, "response", o.Covered); err != nil {
		return apdu.Response{}, err
	}
	if o.Status != r.SW {
		return apdu.Response{}, &DOError{Tag: DO99, Reason: fmt.Sprintf("processing status %04X differs from the status word %04X", uint16(o.Status), uint16(r.SW))}
	}
	data, err := t.open(o)
	if err != nil {
		return apdu.Response{}, err
	}
	return apdu.Response{Data: data, SW: o.Status}, nil
}

// ICAOCard is the chip's side of an ICAO 9303 session.
type ICAOCard struct{ icaoCore }

// NewICAOCard returns the card side of a session on session keys ks and the
// 8-byte SSC (as BAC leaves it, before the first increment).
func NewICAOCard(ks Keys, ssc []byte) (*ICAOCard, error) {
	c, err := newICAOCore(ks, ssc)
	if err != nil {
		return nil, err
	}
	return &ICAOCard{c}, nil
}

// SSC returns the send sequence counter (8 bytes).
func (c *ICAOCard) SSC() []byte { return c.sscBytes() }

// Closed reports whether the session died; every later command gets ErrSessionClosed (69FC).
func (c *ICAOCard) Closed() bool { return c.closed }

// UnwrapCommand verifies and decrypts a CLA 0C command: a plain CLA or a
// missing DO'8E' is a *MissingDOError (6987), a wrong checksum ErrWrongMAC (a
// *CounterError too when a nearby SSC verifies), bad objects or padding 6988.
// Any error closes the session, as Doc 9303 requires.
func (c *ICAOCard) UnwrapCommand(cmd apdu.Command) (apdu.Command, error) {
	if c.closed {
		return apdu.Command{}, ErrSessionClosed
	}
	plain, err := c.unwrap(cmd)
	if err != nil {
		c.closed = true
		return apdu.Command{}, err
	}
	c.ins = cmd.INS
	return plain, nil
}

func (c *ICAOCard) unwrap(cmd apdu.Command) (apdu.Command, error) {
	switch cmd.CLA & 0x0C {
	case 0x0C:
	case 0x00:
		return apdu.Command{}, &MissingDOError{Tag: DO8E, In: "command"}
	default:
		return apdu.Command{}, &DOError{Reason: fmt.Sprintf("CLA %02X: the header is not authenticated (want CLA|0C)", cmd.CLA)}
	}
	c.ssc++
	o, err := ParseObjects(cmd.Data)
	switch {
	case err != nil:
		return apdu.Command{}, err
	case o.MAC == nil:
		return apdu.Command{}, &MissingDOError{Tag: DO8E, In: "command"}
	case o.HasStatus:
		return apdu.Command{}, &DOError{Tag: DO99, Reason: "processing status in a command"}
	case o.LeTag == DO96:
		return apdu.Command{}, &DOError{Tag: DO96, Reason: "not covered by the checksum; this scheme uses DO'97'"}
	}
	if err := c.verify(o.MAC, "command", header(cmd.CLA, cmd.INS, cmd.P1, cmd.P2), o.Covered); err != nil {
		return apdu.Command{}, err
	}
	data, err := c.open(o)
	if err != nil {
		return apdu.Command{}, err
	}
	ne, _ := DecodeLe(o.Le) // validated by ParseObjects
	return apdu.Command{
		CLA: cmd.CLA &^ 0x0C, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2,
		Data: data, Ne: ne, Extended: len(o.Le) >= 2 || len(data) > apdu.MaxShortLc,
	}, nil
}

// WrapResponse protects r: DO'87' (DO'85' after an odd INS) with the encrypted
// data, DO'99' with the status, DO'8E'. On a closed session it answers 69FC.
func (c *ICAOCard) WrapResponse(r apdu.Response) apdu.Response {
	if c.closed {
		return apdu.Response{SW: apdu.SWSMSessionClosed}
	}
	var o Objects
	c.seal(&o, c.ins, r.Data)
	o.HasStatus, o.Status = true, r.SW
	c.ssc++
	o.MAC = c.checksum(c.ssc, o.AppendCovered(nil))
	return apdu.Response{Data: o.Append(nil), SW: r.SW}
}
