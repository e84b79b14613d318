package emulator

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"io"
	"sync"
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/apdu/sm"
	"github.com/taimen-dev/taimen/myna"
)

// behaviour holds the profile's choices where the public record is silent
// (CARD.md, "taimen's defaults").
type behaviour struct {
	blockedQuery     apdu.StatusWord // empty VERIFY on a blocked key: 63C0 or 6984
	protectedRead    apdu.StatusWord // READ BINARY without the credential
	wrongLengthSpend bool            // VERIFY with a wrong-length value spends a try (else 6700)
	beyondEnd        apdu.StatusWord // offset at or beyond the end: 6B00 or 6282
	reselectClears   bool            // re-SELECT of the same application clears the verified set
	wrongCodeClears  bool            // a mismatch clears the key's verified status
	extended         bool            // extended Lc/Le accepted
}

// Card is an emulated My Number Card: a file system, key references with
// durable retry counters, and the volatile security state. It is safe for
// concurrent use; commands are processed one at a time.
type Card struct {
	mu       sync.Mutex
	id       string
	atr      []byte
	apps     []*application
	mfData   map[uint16][]byte // GET DATA objects at MF level
	st       *store
	initial  map[string]int // counters as personalized
	beh      behaviour
	rand     io.Reader
	hooks    hooks
	faults   faultSet
	cloneKey *rsa.PrivateKey // FaultClone: the key a copy would sign challenges with
	answered int             // commands answered (mute, torn)
	abort    chan struct{}   // closed by Abort: releases a mute card
	observe  func(cmd, rsp []byte, d time.Duration)
	noISD    bool // the form has no reachable issuer security domain: its SELECT answers 6A82

	// volatile state, lost on reset and power cycle
	powered  bool
	cur      *application // nil: MF level
	curEF    *ef
	verified uint32
	sess     smSession
	sessDead bool

	rbuf []byte // response buffer, reused: Transmit's result is valid until the next call
}

// hooks are points where tests and fault injection intervene.
type hooks struct {
	// afterDecrement runs after a VERIFY's decrement is durable and before the
	// comparison; returning true tears the command (no response, power lost).
	afterDecrement func() (tear bool)
}

// smSession is the card side of a secure-messaging session.
type smSession interface {
	sm.Card
	Closed() bool
}

// ATR returns the card's answer to reset.
func (c *Card) ATR() []byte { return bytes.Clone(c.atr) }

// ID returns the profile ID the card was personalized from.
func (c *Card) ID() string { return c.id }

// PowerOn powers the card (cold reset): the security state starts empty.
func (c *Card) PowerOn() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearVolatile()
	c.powered = true
}

// PowerOff removes power: the security state is lost, retry counters are kept.
func (c *Card) PowerOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearVolatile()
	c.powered = false
}

// Reset is a warm reset: like a power cycle for the security state, and on an
// unpowered card the same as PowerOn.
func (c *Card) Reset() { c.PowerOn() }

// Powered reports whether the card has power.
func (c *Card) Powered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.powered
}

func (c *Card) clearVolatile() {
	if c.faults.has(FaultResetOnPowerCycle) {
		c.resetCounters(nil)
	}
	if c.faults.has(FaultVerifiedSurvives) {
		return
	}
	c.cur, c.curEF, c.verified = nil, nil, 0
	c.sess, c.sessDead = nil, false
}

// resetCounters puts the counters of app (nil: every application) back to
// their limits: only faults do this.
func (c *Card) resetCounters(app *application) {
	for _, a := range c.apps {
		if app != nil && a != app {
			continue
		}
		for _, e := range a.efs {
			if e != nil && e.key != nil && c.initial[e.key.state] > 0 {
				_ = c.st.setTries(e.key.state, e.key.limit)
			}
		}
	}
}

// FailNextWrite arms a one-shot failure of the next durable state write, as a
// full or worn-out memory would give: the command that needed it answers 6581
// and the card's state stays as it was before that command.
func (c *Card) FailNextWrite() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.failNext()
}

// TearAfterNextDecrement arms a one-shot power cut: the next VERIFY with data
// makes its decrement durable and then loses power before comparing or
// answering, as a card pulled from the field at that instant.
func (c *Card) TearAfterNextDecrement() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks.afterDecrement = func() bool {
		c.hooks.afterDecrement = nil
		return true
	}
}

