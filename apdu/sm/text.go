package sm

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/taimen-dev/taimen/apdu"
)

// The text application's scheme (CARD.md §4.1, taimen's reading of
// soltia48/myna-card src/sm.rs, which was measured on cards):
//
//   - SET SESSION KEY 80 AE 00 00, extended Lc, data RSA-OAEP(A0 22 80 20 ‖ seed)
//     under the key in EF 0006; OAEP uses SHA-256 for the label hash AND for
//     MGF1 (myna-card's rsa::Oaep::new::<Sha256>() does both; a reader that has
//     talked to real cards), label empty. Session key = seed[0:16], AES-128.
//   - Message n (n = 1 for the first SM command after SET SESSION KEY) is
//     AES-128-CBC with IV = AES-ECB(key, n as a 16-byte big-endian block), after
//     ISO/IEC 7816-4 padding (always added). n advances on every SM command the
//     card accepts at the SM layer, whatever the application answers.
//   - The response to command n is encrypted under the IV of n as well
//     (textResponseCounter), as myna-card's reader decrypts it.
//   - CLA 08, no MAC. Command data is exactly one DO: 86 L 01 ‖ cryptogram for
//     VERIFY, SELECT and any other command with data (and for a command with
//     neither data nor Le, which sends the encryption of nothing, one block),
//     96 03 00 hi lo for READ BINARY (INS B0/B1), with extended Le 0000. The
//     response data is 86 L 01 ‖ cryptogram, then the plain status word.
//
// The counter is implicit: the card cannot read the terminal's n, it can only
// notice that decryption under its own n gives no valid padding. That is how
// a wrong counter shows (ErrCounter wrapping ErrBadPadding), and the session
// dies (6988, then 69FC). CBC confines a wrong IV to the first block, so only
// one-block cryptograms (≤ 15 plaintext bytes: every PIN, check code, FID and
// AID this application takes) reveal it; a longer one decrypts with a garbled
// first block, and READ BINARY carries no cryptogram at all — there the
// terminal notices, when the response fails to decrypt.

// Sizes of the text application's key delivery and session key.
const (
	TextSeedLen = 32 // key material carried by SET SESSION KEY
	TextKeyLen  = 16 // AES-128 session key = seed[0:16]
)

// SET SESSION KEY and its key-delivery template.
const (
	CLASetSessionKey byte     = 0x80
	INSSetSessionKey byte     = 0xAE
	TagKeyDelivery   apdu.Tag = 0xA0 // key-delivery template
	TagEncKey        apdu.Tag = 0x80 // encryption key material (the 32-byte seed)
	TagCCSKey        apdu.Tag = 0x81 // checksum key material: refused by the text AP (6A80)
)

// textOAEP is the OAEP profile of SET SESSION KEY: SHA-256, MGF1 with SHA-256, empty label.
var textOAEP = &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA256}

// textResponseCounter returns the counter whose IV protects the response to
// the command protected under n. taimen's choice is the command's own n, as
// myna-card's reader uses against real cards; this is the single place to
// change it.
func textResponseCounter(n uint64) uint64 { return n }

// textCipher is the AES-128 session key with the counter-derived IVs.
type textCipher struct{ block cipher.Block }

func newTextCipher(key []byte) (textCipher, error) {
	if len(key) != TextKeyLen {
		return textCipher{}, fmt.Errorf("sm: text session key of %d bytes, want %d", len(key), TextKeyLen)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return textCipher{}, err
	}
	return textCipher{block: b}, nil
}

// iv returns AES-ECB(key, n as a 16-byte big-endian block).
func (c textCipher) iv(n uint64) [aes.BlockSize]byte {
	var b [aes.BlockSize]byte
	binary.BigEndian.PutUint64(b[8:], n)
	c.block.Encrypt(b[:], b[:])
	return b
}

// seal pads and encrypts plain under the IV of n.
func (c textCipher) seal(n uint64, plain []byte) []byte {
	iv := c.iv(n)
	buf := Pad(plain, aes.BlockSize)
	cipher.NewCBCEncrypter(c.block, iv[:]).CryptBlocks(buf, buf)
	return buf
}

