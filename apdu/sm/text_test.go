package sm

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	mrand "math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// testRSAKey is the first fixed RSA-2048 key of the test PKI (vectors/profiles/testca), parsed
// once per test binary: generating one costs up to seconds under load.
var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	data, err := os.ReadFile("../../vectors/profiles/testca/keys.pem")
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		panic("testca/keys.pem: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic(err)
	}
	return k.(*rsa.PrivateKey)
})

// textKey is a fixed session key: the wrong-counter outcomes below are deterministic for it.
var textKey = h("000102030405060708090A0B0C0D0E0F")

func newTextPair(t testing.TB) (*TextTerminal, *TextCard) {
	t.Helper()
	term, err := NewTextTerminal(textKey)
	if err != nil {
		t.Fatal(err)
	}
	card, err := NewTextCard(textKey)
	if err != nil {
		t.Fatal(err)
	}
	return term, card
}

var (
	verifyPIN  = myna.VerifySelected([]byte("1234"))
	verifyB    = myna.VerifySelected([]byte("55021720352285"))
	selectEF   = apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: h("0002")}
	readWhole  = apdu.Command{INS: 0xB0, Ne: 65536, Extended: true}
	triesQuery = myna.VerifySelected(nil)
)

// manualText encrypts plain for counter n with crypto/aes directly, independently of textCipher.
func manualText(t *testing.T, key []byte, n uint64, plain []byte) []byte {
	t.Helper()
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	ctr := make([]byte, 16)
	for i := 0; i < 8; i++ {
		ctr[15-i] = byte(n >> (8 * i))
	}
	iv := make([]byte, 16)
	cipher.NewCBCEncrypter(b, make([]byte, 16)).CryptBlocks(iv, ctr) // CBC with IV 0 over the counter block = ECB
	p := append(append([]byte{}, plain...), 0x80)
	for len(p)%16 != 0 {
		p = append(p, 0)
	}
	ct := make([]byte, len(p))
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(ct, p)
	return ct
}