// MayBlock reports whether Transmit can block: only a slow or mute card does.
func (c *Card) MayBlock() bool { return c.faults.has(FaultSlow) || c.faults.has(FaultMute) }

// muted reports whether a mute card has stopped answering.
func (c *Card) muted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered >= c.faults.after[FaultMute]
}

// Abort releases a Transmit blocked on a mute card (it returns nil, as a card
// that never answered). The card stays mute.
func (c *Card) Abort() {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.abort:
	default:
		close(c.abort)
	}
}

// Tries returns the tries left of every key reference, keyed "app/FID" (e.g. "surface/0012").
func (c *Card) Tries() map[string]int { return c.st.snapshot() }

// Transmit processes one command APDU and returns the response APDU. The
// returned slice is valid until the next call. A card without power answers
// 6F00; a torn command returns nil and leaves the card unpowered.
func (c *Card) Transmit(cmd []byte) []byte {
	if c.observe == nil {
		return c.transmit(cmd)
	}
	start := time.Now()
	rsp := c.transmit(cmd)
	c.observe(cmd, rsp, time.Since(start))
	return rsp
}

func (c *Card) transmit(cmd []byte) []byte {
	if c.faults.has(FaultMute) && c.muted() {
		<-c.abort // a mute card never answers; Abort releases the caller
		return nil
	}
	if d := c.faults.delay[FaultSlow]; d > 0 {
		time.Sleep(d)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rbuf = c.rbuf[:0]
	if !c.powered {
		return c.sw(apdu.SWNoPreciseDiagnosis)
	}
	c.answered++
	if c.faults.has(FaultTorn) && c.answered > c.faults.after[FaultTorn] {
		c.clearVolatile()
		c.powered = false
		return nil
	}
	rsp, torn := c.process(cmd)
	if torn {
		c.clearVolatile()
		c.powered = false
		return nil
	}
	return rsp
}

func (c *Card) sw(sw apdu.StatusWord) []byte {
	c.rbuf = append(c.rbuf[:0], sw.SW1(), sw.SW2())
	return c.rbuf
}

func (c *Card) data(d []byte, sw apdu.StatusWord) []byte {
	c.rbuf = append(append(c.rbuf[:0], d...), sw.SW1(), sw.SW2())
	return c.rbuf
}

// result is what a command handler produces.
type result struct {
	data []byte
	sw   apdu.StatusWord
	torn bool
}

func ok(d []byte) result              { return result{data: d, sw: apdu.SWSuccess} }
func fail(sw apdu.StatusWord) result  { return result{sw: sw} }
func (r result) bytes(c *Card) []byte { return c.data(r.data, r.sw) }

func (c *Card) process(raw []byte) ([]byte, bool) {
	cmd, err := apdu.ParseCommand(raw)
	if err != nil {
		return c.sw(apdu.SWWrongLength), false
	}
	if cmd.CLA&0x70 != 0 || (cmd.CLA&0x80 != 0 && cmd.CLA&0x0C != 0) {
		return c.sw(apdu.SWCLANotSupported), false
	}
	if cmd.CLA&0x03 != 0 {
		return c.sw(apdu.SWChannelNotSupported), false
	}
	if cmd.Extended && !c.beh.extended {
		return c.sw(apdu.SWWrongLength), false
	}
	switch cmd.CLA &^ 0x03 {
	case 0x00, 0x80:
		r := c.dispatch(cmd)
		return r.bytes(c), r.torn
	case 0x08:
		return c.secure(cmd)
	case 0x0C:
		if c.cur != nil && c.cur.ssk == sskText {
			return c.sw(apdu.SWSMObjectsMissing), false // no MAC on this card: DO'8E' is never accepted
		}
		return c.sw(apdu.SWSMNotSupported), false
	}
	return c.sw(apdu.SWCLANotSupported), false
}

// secure handles a CLA 08 command: only the text application has secure messaging.
func (c *Card) secure(cmd apdu.Command) ([]byte, bool) {
	switch {
	case c.cur == nil:
		return c.sw(apdu.SWSMNotSupported), false
	case c.cur.ssk != sskText:
		if c.cur.id == "jpki" {
			return c.sw(apdu.SWSMSessionClosed), false
		}
		return c.sw(apdu.SWSMNotSupported), false
	case c.sessDead:
		return c.sw(apdu.SWSMSessionClosed), false
	case c.sess == nil:
		return c.sw(apdu.SWSecurityNotSatisfied), false
	}
	plain, err := c.sess.UnwrapCommand(cmd)
	if err != nil {
		if c.sess.Closed() {
			c.sessDead = true
		}
		return c.sw(sm.StatusFor(err)), false
	}
	r := c.dispatch(plain)
	if r.torn {
		return nil, true
	}
	if c.sess == nil { // the command ended the session (e.g. SELECT of an application)
		return r.bytes(c), false
	}
	w := c.sess.WrapResponse(apdu.Response{Data: r.data, SW: r.sw})
	return c.data(w.Data, w.SW), false
}

const (
	insSelect             = 0xA4
	insReadBinary         = 0xB0
	insReadRecord         = 0xB2
	insVerify             = 0x20
	insChangeRefData      = 0x24
	insGetChallenge       = 0x84
	insInternalAuth       = 0x88
	insGetData            = 0xCA
	insGetResponse        = 0xC0
	insSign               = 0x2A // 80 2A
	insSetPublicKey       = 0xA2 // 80 A2
	insSetSessionKey      = 0xAE // 80 AE
	insChangeKey          = 0x32 // 80 32
	claISO           byte = 0x00
)

// dispatch runs a plain command (CLA 00 or 80; secure strips the SM bits first).
func (c *Card) dispatch(cmd apdu.Command) result {
	iso := cmd.CLA == claISO
	switch cmd.INS {
	case insSelect, insReadBinary, insReadRecord, insVerify, insChangeRefData,
		insGetChallenge, insInternalAuth, insGetData, insGetResponse:
		if !iso {
			return fail(apdu.SWCLANotSupported)
		}
	case insSign, insSetPublicKey, insSetSessionKey, insChangeKey:
		if iso {
			return fail(apdu.SWCLANotSupported)
		}
	default:
		return fail(apdu.SWINSNotSupported)
	}
	switch cmd.INS {
	case insSelect:
		return c.selectFile(cmd)
	case insReadBinary:
		return c.readBinary(cmd)
	case insReadRecord:
		return c.readRecord(cmd)
	case insVerify:
		return c.verify(cmd)
	case insChangeRefData:
		return c.changeReference(cmd, changeRefData)
	case insChangeKey:
		return c.changeReference(cmd, changeKey)
	case insGetChallenge:
		return c.getChallenge(cmd)
	case insInternalAuth:
		return c.internalAuthenticate(cmd)
	case insGetData:
		return c.getData(cmd)
	case insGetResponse:
		return fail(apdu.SWConditionsNotSatisfied) // this card never answers 61xx
	case insSign:
		return c.sign(cmd)
	case insSetPublicKey:
		return c.setPublicKey(cmd)
	case insSetSessionKey:
		return c.setSessionKey(cmd)
	}
	return fail(apdu.SWINSNotSupported)
}

func (c *Card) selectFile(cmd apdu.Command) result {
	if cmd.Ne != 0 && cmd.P2 == 0x0C {
		return fail(apdu.SWWrongLength)
	}
	if cmd.P2 != 0x0C && cmd.P2 != 0x00 {
		return fail(apdu.SWIncorrectP1P2)
	}
	switch cmd.P1 {
	case 0x04: // by DF name
		if len(cmd.Data) == 0 {
			return fail(apdu.SWWrongLength)
		}
		for _, a := range c.apps {
			if !bytes.Equal(a.aid, cmd.Data) {
				continue
			}
			if c.faults.has(FaultResetOnReselect) {
				c.resetCounters(a)
			}
			if (a != c.cur || c.beh.reselectClears) && !c.faults.has(FaultVerifiedSurvives) {
				c.verified = 0
			}
			c.cur, c.curEF = a, nil
			c.sess, c.sessDead = nil, false
			return ok(nil) // P2=00: an empty FCI
		}
		if bytes.Equal(cmd.Data, aidISD) && !c.noISD {
			c.clearVolatile()
			return ok(nil)
		}
		return fail(apdu.SWFileNotFound)
	case 0x02: // EF under the current DF
		if len(cmd.Data) != 2 {
			return fail(apdu.SWWrongLength)
		}
		if c.cur == nil {
			return fail(apdu.SWFileNotFound)
		}
		e := c.cur.lookup(uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1]))
		if e == nil {
			return fail(apdu.SWFileNotFound)
		}
		c.curEF = e
		return ok(nil)
	case 0x00: // MF
		if len(cmd.Data) == 0 {
			if c.cur == nil {
				return fail(apdu.SWIncorrectP1P2)
			}
			return ok(nil)
		}
		return fail(apdu.SWFileNotFound)
	}
	return fail(apdu.SWIncorrectP1P2)
}