// open decrypts and unpads ct under the IV of n; bad padding is a *CounterError.
func (c textCipher) open(n uint64, ct []byte) ([]byte, error) {
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, &DOError{Tag: DO86, Reason: fmt.Sprintf("cryptogram of %d bytes is not a whole number of %d-byte blocks", len(ct), aes.BlockSize)}
	}
	iv := c.iv(n)
	buf := make([]byte, len(ct))
	cipher.NewCBCDecrypter(c.block, iv[:]).CryptBlocks(buf, ct)
	plain, err := Unpad(buf, aes.BlockSize)
	if err != nil {
		ce := &CounterError{Want: n, Err: err}
		if len(ct) == aes.BlockSize { // only the first block depends on the IV
			var d [aes.BlockSize]byte
			c.block.Decrypt(d[:], ct)
			ce.Got, ce.Found = probe(n, func(m uint64) bool {
				var p [aes.BlockSize]byte
				iv := c.iv(m)
				for i := range p {
					p[i] = d[i] ^ iv[i]
				}
				_, err := Unpad(p[:], aes.BlockSize)
				return err == nil
			})
		}
		return nil, ce
	}
	return plain, nil
}

// BuildKeyDelivery returns the plaintext SET SESSION KEY carries: A0 22 80 20 ‖ seed.
func BuildKeyDelivery(seed []byte) ([]byte, error) {
	if len(seed) != TextSeedLen {
		return nil, fmt.Errorf("sm: key delivery seed of %d bytes, want %d", len(seed), TextSeedLen)
	}
	return apdu.AppendTLV(nil, TagKeyDelivery, apdu.AppendTLV(nil, TagEncKey, seed)), nil
}

// ParseKeyDelivery returns the seed of A0 22 80 20 ‖ seed (the result aliases b).
// A CCS key (81), alone or beside 80, is refused as the text AP does; every
// error is a *KeyDeliveryError with status 6A80.
func ParseKeyDelivery(b []byte) ([]byte, error) {
	bad := func(format string, args ...any) error {
		return &KeyDeliveryError{SW: apdu.SWWrongData, Reason: fmt.Sprintf(format, args...)}
	}
	t, rest, err := apdu.ParseTLV(b)
	switch {
	case err != nil:
		return nil, bad("not a BER-TLV object")
	case t.Tag != TagKeyDelivery:
		return nil, bad("template tag %s, want %s", t.Tag, TagKeyDelivery)
	case len(rest) != 0:
		return nil, bad("%d bytes after the template", len(rest))
	}
	kids, err := apdu.ParseTLVs(t.Value)
	if err != nil {
		return nil, bad("template content is not BER-TLV")
	}
	if _, ccs := apdu.Find(kids, TagCCSKey); ccs {
		return nil, bad("checksum key (%s) not supported: this application has no MAC", TagCCSKey)
	}
	if len(kids) != 1 || kids[0].Tag != TagEncKey {
		return nil, bad("template must hold exactly one %s object", TagEncKey)
	}
	if n := len(kids[0].Value); n != TextSeedLen {
		return nil, bad("key material of %d bytes, want %d", n, TextSeedLen)
	}
	return kids[0].Value, nil
}

// TextTerminal is the reader's side of a text-AP session.
type TextTerminal struct {
	c      textCipher
	next   uint64 // n of the next command
	last   uint64 // n of the last wrapped command
	closed bool
}

// NewTextSession draws a fresh seed and returns the terminal side with the SET
// SESSION KEY command (80 AE 00 00, extended Lc) that delivers it under pub.
func NewTextSession(pub *rsa.PublicKey) (*TextTerminal, apdu.Command, error) {
	seed := make([]byte, TextSeedLen)
	if _, err := io.ReadFull(rand.Reader, seed); err != nil {
		return nil, apdu.Command{}, err
	}
	return NewTextSessionWithSeed(pub, seed, rand.Reader)
}