func TestTextKeyDelivery(t *testing.T) {
	priv := testRSAKey()
	seed := h("00112233445566778899AABBCCDDEEFF 0F1E2D3C4B5A69788796A5B4C3D2E1F0")
	term, cmd, err := NewTextSessionWithSeed(&priv.PublicKey, seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc := encode(t, cmd)
	if !strings.HasPrefix(enc, "80AE0000000100") || len(enc) != 2*(7+256) {
		t.Fatalf("SET SESSION KEY %s…, want 80AE0000 000100 + 256 bytes, no Le", enc[:14])
	}
	// OAEP profile: SHA-256 and MGF1-SHA-256, empty label (Go's DecryptOAEP uses the hash for MGF1 too).
	msg, err := rsa.DecryptOAEP(sha256.New(), nil, priv, cmd.Data, nil)
	if err != nil {
		t.Fatalf("not RSA-OAEP-SHA-256/MGF1-SHA-256: %v", err)
	}
	if got, want := X(msg), "A0228020"+X(seed); got != want {
		t.Errorf("key delivery %s, want %s", got, want)
	}
	if _, err := priv.Decrypt(nil, cmd.Data, &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA1}); err == nil {
		t.Errorf("decrypts with MGF1-SHA-1 as well")
	}
	card, err := AcceptSessionKey(priv, cmd.Data)
	if err != nil {
		t.Fatal(err)
	}
	// The session key is seed[0:16]: a terminal built on it talks to the card.
	other, _ := NewTextTerminal(seed[:16])
	w, err := term.WrapCommand(verifyPIN)
	if err != nil {
		t.Fatal(err)
	}
	if w2, _ := other.WrapCommand(verifyPIN); !bytes.Equal(w.Data, w2.Data) {
		t.Errorf("session key is not seed[0:16]")
	}
	if p, err := card.UnwrapCommand(w); err != nil || string(p.Data) != "1234" {
		t.Errorf("card unwrap: %v", err)
	}

	// A random seed works too.
	_, cmd, err = NewTextSession(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AcceptSessionKey(priv, cmd.Data); err != nil {
		t.Fatal(err)
	}
}

func TestAcceptSessionKeyErrors(t *testing.T) {
	priv := testRSAKey()
	seed := bytes.Repeat([]byte{0x5A}, 32)
	oaep := func(msg []byte, mgf crypto.Hash) []byte {
		ct, err := rsa.EncryptOAEPWithOptions(rand.Reader, &priv.PublicKey, msg, &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: mgf})
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	tlv := apdu.AppendTLV
	cases := []struct {
		name string
		data []byte
		sw   apdu.StatusWord
	}{
		{"255 bytes", make([]byte, 255), apdu.SWWrongData},
		{"257 bytes", make([]byte, 257), apdu.SWWrongData},
		{"not below the modulus", bytes.Repeat([]byte{0xFF}, 256), apdu.SWNoPreciseDiagnosis},
		{"not OAEP", append([]byte{0}, bytes.Repeat([]byte{0x42}, 255)...), apdu.SWWrongData},
		{"MGF1-SHA-1", oaep(tlv(nil, TagKeyDelivery, tlv(nil, TagEncKey, seed)), crypto.SHA1), apdu.SWWrongData},
		{"CCS key only", oaep(tlv(nil, TagKeyDelivery, tlv(nil, TagCCSKey, seed)), crypto.SHA256), apdu.SWWrongData},
		{"enc and CCS keys", oaep(tlv(nil, TagKeyDelivery, tlv(tlv(nil, TagEncKey, seed), TagCCSKey, seed)), crypto.SHA256), apdu.SWWrongData},
		{"16-byte seed", oaep(tlv(nil, TagKeyDelivery, tlv(nil, TagEncKey, seed[:16])), crypto.SHA256), apdu.SWWrongData},
		{"wrong template tag", oaep(tlv(nil, 0xA1, tlv(nil, TagEncKey, seed)), crypto.SHA256), apdu.SWWrongData},
		{"bytes after template", oaep(append(tlv(nil, TagKeyDelivery, tlv(nil, TagEncKey, seed)), 0), crypto.SHA256), apdu.SWWrongData},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			card, err := AcceptSessionKey(priv, tc.data)
			var kd *KeyDeliveryError
			if card != nil || !errors.As(err, &kd) || !errors.Is(err, ErrKeyDelivery) {
				t.Fatalf("got %v, %v; want a *KeyDeliveryError", card, err)
			}
			if kd.SW != tc.sw || StatusFor(err) != tc.sw {
				t.Errorf("status %04X / StatusFor %04X, want %04X", uint16(kd.SW), uint16(StatusFor(err)), uint16(tc.sw))
			}
		})
	}
	if _, err := AcceptSessionKey(nil, make([]byte, 256)); err == nil {
		t.Error("nil key accepted")
	}
	if _, _, err := NewTextSessionWithSeed(&priv.PublicKey, seed[:31], nil); err == nil {
		t.Error("31-byte seed accepted")
	}
	if _, _, err := NewTextSessionWithSeed(nil, seed, nil); err == nil {
		t.Error("nil public key accepted")
	}
}