// aidISD is the GlobalPlatform issuer security domain: selecting it returns to MF level.
var aidISD = []byte{0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00}

func (c *Card) readBinary(cmd apdu.Command) result {
	if len(cmd.Data) != 0 || cmd.Ne == 0 {
		return fail(apdu.SWWrongLength)
	}
	var e *ef
	var off int
	if cmd.P1&0x80 != 0 {
		if cmd.P1&0x60 != 0 {
			return fail(apdu.SWIncorrectP1P2)
		}
		if c.cur == nil {
			return fail(apdu.SWFileNotFound)
		}
		if e = c.cur.lookup(uint16(cmd.P1 & 0x1F)); e == nil {
			return fail(apdu.SWFileNotFound)
		}
		c.curEF = e
		off = int(cmd.P2)
	} else {
		if e = c.curEF; e == nil {
			return fail(apdu.SWNoCurrentEF)
		}
		off = int(cmd.P1)<<8 | int(cmd.P2)
	}
	if e.kind != efBinary {
		return fail(apdu.SWIncompatibleFile)
	}
	if !c.readable(e) {
		return fail(c.beh.protectedRead)
	}
	if off >= len(e.data) {
		return fail(c.beh.beyondEnd)
	}
	end := min(len(e.data), off+cmd.Ne)
	if c.faults.has(FaultTruncatedRead) && end-off > 32 {
		end--
	}
	return ok(e.data[off:end])
}

