package sm

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/taimen-dev/taimen/apdu"
)

// Basic Access Control, ICAO Doc 9303 Part 11 §4.3 and §9.7.1 (worked example
// in Appendix D.1–D.3). The same mutual authentication (E.IFD ‖ M.IFD →
// E.IC ‖ M.IC with 3DES and the retail MAC) is what the residence card uses,
// with K_Enc = K_MAC = SHA-1(card number)[0:16] (CARD.md §4.2).

// KDF counters of Doc 9303 Part 11 §9.7.1.
const (
	KDFEnc uint32 = 1 // encryption key
	KDFMAC uint32 = 2 // MAC key
)

// Lengths of the BAC nonces and key halves.
const (
	BACNonceLen = 8  // RND.IC, RND.IFD
	BACKeyLen   = 16 // K.IFD, K.IC, K_seed
)

// INSMutualAuthenticate is MUTUAL AUTHENTICATE (00 82 00 00 28 … 28); GET
// CHALLENGE (00 84 00 00 08) gives RND.IC before it.
const (
	INSMutualAuthenticate byte = 0x82
	INSGetChallenge       byte = 0x84
)

// KDF returns the two-key 3DES key SHA-1(seed ‖ c as 4 bytes)[0:16] with DES parity adjusted.
func KDF(seed []byte, c uint32) []byte {
	h := sha1.New()
	h.Write(seed)
	h.Write(binary.BigEndian.AppendUint32(nil, c))
	return AdjustParity(h.Sum(nil)[:16])
}

// DeriveKeys returns KDF(seed, 1) and KDF(seed, 2): the document basic access
// keys from K_seed, or the session keys from K.IFD ⊕ K.IC.
func DeriveKeys(seed []byte) Keys {
	return Keys{Enc: KDF(seed, KDFEnc), MAC: KDF(seed, KDFMAC)}
}

// CheckDigit returns the ICAO 9303 Part 3 check digit of s (weights 7, 3, 1;
// 0–9 as themselves, A–Z as 10–35, '<' as 0) as an ASCII digit.
func CheckDigit(s string) (byte, error) {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		var v int
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		case c == '<':
			v = 0
		default:
			return 0, fmt.Errorf("sm: MRZ character %q at %d is not 0-9, A-Z or <", c, i)
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10), nil
}

// MRZInformation returns document number (padded with '<' to 9 characters) ‖
// check digit ‖ date of birth YYMMDD ‖ check digit ‖ date of expiry YYMMDD ‖
// check digit, the BAC key seed input. Document numbers over 9 characters are
// not supported.
func MRZInformation(documentNumber, birthDate, expiryDate string) (string, error) {
	if n := len(documentNumber); n == 0 || n > 9 {
		return "", fmt.Errorf("sm: document number of %d characters, want 1..9", n)
	}
	for _, d := range []string{birthDate, expiryDate} {
		if len(d) != 6 {
			return "", fmt.Errorf("sm: MRZ date of %d characters, want YYMMDD", len(d))
		}
		for i := 0; i < 6; i++ {
			if d[i] < '0' || d[i] > '9' {
				return "", fmt.Errorf("sm: MRZ date is not YYMMDD digits")
			}
		}
	}
	doc := documentNumber + "<<<<<<<<<"[:9-len(documentNumber)]
	var b []byte
	for _, f := range []string{doc, birthDate, expiryDate} {
		cd, err := CheckDigit(f)
		if err != nil {
			return "", err
		}
		b = append(append(b, f...), cd)
	}
	return string(b), nil
}

// BACKeySeed returns K_seed = SHA-1(MRZ_information)[0:16].
func BACKeySeed(mrzInformation string) []byte {
	sum := sha1.Sum([]byte(mrzInformation))
	return sum[:16]
}

// BACKeys returns the document basic access keys K_Enc, K_MAC from the MRZ fields.
func BACKeys(documentNumber, birthDate, expiryDate string) (Keys, error) {
	info, err := MRZInformation(documentNumber, birthDate, expiryDate)
	if err != nil {
		return Keys{}, err
	}
	return DeriveKeys(BACKeySeed(info)), nil
}

// sessionFromBAC derives the session keys from K.IFD ⊕ K.IC and SSC = RND.IC[4:8] ‖ RND.IFD[4:8].
func sessionFromBAC(kIFD, kIC, rndIC, rndIFD []byte) (Keys, []byte) {
	seed := make([]byte, BACKeyLen)
	subtle.XORBytes(seed, kIFD, kIC)
	ssc := append(append(make([]byte, 0, 8), rndIC[4:8]...), rndIFD[4:8]...)
	return DeriveKeys(seed), ssc
}

// bacKeys checks and opens the document keys.
func bacKeys(k Keys) (enc, mac *desKey, err error) {
	if enc, err = newDESKey(k.Enc); err != nil {
		return nil, nil, fmt.Errorf("sm: K_Enc: %w", err)
	}
	if mac, err = newDESKey(k.MAC); err != nil {
		return nil, nil, fmt.Errorf("sm: K_MAC: %w", err)
	}
	return enc, mac, nil
}

// randomOr returns b, or n fresh random bytes when b is nil.
func randomOr(b []byte, n int, what string) ([]byte, error) {
	if b == nil {
		b = make([]byte, n)
		if _, err := io.ReadFull(rand.Reader, b); err != nil {
			return nil, err
		}
	}
	if len(b) != n {
		return nil, fmt.Errorf("sm: %s of %d bytes, want %d", what, len(b), n)
	}
	return b, nil
}

// BACTerminal is the inspection system's half of BAC mutual authentication.
type BACTerminal struct {
	enc, mac            *desKey
	rndIC, rndIFD, kIFD []byte
}