// NewTextSessionWithSeed is NewTextSession with a given seed and OAEP randomness
// (nil: crypto/rand), for reproducible test runs; never reuse a seed with a card.
func NewTextSessionWithSeed(pub *rsa.PublicKey, seed []byte, random io.Reader) (*TextTerminal, apdu.Command, error) {
	if pub == nil {
		return nil, apdu.Command{}, errors.New("sm: no key-delivery public key")
	}
	msg, err := BuildKeyDelivery(seed)
	if err != nil {
		return nil, apdu.Command{}, err
	}
	if random == nil {
		random = rand.Reader
	}
	ct, err := rsa.EncryptOAEPWithOptions(random, pub, msg, textOAEP)
	if err != nil {
		return nil, apdu.Command{}, fmt.Errorf("sm: key delivery: %w", err)
	}
	t, err := NewTextTerminal(seed[:TextKeyLen])
	if err != nil {
		return nil, apdu.Command{}, err
	}
	cmd := apdu.Command{CLA: CLASetSessionKey, INS: INSSetSessionKey, Data: ct, Extended: true}
	return t, cmd, nil
}

// NewTextTerminal returns the terminal side of a session on a known AES-128
// key, with n = 1 (as right after SET SESSION KEY).
func NewTextTerminal(key []byte) (*TextTerminal, error) {
	c, err := newTextCipher(key)
	if err != nil {
		return nil, err
	}
	return &TextTerminal{c: c, next: 1}, nil
}

// Counter returns n of the next command.
func (t *TextTerminal) Counter() uint64 { return t.next }

// Closed reports whether the session is over (after any unwrap error or an SM status from the card).
func (t *TextTerminal) Closed() bool { return t.closed }

// ShiftCounter is a test hook: it moves n of the next command by delta (+1
// skips a value, -1 replays the previous one) so tests can send a wrong counter.
func (t *TextTerminal) ShiftCounter(delta int64) { t.next = uint64(int64(t.next) + delta) }

// Noticeable reports whether a card expecting counter n would notice that w,
// a command this terminal wrapped, was protected under another counter. The
// scheme has no MAC: the card only sees that w's DO'86' cryptogram does not
// decrypt to valid padding under the IV of n. A one-block cryptogram
// decrypted under a wrong IV still ends in valid padding about once in 256
// tries, and then the card cannot tell; so can a command without DO'86'
// (READ BINARY) or with two blocks or more. Tests of a replayed or skipped
// counter use it to know which answer a correct card must give.
func (t *TextTerminal) Noticeable(w apdu.Command, n uint64) bool {
	o, err := ParseObjects(w.Data)
	if err != nil || o.CryptoTag != DO86 {
		return false
	}
	_, err = t.c.open(n, o.Cryptogram)
	return err != nil
}

// WrapCommand protects cmd under the next n: data goes into DO'86', Le into
// DO'96' (00 hi lo) with extended Le 0000, CLA gains 08. A command with both
// data and Le cannot be protected in this scheme.
func (t *TextTerminal) WrapCommand(cmd apdu.Command) (apdu.Command, error) {
	switch {
	case t.closed:
		return apdu.Command{}, ErrSessionClosed
	case cmd.CLA&0x0C != 0:
		return apdu.Command{}, fmt.Errorf("sm: CLA %02X already indicates secure messaging", cmd.CLA)
	case len(cmd.Data) > 0 && cmd.Ne > 0:
		return apdu.Command{}, errors.New("sm: text scheme: a command carries either data (DO'86') or Le (DO'96'), not both")
	}
	if err := cmd.Validate(); err != nil {
		return apdu.Command{}, err
	}
	n := t.next
	out := apdu.Command{CLA: cmd.CLA | 0x08, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2, Extended: cmd.Extended}
	if cmd.Ne > 0 {
		le, err := EncodeLe(cmd.Ne, 3)
		if err != nil {
			return apdu.Command{}, err
		}
		out.Data = apdu.AppendTLV(make([]byte, 0, 5), DO96, le)
		out.Ne, out.Extended = apdu.MaxExtendedNe, true
	} else {
		out.Data = Objects{CryptoTag: DO86, Indicator: PaddingISO, Cryptogram: t.c.seal(n, cmd.Data)}.Append(nil)
	}
	if err := out.Validate(); err != nil {
		return apdu.Command{}, err
	}
	t.last, t.next = n, n+1
	return out, nil
}