func (c *Card) readRecord(cmd apdu.Command) result {
	if len(cmd.Data) != 0 || cmd.Ne == 0 {
		return fail(apdu.SWWrongLength)
	}
	if cmd.P2&0x07 != 0x04 || cmd.P1 == 0 {
		return fail(apdu.SWIncorrectP1P2)
	}
	e := c.curEF
	if sfi := cmd.P2 >> 3; sfi != 0 {
		if c.cur == nil {
			return fail(apdu.SWFileNotFound)
		}
		if e = c.cur.lookup(uint16(sfi)); e == nil {
			return fail(apdu.SWFileNotFound)
		}
		c.curEF = e
	}
	if e == nil {
		return fail(apdu.SWNoCurrentEF)
	}
	if e.kind != efRecord {
		return fail(apdu.SWIncompatibleFile)
	}
	if !c.readable(e) {
		return fail(c.beh.protectedRead)
	}
	n := int(cmd.P1)
	if n > len(e.records) {
		return fail(apdu.SWRecordNotFound)
	}
	rec := e.records[n-1]
	return ok(rec[:min(len(rec), cmd.Ne)])
}

// readable applies the access map (and the access faults) to a data file.
func (c *Card) readable(e *ef) bool {
	switch {
	case c.faults.has(FaultNoAccessCheck):
		return true
	case c.faults.has(FaultBOpensNumber) && c.cur != nil && c.cur.id == "surface" && e.fid == 0x0005 && c.verified&bit(0x0012) != 0:
		return true
	}
	return e.read.opens(c.verified)
}

// keyFor resolves the key reference a VERIFY or CHANGE names in P2: 80 is the
// current EF, 80|SFI names it directly.
func (c *Card) keyFor(p2 byte) (*ef, apdu.StatusWord) {
	if p2&0x80 == 0 || p2&0x60 != 0 {
		return nil, apdu.SWIncorrectP1P2
	}
	if c.cur == nil {
		return nil, apdu.SWReferenceNotFound
	}
	e := c.curEF
	if sfi := p2 & 0x1F; sfi != 0 {
		e = c.cur.lookup(uint16(sfi))
	}
	if e == nil || e.kind != efKeyRef {
		return nil, apdu.SWReferenceNotFound
	}
	return e, apdu.SWSuccess
}