// TestTextEncoding pins the wire format against an independent AES computation and CARD.md §8 rows 32–33.
func TestTextEncoding(t *testing.T) {
	term, _ := newTextPair(t)
	cases := []struct {
		name string
		cmd  apdu.Command
		n    uint64
		want func() string
	}{
		{"VERIFY check code A by SFI", myna.Verify(myna.TextCheckCodeARef, []byte("123456789018")), 1, func() string {
			return "08200094" + "13" + "861101" + X(manualText(t, textKey, 1, []byte("123456789018")))
		}},
		{"READ BINARY whole EF", readWhole, 2, func() string { return "08B00000" + "000005" + "9603000000" + "0000" }},
		{"READ BINARY Le 256", apdu.Command{INS: 0xB0, P1: 0x81, Ne: 256}, 3, func() string { return "08B08100" + "000005" + "9603000100" + "0000" }},
		{"SELECT EF", selectEF, 4, func() string { return "08A4020C" + "13" + "861101" + X(manualText(t, textKey, 4, h("0002"))) }},
		{"tries query: encryption of nothing", triesQuery, 5, func() string { return "08200080" + "13" + "861101" + X(manualText(t, textKey, 5, nil)) }},
		{"17 bytes: two blocks", myna.VerifySelected(bytes.Repeat([]byte{'1'}, 17)), 6, func() string {
			return "08200080" + "23" + "862101" + X(manualText(t, textKey, 6, bytes.Repeat([]byte{'1'}, 17)))
		}},
		{"16 bytes: a whole padding block", myna.VerifySelected(bytes.Repeat([]byte{'2'}, 16)), 7, func() string {
			return "08200080" + "23" + "862101" + X(manualText(t, textKey, 7, bytes.Repeat([]byte{'2'}, 16)))
		}},
	}
	for _, tc := range cases {
		if got := term.Counter(); got != tc.n {
			t.Fatalf("%s: counter %d, want %d", tc.name, got, tc.n)
		}
		w, err := term.WrapCommand(tc.cmd)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got, want := encode(t, w), tc.want(); got != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, want)
		}
	}
	// CARD.md §8 row 33, byte for byte.
	t2, _ := newTextPair(t)
	w, _ := t2.WrapCommand(apdu.Command{INS: 0xB0, Ne: 65536})
	if got := encode(t, w); got != "08B0000000000596030000000000" {
		t.Errorf("row 33: %s", got)
	}
}

// TestTextResponseCounter pins the documented choice: the response to command n uses the IV of n.
func TestTextResponseCounter(t *testing.T) {
	_, card := newTextPair(t)
	term, _ := newTextPair(t)
	for n := uint64(1); n <= 3; n++ {
		w, _ := term.WrapCommand(readWhole)
		if _, err := card.UnwrapCommand(w); err != nil {
			t.Fatal(err)
		}
		data := []byte("response data")
		r := card.WrapResponse(apdu.Response{Data: data, SW: apdu.SWSuccess})
		if got, want := X(r.Data), "861101"+X(manualText(t, textKey, n, data)); got != want {
			t.Errorf("n=%d: response %s, want %s", n, got, want)
		}
	}
}

func TestTextRoundTrips(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789ABCDEF"), 4096/16)
	cases := []struct {
		name string
		cmd  apdu.Command
		resp apdu.Response
	}{
		{"VERIFY PIN", verifyPIN, apdu.Response{SW: apdu.SWSuccess}},
		{"VERIFY check code B, wrong", verifyB, apdu.Response{SW: apdu.RetriesLeft(9)}},
		{"VERIFY blocked (6984, still counts)", verifyPIN, apdu.Response{SW: apdu.SWReferenceDataBlocked}},
		{"tries query, empty data", triesQuery, apdu.Response{SW: apdu.RetriesLeft(3)}},
		{"SELECT EF", selectEF, apdu.Response{SW: apdu.SWSuccess}},
		{"SELECT missing EF", apdu.Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: h("0099")}, apdu.Response{SW: apdu.SWFileNotFound}},
		{"READ BINARY Le 65536, 4096 bytes", readWhole, apdu.Response{Data: big, SW: apdu.SWSuccess}},
		{"READ BINARY Le 256, 256 bytes", apdu.Command{INS: 0xB0, Ne: 256}, apdu.Response{Data: big[:256], SW: apdu.SWSuccess}},
		{"READ BINARY Le 0x0C, 12 bytes", apdu.Command{INS: 0xB0, P1: 0x81, P2: 0x03, Ne: 12}, apdu.Response{Data: []byte("123456789018"), SW: apdu.SWSuccess}},
		{"READ BINARY, data with a warning", apdu.Command{INS: 0xB0, Ne: 300, Extended: true}, apdu.Response{Data: big[:16], SW: apdu.SWEndOfFile}},
		{"READ BINARY, offset beyond EF", apdu.Command{INS: 0xB0, P1: 0x7F, Ne: 256}, apdu.Response{SW: apdu.SWWrongP1P2}},
		{"extended Lc: 300 data bytes", apdu.Command{INS: 0xDA, Data: big[:300]}, apdu.Response{SW: apdu.SWSuccess}},
	}
	term, card := newTextPair(t)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := term.WrapCommand(tc.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if w.CLA != 0x08 {
				t.Errorf("CLA %02X, want 08", w.CLA)
			}
			raw, err := w.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			onWire, err := apdu.ParseCommand(raw)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := card.UnwrapCommand(onWire)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.cmd
			want.Extended = tc.cmd.Extended || tc.cmd.IsExtended() || tc.cmd.Ne > 0 // DO'96' always carries an extended Le
			if d := cmp.Diff(want, plain, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("card saw (-want +got):\n%s", d)
			}
			wr := card.WrapResponse(tc.resp)
			if len(tc.resp.Data) == 0 && len(wr.Data) != 0 {
				t.Errorf("response without data gained %d bytes", len(wr.Data))
			}
			if len(tc.resp.Data) > 0 && (wr.Data[0] != 0x86 || bytes.Contains(wr.Data, tc.resp.Data)) {
				t.Errorf("response data not in DO'86' or not encrypted")
			}
			got, err := term.UnwrapResponse(mustResponse(t, X(wr.Bytes())))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.resp, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("terminal got (-want +got):\n%s", d)
			}
			if n := uint64(i + 2); term.Counter() != n || card.Counter() != n {
				t.Errorf("counters terminal %d card %d, want %d", term.Counter(), card.Counter(), n)
			}
		})
	}
}