// UnwrapResponse decrypts the answer to the last wrapped command. A response
// without data passes through; an SM status (6987, 6988, 69FC, 6882) gives a
// *CardRejectedError. Any error closes the session.
func (t *TextTerminal) UnwrapResponse(r apdu.Response) (apdu.Response, error) {
	if t.closed {
		return apdu.Response{SW: r.SW}, ErrSessionClosed
	}
	plain, err := t.unwrap(r)
	if err != nil {
		t.closed = true
		return apdu.Response{SW: r.SW}, err
	}
	return plain, nil
}

func (t *TextTerminal) unwrap(r apdu.Response) (apdu.Response, error) {
	if IsSMStatus(r.SW) {
		return apdu.Response{}, &CardRejectedError{SW: r.SW}
	}
	if len(r.Data) == 0 {
		return apdu.Response{SW: r.SW}, nil
	}
	o, err := ParseObjects(r.Data)
	switch {
	case err != nil:
		return apdu.Response{}, err
	case o.CryptoTag != DO86:
		return apdu.Response{}, &MissingDOError{Tag: DO86, In: "response"}
	case o.Count() != 1:
		return apdu.Response{}, &DOError{Reason: fmt.Sprintf("response holds %d data objects, want only %s", o.Count(), DO86)}
	case o.Indicator != PaddingISO:
		return apdu.Response{}, &DOError{Tag: DO86, Reason: fmt.Sprintf("padding-content indicator %02X, want %02X", o.Indicator, PaddingISO)}
	}
	data, err := t.c.open(textResponseCounter(t.last), o.Cryptogram)
	if err != nil {
		return apdu.Response{}, err
	}
	return apdu.Response{Data: data, SW: r.SW}, nil
}

// TextCard is the card's side of a text-AP session.
type TextCard struct {
	c      textCipher
	next   uint64 // n the next command must use
	last   uint64 // n of the last unwrapped command
	closed bool
	// IgnoreCounter makes a deliberately faulty card (fault injection): it
	// resynchronizes on any nearby counter that decrypts instead of closing
	// the session, so replayed and skipped messages are accepted.
	IgnoreCounter bool
}

// AcceptSessionKey is the card's SET SESSION KEY: it decrypts data (RSA-OAEP,
// SHA-256, MGF1-SHA-256, empty label) with priv and opens a session on
// seed[0:16]. Errors are *KeyDeliveryError: 6F00 for a ciphertext not below
// the modulus (as myna-card observed), 6A80 otherwise (wrong length, OAEP
// failure, a CCS key or any other template).
func AcceptSessionKey(priv *rsa.PrivateKey, data []byte) (*TextCard, error) {
	if priv == nil || priv.N == nil {
		return nil, errors.New("sm: no key-delivery private key")
	}
	if k := priv.Size(); len(data) != k {
		return nil, &KeyDeliveryError{SW: apdu.SWWrongData, Reason: fmt.Sprintf("%d bytes of key delivery data, want %d", len(data), k)}
	}
	if new(big.Int).SetBytes(data).Cmp(priv.N) >= 0 {
		return nil, &KeyDeliveryError{SW: apdu.SWNoPreciseDiagnosis, Reason: "ciphertext is not below the modulus"}
	}
	msg, err := priv.Decrypt(nil, data, textOAEP)
	if err != nil {
		return nil, &KeyDeliveryError{SW: apdu.SWWrongData, Reason: "RSA-OAEP decryption failed"}
	}
	seed, err := ParseKeyDelivery(msg)
	if err != nil {
		return nil, err
	}
	return NewTextCard(seed[:TextKeyLen])
}

// NewTextCard returns the card side of a session on a known AES-128 key,
// expecting n = 1.
func NewTextCard(key []byte) (*TextCard, error) {
	c, err := newTextCipher(key)
	if err != nil {
		return nil, err
	}
	return &TextCard{c: c, next: 1}, nil
}

// Counter returns n the next command must use.
func (c *TextCard) Counter() uint64 { return c.next }