func (c *Card) verify(cmd apdu.Command) result {
	if cmd.P1 != 0 {
		return fail(apdu.SWIncorrectP1P2)
	}
	if cmd.Ne != 0 {
		return fail(apdu.SWWrongLength)
	}
	e, sw := c.keyFor(cmd.P2)
	if e == nil {
		return fail(sw)
	}
	k := e.key
	tries := c.st.tries(k.state)
	f := c.faults
	if len(cmd.Data) == 0 { // status query: never spends a try
		if f.has(FaultEmptyQuerySpends) && tries > 0 {
			tries--
			if err := c.st.setTries(k.state, tries); err != nil {
				return fail(apdu.SWMemoryFailure)
			}
		}
		if tries == 0 {
			return fail(c.beh.blockedQuery)
		}
		return fail(c.triesLeft(tries))
	}
	if tries == 0 && !f.has(FaultNoBlock) {
		if f.has(FaultSW6983) {
			return fail(apdu.SWAuthMethodBlocked)
		}
		return fail(apdu.SWReferenceDataBlocked)
	}
	if len(cmd.Data) != len(k.ref) {
		if f.has(FaultWrongLengthUncounted) {
			return fail(c.triesLeft(tries))
		}
		if !c.beh.wrongLengthSpend {
			return fail(apdu.SWWrongLength)
		}
	}
	after := max(tries-1, 0)
	if f.has(FaultNoDecrement) {
		after = tries
	}
	if f.has(FaultLicenceNoDecrement) {
		if k.kind == myna.SecretLicencePIN {
			after = tries
		}
	}
	if !f.has(FaultDecrementAfterCheck) {
		// The decrement is durable before the comparison is made: tearing the
		// command after this point cannot buy a free try.
		if err := c.st.setTries(k.state, after); err != nil {
			return fail(apdu.SWMemoryFailure)
		}
	}
	match := c.compare(k, cmd.Data)
	if c.hooks.afterDecrement != nil && c.hooks.afterDecrement() {
		return result{torn: true}
	}
	if f.has(FaultDecrementAfterCheck) && !match {
		if err := c.st.setTries(k.state, after); err != nil {
			return fail(apdu.SWMemoryFailure)
		}
	}
	if !match {
		if c.beh.wrongCodeClears {
			c.verified &^= bit(e.fid)
		}
		if f.has(FaultSW6300) {
			return fail(apdu.SWNoRetryLimit)
		}
		return fail(c.triesLeft(after))
	}
	if err := c.st.setTries(k.state, k.limit); err != nil {
		return fail(apdu.SWMemoryFailure)
	}
	c.verified |= bit(e.fid)
	return ok(nil)
}

// triesLeft is the 63Cx status word for n tries left (CARD.md §3), or one more under the
// tries-one-too-many fault.
func (c *Card) triesLeft(n int) apdu.StatusWord {
	if c.faults.has(FaultTriesOneTooMany) {
		n = min(n+1, 15)
	}
	return apdu.RetriesLeft(n)
}

// compare checks a presented value against the key's reference: in constant
// time, unless a fault makes it leak, accept a prefix or skip the security code.
func (c *Card) compare(k *keyRef, data []byte) bool {
	if match, changed := c.st.matches(k.state, data); changed {
		return match
	}
	switch {
	case c.faults.has(FaultIgnoresSecurityCode) && k.kind == myna.SecretCheckCodeB && len(data) == len(k.ref):
		n := myna.CheckCodeBSecurityCode // birth date and expiry year only
		return subtle.ConstantTimeCompare(data[:n], k.ref[:n]) == 1
	case c.faults.has(FaultAcceptPrefix):
		n := min(len(data), len(k.ref))
		return n >= 6 && subtle.ConstantTimeCompare(data[:n], k.ref[:n]) == 1
	case c.faults.has(FaultTimingLeak):
		d := c.faults.delay[FaultTimingLeak]
		for i := range data {
			if i >= len(k.ref) || data[i] != k.ref[i] {
				return false
			}
			spin(d)
		}
		return len(data) == len(k.ref)
	}
	return subtle.ConstantTimeCompare(data, k.ref) == 1
}