// exchange sends one SM command through card and back; it returns the card's status word.
func exchange(t *testing.T, term *TextTerminal, card *TextCard, cmd apdu.Command) (apdu.StatusWord, error, error) {
	t.Helper()
	w, err := term.WrapCommand(cmd)
	if err != nil {
		return 0, err, nil
	}
	var r apdu.Response
	plain, cerr := card.UnwrapCommand(w)
	if cerr != nil {
		r = apdu.Response{SW: StatusFor(cerr)}
	} else {
		r = card.WrapResponse(apdu.Response{Data: plain.Data, SW: apdu.SWSuccess}) // echo
	}
	_, terr := term.UnwrapResponse(r)
	return r.SW, cerr, terr
}

func TestTextWrongCounter(t *testing.T) {
	cases := []struct {
		name      string
		before    int // good exchanges first
		shift     int64
		wantGot   uint64
		wantWant  uint64
		replayErr string
	}{
		{"skipped", 0, +1, 2, 1, "skipped"},
		{"skipped by 3 after two", 2, +3, 6, 3, "skipped"},
		{"replayed", 1, -1, 1, 2, "replayed"},
		{"replayed twice back", 3, -2, 2, 4, "replayed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			term, card := newTextPair(t)
			for range tc.before {
				if sw, cerr, terr := exchange(t, term, card, verifyPIN); sw != apdu.SWSuccess || cerr != nil || terr != nil {
					t.Fatalf("good exchange: %04X %v %v", uint16(sw), cerr, terr)
				}
			}
			term.ShiftCounter(tc.shift)
			sw, cerr, terr := exchange(t, term, card, verifyPIN)
			var ce *CounterError
			if !errors.As(cerr, &ce) || !errors.Is(cerr, ErrCounter) || !errors.Is(cerr, ErrBadPadding) {
				t.Fatalf("card error %v, want a *CounterError wrapping ErrBadPadding", cerr)
			}
			if d := cmp.Diff(CounterError{Want: tc.wantWant, Got: tc.wantGot, Found: true}, *ce, cmpopts.IgnoreFields(CounterError{}, "Err")); d != "" {
				t.Errorf("counter error (-want +got):\n%s", d)
			}
			if !strings.Contains(cerr.Error(), tc.replayErr) {
				t.Errorf("error %q does not say %q", cerr, tc.replayErr)
			}
			if sw != apdu.SWSMObjectsIncorrect || !card.Closed() {
				t.Errorf("card answered %04X closed=%v, want 6988 and a dead session", uint16(sw), card.Closed())
			}
			var rej *CardRejectedError
			var rsw apdu.StatusWord
			if !errors.As(terr, &rej) || !errors.Is(terr, ErrSessionClosed) || !errors.As(terr, &rsw) || rsw != apdu.SWSMObjectsIncorrect {
				t.Errorf("terminal error %v, want *CardRejectedError 6988", terr)
			}
			if !term.Closed() {
				t.Error("terminal session still open")
			}
			if _, err := term.WrapCommand(verifyPIN); !errors.Is(err, ErrSessionClosed) {
				t.Errorf("terminal wraps after the card killed the session: %v", err)
			}
			// Every later command answers 69FC, whatever it is.
			fresh, _ := NewTextTerminal(textKey)
			fresh.ShiftCounter(int64(card.Counter()) - 1)
			for _, cmd := range []apdu.Command{verifyPIN, readWhole, selectEF} {
				w, _ := fresh.WrapCommand(cmd)
				_, err := card.UnwrapCommand(w)
				if !errors.Is(err, ErrSessionClosed) || StatusFor(err) != apdu.SWSMSessionClosed {
					t.Errorf("after death: %v (%04X), want ErrSessionClosed 69FC", err, uint16(StatusFor(err)))
				}
			}
			if r := card.WrapResponse(apdu.Response{Data: []byte("x"), SW: apdu.SWSuccess}); r.SW != apdu.SWSMSessionClosed || len(r.Data) != 0 {
				t.Errorf("dead card wraps %v", r)
			}
		})
	}
}