// NewBACTerminal starts mutual authentication with the document keys k and
// RND.IC (the card's GET CHALLENGE answer). It returns MUTUAL AUTHENTICATE
// 00 82 00 00 28 ‖ E.IFD ‖ M.IFD ‖ 28, where E.IFD = 3DES-CBC(K_Enc, RND.IFD ‖
// RND.IC ‖ K.IFD) and M.IFD = retail MAC(K_MAC, E.IFD). rndIFD and kIFD are
// drawn from crypto/rand when nil.
func NewBACTerminal(k Keys, rndIC, rndIFD, kIFD []byte) (*BACTerminal, apdu.Command, error) {
	enc, mac, err := bacKeys(k)
	if err != nil {
		return nil, apdu.Command{}, err
	}
	if len(rndIC) != BACNonceLen {
		return nil, apdu.Command{}, fmt.Errorf("sm: RND.IC of %d bytes, want %d", len(rndIC), BACNonceLen)
	}
	if rndIFD, err = randomOr(rndIFD, BACNonceLen, "RND.IFD"); err != nil {
		return nil, apdu.Command{}, err
	}
	if kIFD, err = randomOr(kIFD, BACKeyLen, "K.IFD"); err != nil {
		return nil, apdu.Command{}, err
	}
	s := append(append(append(make([]byte, 0, 32), rndIFD...), rndIC...), kIFD...)
	e := enc.cbc(s, true)
	data := append(e, mac.mac(e)...)
	t := &BACTerminal{enc: enc, mac: mac, rndIC: bytes.Clone(rndIC), rndIFD: bytes.Clone(rndIFD), kIFD: bytes.Clone(kIFD)}
	return t, apdu.Command{INS: INSMutualAuthenticate, Data: data, Ne: len(data)}, nil
}

// Finish checks the card's answer E.IC ‖ M.IC (M.IC, then the RND.IFD and
// RND.IC echoes) and returns the terminal side of the secure-messaging session
// on KS = KDF(K.IFD ⊕ K.IC) and SSC = RND.IC[4:8] ‖ RND.IFD[4:8]. Errors are
// *AuthError.
func (t *BACTerminal) Finish(r apdu.Response) (*ICAOTerminal, error) {
	if !r.SW.OK() {
		return nil, &AuthError{Reason: "card refused MUTUAL AUTHENTICATE", Err: r.SW}
	}
	if len(r.Data) != 40 {
		return nil, &AuthError{Reason: fmt.Sprintf("answer of %d bytes, want 40", len(r.Data))}
	}
	e, m := r.Data[:32], r.Data[32:]
	if subtle.ConstantTimeCompare(m, t.mac.mac(e)) != 1 {
		return nil, &AuthError{Reason: "M.IC", Err: ErrWrongMAC}
	}
	rr := t.enc.cbc(e, false)
	if !bytes.Equal(rr[:8], t.rndIC) || !bytes.Equal(rr[8:16], t.rndIFD) {
		return nil, &AuthError{Reason: "the card did not echo RND.IC ‖ RND.IFD"}
	}
	ks, ssc := sessionFromBAC(t.kIFD, rr[16:32], t.rndIC, t.rndIFD)
	return NewICAOTerminal(ks, ssc)
}

// BACCardAuthenticate is the chip's MUTUAL AUTHENTICATE: with the document keys
// k, its challenge rndIC and K.IC (crypto/rand when nil) it checks M.IFD and
// the RND.IC echo, and answers E.IC ‖ M.IC 9000 with the card side of the
// session. On failure the response is 6300 and the error an *AuthError.
func BACCardAuthenticate(k Keys, rndIC, kIC []byte, cmd apdu.Command) (apdu.Response, *ICAOCard, error) {
	fail := func(err error) (apdu.Response, *ICAOCard, error) {
		return apdu.Response{SW: StatusFor(err)}, nil, err
	}
	enc, mac, err := bacKeys(k)
	if err != nil {
		return fail(err)
	}
	if len(rndIC) != BACNonceLen {
		return fail(fmt.Errorf("sm: RND.IC of %d bytes, want %d", len(rndIC), BACNonceLen))
	}
	if kIC, err = randomOr(kIC, BACKeyLen, "K.IC"); err != nil {
		return fail(err)
	}
	switch {
	case cmd.INS != INSMutualAuthenticate || cmd.P1 != 0 || cmd.P2 != 0:
		return fail(&AuthError{Reason: fmt.Sprintf("not MUTUAL AUTHENTICATE 00 82 00 00 (INS %02X P1 %02X P2 %02X)", cmd.INS, cmd.P1, cmd.P2)})
	case len(cmd.Data) != 40:
		return fail(&AuthError{Reason: fmt.Sprintf("data of %d bytes, want 40", len(cmd.Data))})
	}
	e, m := cmd.Data[:32], cmd.Data[32:]
	if subtle.ConstantTimeCompare(m, mac.mac(e)) != 1 {
		return fail(&AuthError{Reason: "M.IFD", Err: ErrWrongMAC})
	}
	s := enc.cbc(e, false)
	if !bytes.Equal(s[8:16], rndIC) {
		return fail(&AuthError{Reason: "the terminal did not echo RND.IC"})
	}
	rndIFD, kIFD := s[:8], s[16:32]
	r := append(append(append(make([]byte, 0, 32), rndIC...), rndIFD...), kIC...)
	eIC := enc.cbc(r, true)
	ks, ssc := sessionFromBAC(kIFD, kIC, rndIC, rndIFD)
	card, err := NewICAOCard(ks, ssc)
	if err != nil {
		return fail(err)
	}
	return apdu.Response{Data: append(eIC, mac.mac(eIC)...), SW: apdu.SWSuccess}, card, nil
}