// spin busy-waits for d: a sleep's granularity would hide a per-digit delay.
func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
}

func (c *Card) changeReference(cmd apdu.Command, mode changeMode) result {
	wantP1 := byte(0x00) // CHANGE KEY 80 32 00 80
	if mode == changeRefData {
		wantP1 = 0x01 // CHANGE REFERENCE DATA 00 24 01 80: new value only
	}
	if cmd.P1 != wantP1 {
		return fail(apdu.SWIncorrectP1P2)
	}
	e, sw := c.keyFor(cmd.P2)
	if e == nil {
		return fail(sw)
	}
	if e.key.change != mode {
		return fail(apdu.SWConditionsNotSatisfied)
	}
	if c.st.tries(e.key.state) == 0 {
		return fail(apdu.SWReferenceDataBlocked)
	}
	if c.verified&bit(e.fid) == 0 {
		return fail(apdu.SWSecurityNotSatisfied)
	}
	if e.key.validate != nil && e.key.validate(cmd.Data) != nil {
		return fail(apdu.SWWrongData)
	}
	if err := c.st.change(e.key.state, cmd.Data); err != nil {
		return fail(apdu.SWMemoryFailure)
	}
	return ok(nil)
}

func (c *Card) getChallenge(cmd apdu.Command) result {
	if cmd.Extended {
		return fail(apdu.SWConditionsNotSatisfied)
	}
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return fail(apdu.SWIncorrectP1P2)
	}
	if len(cmd.Data) != 0 || cmd.Ne == 0 {
		return fail(apdu.SWWrongLength)
	}
	ch := make([]byte, cmd.Ne)
	if c.faults.has(FaultFixedChallenge) {
		return ok(ch) // always zeros
	}
	if _, err := io.ReadFull(c.rand, ch); err != nil {
		return fail(apdu.SWNoPreciseDiagnosis)
	}
	return ok(ch)
}

// privKeyFor resolves the key a signing command names: P2 00 is the
// application's default key, 80 the current EF, 80|SFI a key by its SFI.
func (c *Card) privKeyFor(p2 byte) (*ef, apdu.StatusWord) {
	if c.cur == nil {
		return nil, apdu.SWReferenceNotFound
	}
	var e *ef
	switch {
	case p2 == 0x00:
		e = c.cur.defaultKey
	case p2 == 0x80:
		e = c.curEF
	case p2&0xE0 == 0x80:
		e = c.cur.lookup(uint16(p2 & 0x1F))
	default:
		return nil, apdu.SWIncorrectP1P2
	}
	if e == nil || e.kind != efPrivKey {
		return nil, apdu.SWReferenceNotFound
	}
	return e, apdu.SWSuccess
}