// TestTextWrongCounterReadBinary: READ BINARY carries no cryptogram, so the
// card cannot notice; the terminal does, when the response fails to decrypt.
func TestTextWrongCounterReadBinary(t *testing.T) {
	term, card := newTextPair(t)
	term.ShiftCounter(+1)
	w, _ := term.WrapCommand(readWhole)
	plain, err := card.UnwrapCommand(w)
	if err != nil {
		t.Fatalf("card noticed: %v", err)
	}
	r := card.WrapResponse(apdu.Response{Data: []byte("My Number 12"), SW: apdu.SWSuccess})
	_, err = term.UnwrapResponse(r)
	var ce *CounterError
	if !errors.As(err, &ce) || !ce.Found || ce.Want != 2 || ce.Got != 1 {
		t.Fatalf("terminal: %v, want a *CounterError want 2 got 1", err)
	}
	_ = plain
}

// TestTextWrongCounterLongCryptogram documents a limit of the scheme: a wrong
// IV garbles only the first CBC block, so a cryptogram of two blocks or more
// still decrypts to valid padding and the card cannot tell.
func TestTextWrongCounterLongCryptogram(t *testing.T) {
	term, card := newTextPair(t)
	term.ShiftCounter(+1)
	data := bytes.Repeat([]byte{'7'}, 20)
	w, _ := term.WrapCommand(myna.VerifySelected(data))
	plain, err := card.UnwrapCommand(w)
	if err != nil {
		t.Fatalf("unexpectedly detected: %v", err)
	}
	if bytes.Equal(plain.Data[:16], data[:16]) || !bytes.Equal(plain.Data[16:], data[16:]) {
		t.Errorf("want first block garbled and the rest intact")
	}
}