// Closed reports whether the session died; every later command gets ErrSessionClosed (69FC).
func (c *TextCard) Closed() bool { return c.closed }

// UnwrapCommand checks and decrypts a CLA 08 command. CLA 0C (a MAC the
// session has no key for) and a command without data are refused with a
// *MissingDOError (6987) without counting or closing. Every other failure —
// a DO other than the one the INS takes (DO'96' for READ BINARY, DO'86'
// otherwise), a second DO, an indicator other than 01, a cryptogram that does
// not decrypt under n (*CounterError) — closes the session (6988, then 69FC).
// On success n advances, whatever the application will answer.
func (c *TextCard) UnwrapCommand(cmd apdu.Command) (apdu.Command, error) {
	if c.closed {
		return apdu.Command{}, ErrSessionClosed
	}
	want := DO86
	if cmd.INS == 0xB0 || cmd.INS == 0xB1 {
		want = DO96
	}
	switch {
	case cmd.CLA&0x0C == 0x0C:
		return apdu.Command{}, &MissingDOError{Tag: DO8E, In: "command"}
	case cmd.CLA&0x0C != 0x08:
		c.closed = true
		return apdu.Command{}, &DOError{Reason: fmt.Sprintf("CLA %02X does not indicate secure messaging (08)", cmd.CLA)}
	case len(cmd.Data) == 0:
		return apdu.Command{}, &MissingDOError{Tag: want, In: "command"}
	}
	plain, err := c.unwrap(cmd, want)
	var ce *CounterError
	if err != nil && c.IgnoreCounter && errors.As(err, &ce) && ce.Found {
		c.next = ce.Got
		plain, err = c.unwrap(cmd, want)
	}
	if err != nil {
		c.closed = true
		return apdu.Command{}, err
	}
	c.last, c.next = c.next, c.next+1
	return plain, nil
}

func (c *TextCard) unwrap(cmd apdu.Command, want apdu.Tag) (apdu.Command, error) {
	o, err := ParseObjects(cmd.Data)
	if err != nil {
		return apdu.Command{}, err
	}
	if o.Count() != 1 {
		return apdu.Command{}, &DOError{Reason: fmt.Sprintf("command holds %d data objects, want only %s", o.Count(), want)}
	}
	plain := apdu.Command{CLA: cmd.CLA &^ 0x0C, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2}
	switch {
	case want == DO96 && o.LeTag == DO96:
		plain.Ne, _ = DecodeLe(o.Le) // validated by ParseObjects
		plain.Extended = len(o.Le) >= 2
		return plain, nil
	case want == DO86 && o.CryptoTag == DO86:
		if o.Indicator != PaddingISO {
			return apdu.Command{}, &DOError{Tag: DO86, Reason: fmt.Sprintf("padding-content indicator %02X, want %02X", o.Indicator, PaddingISO)}
		}
		data, err := c.c.open(c.next, o.Cryptogram)
		if err != nil {
			return apdu.Command{}, err
		}
		if len(data) > 0 {
			plain.Data = data
		}
		plain.Extended = len(data) > apdu.MaxShortLc
		return plain, nil
	}
	got := o.CryptoTag | o.LeTag
	if o.HasStatus {
		got = DO99
	} else if o.MAC != nil {
		got = DO8E
	}
	return apdu.Command{}, &DOError{Tag: got, Reason: fmt.Sprintf("INS %02X takes %s", cmd.INS, want)}
}

// WrapResponse encrypts r's data into DO'86' under the IV of the last
// command's n; a response without data is its status word alone. On a closed
// session it answers 69FC.
func (c *TextCard) WrapResponse(r apdu.Response) apdu.Response {
	if c.closed {
		return apdu.Response{SW: apdu.SWSMSessionClosed}
	}
	if len(r.Data) == 0 {
		return apdu.Response{SW: r.SW}
	}
	o := Objects{CryptoTag: DO86, Indicator: PaddingISO, Cryptogram: c.c.seal(textResponseCounter(c.last), r.Data)}
	return apdu.Response{Data: o.Append(nil), SW: r.SW}
}