func (c *Card) sign(cmd apdu.Command) result {
	if cmd.P1 > 0x05 {
		return fail(apdu.SWIncorrectP1P2)
	}
	e, sw := c.privKeyFor(cmd.P2)
	if e == nil {
		return fail(sw)
	}
	if !e.use.opens(c.verified) {
		return fail(apdu.SWSecurityNotSatisfied)
	}
	if e.alt != nil {
		return c.signAlt(e, cmd)
	}
	if len(cmd.Data) == 0 || cmd.Ne < e.priv.Size() {
		return fail(apdu.SWWrongLength)
	}
	priv := e.priv
	if c.faults.has(FaultClone) && e == c.cur.defaultKey && c.cloneKey != nil {
		priv = c.cloneKey // a copied dump cannot sign with the card's key
	}
	var sig []byte
	var err error
	h := sha256.Sum256(cmd.Data)
	switch cmd.P1 {
	case 0x00: // PKCS#1 v1.5 over the data as given (a DigestInfo)
		if len(cmd.Data) > priv.Size()-11 {
			return fail(apdu.SWWrongLength)
		}
		sig, err = rsa.SignPKCS1v15(nil, priv, 0, cmd.Data)
	case 0x01: // card hashes, signs the bare hash
		sig, err = rsa.SignPKCS1v15(nil, priv, 0, h[:])
	case 0x02: // data is a SHA-256 hash, card adds the DigestInfo
		if len(cmd.Data) != sha256.Size {
			return fail(apdu.SWWrongLength)
		}
		sig, err = rsa.SignPKCS1v15(nil, priv, crypto.SHA256, cmd.Data)
	case 0x03: // card hashes and adds the DigestInfo
		sig, err = rsa.SignPKCS1v15(nil, priv, crypto.SHA256, h[:])
	case 0x04: // PSS over a given SHA-256 hash
		if len(cmd.Data) != sha256.Size {
			return fail(apdu.SWWrongLength)
		}
		sig, err = rsa.SignPSS(c.rand, priv, crypto.SHA256, cmd.Data, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case 0x05: // card hashes, PSS
		sig, err = rsa.SignPSS(c.rand, priv, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	if err != nil {
		return fail(apdu.SWWrongData)
	}
	return ok(sig)
}

func (c *Card) internalAuthenticate(cmd apdu.Command) result {
	if cmd.P1 != 0 {
		return fail(apdu.SWIncorrectP1P2)
	}
	e, sw := c.privKeyFor(cmd.P2)
	if e == nil {
		return fail(sw)
	}
	if !e.ia {
		return fail(apdu.SWConditionsNotSatisfied)
	}
	if !e.use.opens(c.verified) {
		return fail(apdu.SWSecurityNotSatisfied)
	}
	if len(cmd.Data) == 0 || cmd.Ne == 0 {
		return fail(apdu.SWWrongLength)
	}
	h := sha256.Sum256(cmd.Data)
	sig, err := rsa.SignPKCS1v15(nil, e.priv, crypto.SHA256, h[:])
	if err != nil {
		return fail(apdu.SWNoPreciseDiagnosis)
	}
	return ok(sig[:min(len(sig), cmd.Ne)])
}

// tagATR is GET DATA 5F51: the contact ATR without TS, answered with or without an application.
const tagATR = 0x5F51

func (c *Card) getData(cmd apdu.Command) result {
	if len(cmd.Data) != 0 || cmd.Ne == 0 {
		return fail(apdu.SWWrongLength)
	}
	tag := uint16(cmd.P1)<<8 | uint16(cmd.P2)
	obj, found := c.mfData[tag]
	if !found || (c.cur != nil && tag != tagATR) {
		return fail(apdu.SWReferenceNotFound)
	}
	switch {
	case len(obj) > apdu.MaxShortNe && !cmd.Extended:
		return fail(apdu.SWWrongLength) // large objects need an extended Le
	case cmd.Ne < len(obj) && !cmd.Extended:
		return fail(apdu.SWWrongLe | apdu.StatusWord(len(obj)&0xFF))
	}
	return ok(obj[:min(len(obj), cmd.Ne)])
}

func (c *Card) setPublicKey(cmd apdu.Command) result {
	if c.cur == nil || c.cur.id != "jpki" {
		return fail(apdu.SWINSNotSupported)
	}
	// A terminal CV certificate body is 307 bytes; no terminal CA is known to
	// the emulator, so a well-sized one is refused as unverifiable.
	if len(cmd.Data) != 307 {
		return fail(apdu.SWWrongLength)
	}
	return fail(apdu.SWReferenceNotFound)
}

func (c *Card) setSessionKey(cmd apdu.Command) result {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return fail(apdu.SWIncorrectP1P2)
	}
	if c.cur == nil {
		return fail(apdu.SWSecurityNotSatisfied)
	}
	switch c.cur.ssk {
	case sskNotConfigured:
		return fail(apdu.SWKeyDeliveryNotConfigured)
	case sskRefused:
		return fail(apdu.SWSecurityNotSatisfied)
	}
	if c.verified&bit(c.cur.pinFID) == 0 {
		return fail(apdu.SWSecurityNotSatisfied)
	}
	s, err := sm.AcceptSessionKey(c.cur.sessionKey, cmd.Data)
	if err != nil {
		return fail(sm.StatusFor(err))
	}
	s.IgnoreCounter = c.faults.has(FaultSMNoCounter)
	c.sess, c.sessDead = s, false
	return ok(nil)
}