func TestTextCardRefusals(t *testing.T) {
	seal := func(n uint64, plain []byte) []byte { c, _ := newTextCipher(textKey); return c.seal(n, plain) }
	do86 := func(ind byte, ct []byte) []byte {
		return Objects{CryptoTag: DO86, Indicator: ind, Cryptogram: ct}.Append(nil)
	}
	good86 := do86(1, seal(1, []byte("1234")))
	cases := []struct {
		name    string
		cmd     apdu.Command
		sw      apdu.StatusWord
		tag     apdu.Tag // the DO a *MissingDOError or *DOError names
		closed  bool
		counted bool
	}{
		{"CLA 0C: no MAC in this scheme", apdu.Command{CLA: 0x0C, INS: 0x20, P2: 0x80, Data: good86}, apdu.SWSMObjectsMissing, DO8E, false, false},
		{"VERIFY without data", apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80}, apdu.SWSMObjectsMissing, DO86, false, false},
		{"READ BINARY without data", apdu.Command{CLA: 0x08, INS: 0xB0, Ne: 256}, apdu.SWSMObjectsMissing, DO96, false, false},
		{"plain CLA", apdu.Command{CLA: 0x00, INS: 0x20, P2: 0x80, Data: good86}, apdu.SWSMObjectsIncorrect, 0, true, false},
		{"CLA 04", apdu.Command{CLA: 0x04, INS: 0x20, P2: 0x80, Data: good86}, apdu.SWSMObjectsIncorrect, 0, true, false},
		{"DO'86' on READ BINARY", apdu.Command{CLA: 0x08, INS: 0xB0, Data: good86, Ne: 65536}, apdu.SWSMObjectsIncorrect, DO86, true, false},
		{"DO'96' on VERIFY", apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80, Data: h("9603000000")}, apdu.SWSMObjectsIncorrect, DO96, true, false},
		{"DO'87' on VERIFY", apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80, Data: append([]byte{0x87}, good86[1:]...)}, apdu.SWSMObjectsIncorrect, DO87, true, false},
		{"second DO'86'", apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80, Data: append(append([]byte{}, good86...), good86...)}, apdu.SWSMObjectsIncorrect, DO86, true, false},
		{"DO'86' and DO'8E'", apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80, Data: append(append([]byte{}, good86...), h("8E080102030405060708")...)}, apdu.SWSMObjectsIncorrect, 0, true, false},
		{"indicator 02", apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80, Data: do86(2, seal(1, []byte("1234")))}, apdu.SWSMObjectsIncorrect, DO86, true, false},
		{"cryptogram of 15 bytes", apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80, Data: do86(1, make([]byte, 15))}, apdu.SWSMObjectsIncorrect, DO86, true, false},
		{"unknown tag", apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80, Data: h("5301AA")}, apdu.SWSMObjectsIncorrect, 0x53, true, false},
		{"truncated TLV", apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80, Data: h("8611")}, apdu.SWSMObjectsIncorrect, 0, true, false},
		{"Le of 4 bytes", apdu.Command{CLA: 0x08, INS: 0xB0, Data: h("960400000000")}, apdu.SWSMObjectsIncorrect, DO96, true, false},
		{"long-form length accepted", apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80, Data: append([]byte{0x86, 0x81}, good86[1:]...)}, apdu.SWSuccess, 0, false, true},
		{"96 02 form accepted", apdu.Command{CLA: 0x08, INS: 0xB0, Data: h("96020000")}, apdu.SWSuccess, 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, card := newTextPair(t)
			_, err := card.UnwrapCommand(tc.cmd)
			if got := StatusFor(err); got != tc.sw {
				t.Errorf("status %04X (%v), want %04X", uint16(got), err, uint16(tc.sw))
			}
			if card.Closed() != tc.closed {
				t.Errorf("closed %v, want %v", card.Closed(), tc.closed)
			}
			if counted := card.Counter() == 2; counted != tc.counted {
				t.Errorf("counter %d", card.Counter())
			}
			var md *MissingDOError
			var de *DOError
			switch {
			case errors.As(err, &md):
				if md.Tag != tc.tag {
					t.Errorf("missing %s, want %s", md.Tag, tc.tag)
				}
			case errors.As(err, &de):
				if de.Tag != tc.tag {
					t.Errorf("DO error names %s, want %s", de.Tag, tc.tag)
				}
			}
			if !tc.closed && err != nil {
				// the session survives: the next good command works.
				if _, err := card.UnwrapCommand(apdu.Command{CLA: 0x08, INS: 0x20, P2: 0x80, Data: good86}); err != nil {
					t.Errorf("after a 6987: %v", err)
				}
			}
		})
	}
}

func TestTextTerminalRefusals(t *testing.T) {
	term, _ := newTextPair(t)
	for _, cmd := range []apdu.Command{
		{INS: 0x2A, Data: []byte{1}, Ne: 256},        // case 4: data and Le
		{CLA: 0x08, INS: 0x20, Data: []byte("1234")}, // already SM
		{CLA: 0x0C, INS: 0xB0, Ne: 1},
		{INS: 0xB0, Ne: 65537},
	} {
		if _, err := term.WrapCommand(cmd); err == nil {
			t.Errorf("wrapped %+v", cmd)
		}
	}
	if term.Counter() != 1 || term.Closed() {
		t.Errorf("refused commands changed the session: n=%d closed=%v", term.Counter(), term.Closed())
	}

	// Responses the terminal refuses; each closes the session.
	seal := func(n uint64, plain []byte) []byte { c, _ := newTextCipher(textKey); return c.seal(n, plain) }
	cases := []struct {
		name string
		resp apdu.Response
		is   error
	}{
		{"DO'87' instead of DO'86'", apdu.Response{Data: Objects{CryptoTag: DO87, Indicator: 1, Cryptogram: seal(1, []byte("x"))}.Append(nil), SW: 0x9000}, ErrMissingDO},
		{"DO'86' and DO'99'", apdu.Response{Data: Objects{CryptoTag: DO86, Indicator: 1, Cryptogram: seal(1, []byte("x")), HasStatus: true, Status: 0x9000}.Append(nil), SW: 0x9000}, ErrBadDO},
		{"indicator 00", apdu.Response{Data: Objects{CryptoTag: DO86, Indicator: 0, Cryptogram: seal(1, []byte("x"))}.Append(nil), SW: 0x9000}, ErrBadDO},
		{"under counter 5", apdu.Response{Data: Objects{CryptoTag: DO86, Indicator: 1, Cryptogram: seal(5, []byte("x"))}.Append(nil), SW: 0x9000}, ErrCounter},
		{"garbage", apdu.Response{Data: h("0102"), SW: 0x9000}, ErrBadDO},
		{"card says 6987", apdu.Response{SW: apdu.SWSMObjectsMissing}, ErrSessionClosed},
		{"card says 69FC", apdu.Response{SW: apdu.SWSMSessionClosed}, ErrSessionClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			term, _ := newTextPair(t)
			if _, err := term.WrapCommand(readWhole); err != nil {
				t.Fatal(err)
			}
			r, err := term.UnwrapResponse(tc.resp)
			if !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
			if len(r.Data) != 0 || r.SW != tc.resp.SW {
				t.Errorf("failed unwrap returned %v", r)
			}
			if !term.Closed() {
				t.Error("session still open")
			}
			if _, err := term.UnwrapResponse(apdu.Response{SW: 0x9000}); !errors.Is(err, ErrSessionClosed) {
				t.Errorf("closed terminal: %v", err)
			}
		})
	}
}

func TestTextConstructorErrors(t *testing.T) {
	for _, n := range []int{0, 15, 17, 24, 32} {
		if _, err := NewTextTerminal(make([]byte, n)); err == nil {
			t.Errorf("terminal with a %d-byte key", n)
		}
		if _, err := NewTextCard(make([]byte, n)); err == nil {
			t.Errorf("card with a %d-byte key", n)
		}
	}
	if _, err := BuildKeyDelivery(make([]byte, 16)); err == nil {
		t.Error("16-byte seed")
	}
}

// TestTextNoticeable checks Noticeable against what the card really does with
// a replayed one-block command, over many session keys: it must agree every
// time, including the roughly one key in 256 where the stale cryptogram still
// decrypts to valid padding and the card cannot tell.
func TestTextNoticeable(t *testing.T) {
	rng := mrand.NewChaCha8([32]byte{'t', 'a', 'i', 'm', 'e', 'n'})
	unnoticed := 0
	for i := 0; i < 20000 && (i < 2000 || unnoticed == 0); i++ {
		key := make([]byte, TextKeyLen)
		_, _ = rng.Read(key)
		term, _ := NewTextTerminal(key)
		card, _ := NewTextCard(key)
		w, err := term.WrapCommand(selectEF)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := card.UnwrapCommand(w); err != nil {
			t.Fatalf("key %X: first send refused: %v", key, err)
		}
		want := term.Noticeable(w, card.Counter())
		_, err = card.UnwrapCommand(w) // the replay
		if got := err != nil; got != want {
			t.Fatalf("key %X: Noticeable = %v, but the card noticed = %v (%v)", key, want, got, err)
		}
		if !want {
			unnoticed++
		}
	}
	if unnoticed == 0 {
		t.Error("no key found where a replay goes unnoticed: Noticeable cannot be told from a constant")
	}
	term, _ := NewTextTerminal(textKey)
	if w, _ := term.WrapCommand(readWhole); term.Noticeable(w, 5) {
		t.Error("READ BINARY carries no cryptogram, yet Noticeable says the card would notice")
	}
}
