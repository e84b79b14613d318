package sm

import (
	"crypto/sha1"
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/taimen-dev/taimen/apdu"
)

// TestAppendixDKeys checks D.1–D.2: MRZ information, K_seed and the document keys.
func TestAppendixDKeys(t *testing.T) {
	v := loadAppendixD(t)
	info, err := MRZInformation(v.MRZ.DocumentNumber, v.MRZ.BirthDate, v.MRZ.ExpiryDate)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(info))
	seed := BACKeySeed(info)
	d1 := sha1.Sum(append(append([]byte{}, seed...), 0, 0, 0, 1))
	d2 := sha1.Sum(append(append([]byte{}, seed...), 0, 0, 0, 2))
	keys, err := BACKeys(v.MRZ.DocumentNumber, v.MRZ.BirthDate, v.MRZ.ExpiryDate)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{
		"mrzInformation": info,
		"sha1":           X(sum[:]),
		"keySeed":        X(seed),
		"sha1Enc":        X(d1[:]),
		"encNoParity":    X(d1[:16]),
		"enc":            X(keys.Enc),
		"sha1Mac":        X(d2[:]),
		"macNoParity":    X(d2[:16]),
		"mac":            X(keys.MAC),
		"enc (KDF)":      X(KDF(seed, KDFEnc)),
		"enc (parity)":   X(AdjustParity(append([]byte{}, d1[:16]...))),
	}
	want := map[string]string{
		"mrzInformation": v.MRZ.MRZInformation,
		"sha1":           v.MRZ.SHA1,
		"keySeed":        v.MRZ.KeySeed,
		"sha1Enc":        v.DocumentKeys.SHA1Enc,
		"encNoParity":    v.DocumentKeys.EncNoParity,
		"enc":            v.DocumentKeys.Enc,
		"sha1Mac":        v.DocumentKeys.SHA1Mac,
		"macNoParity":    v.DocumentKeys.MacNoParity,
		"mac":            v.DocumentKeys.Mac,
		"enc (KDF)":      v.DocumentKeys.Enc,
		"enc (parity)":   v.DocumentKeys.Enc,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Appendix D.1/D.2 (-spec +got):\n%s", d)
	}
	// The document number without its filler gives the same MRZ information.
	if info2, _ := MRZInformation("L898902C", v.MRZ.BirthDate, v.MRZ.ExpiryDate); info2 != info {
		t.Errorf("unpadded document number: %q, want %q", info2, info)
	}
}

// TestAppendixDMutualAuthentication checks D.3 on both sides.
func TestAppendixDMutualAuthentication(t *testing.T) {
	v := loadAppendixD(t)
	b := v.BAC
	docKeys := Keys{Enc: h(v.DocumentKeys.Enc), MAC: h(v.DocumentKeys.Mac)}

	if got := encode(t, apdu.Command{INS: INSGetChallenge, Ne: BACNonceLen}); got != b.GetChallengeCommand {
		t.Errorf("GET CHALLENGE %s, want %s", got, b.GetChallengeCommand)
	}
	rndIC := mustResponse(t, b.GetChallengeResponse).Data

	term, cmd, err := NewBACTerminal(docKeys, rndIC, h(b.RndIFD), h(b.KIFD))
	if err != nil {
		t.Fatal(err)
	}
	if got := encode(t, cmd); got != b.MutualAuthenticateCommand {
		t.Errorf("MUTUAL AUTHENTICATE\n got %s\nwant %s", got, b.MutualAuthenticateCommand)
	}
	if got := X(cmd.Data[:32]) + "|" + X(cmd.Data[32:]); got != b.EIFD+"|"+b.MIFD {
		t.Errorf("E.IFD|M.IFD %s", got)
	}

	// Card side: parse the spec's command bytes, answer with the spec's K.IC.
	resp, card, err := BACCardAuthenticate(docKeys, h(b.RndIC), h(b.KIC), mustCommand(t, b.MutualAuthenticateCommand))
	if err != nil {
		t.Fatal(err)
	}
	if got := X(resp.Bytes()); got != b.MutualAuthenticateResponse {
		t.Errorf("card answer\n got %s\nwant %s", got, b.MutualAuthenticateResponse)
	}
	if got := X(resp.Data[:32]) + "|" + X(resp.Data[32:]); got != b.EIC+"|"+b.MIC {
		t.Errorf("E.IC|M.IC %s", got)
	}
	enc, _ := newDESKey(docKeys.Enc)
	if got := X(enc.cbc(h(b.S), true)); got != b.EIFD {
		t.Errorf("3DES(S) = %s, want E.IFD", got)
	}
	if got := X(enc.cbc(h(b.EIC), false)); got != b.R {
		t.Errorf("3DES⁻¹(E.IC) = %s, want R %s", got, b.R)
	}

	sess, err := term.Finish(mustResponse(t, b.MutualAuthenticateResponse))
	if err != nil {
		t.Fatal(err)
	}
	seed := make([]byte, 16)
	for i := range seed {
		seed[i] = h(b.KIFD)[i] ^ h(b.KIC)[i]
	}
	ks := DeriveKeys(seed)
	got := []string{X(seed), X(ks.Enc), X(ks.MAC), X(sess.SSC()), X(card.SSC())}
	want := []string{b.SessionKeySeed, b.KSEnc, b.KSMac, b.SSC, b.SSC}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("session (-spec +got):\n%s", d)
	}
	// Both sides now protect the first D.4 command identically.
	step := v.SecureMessaging[0]
	pc, err := sess.WrapCommand(mustCommand(t, step.PlainCommand))
	if err != nil {
		t.Fatal(err)
	}
	if got := encode(t, pc); got != step.ProtectedCommand {
		t.Errorf("terminal from BAC: %s, want %s", got, step.ProtectedCommand)
	}
	if _, err := card.UnwrapCommand(pc); err != nil {
		t.Errorf("card from BAC: %v", err)
	}
}

// TestAppendixDSecureMessaging checks D.4 on both sides, every intermediate value included.
func TestAppendixDSecureMessaging(t *testing.T) {
	v := loadAppendixD(t)
	ks := Keys{Enc: h(v.BAC.KSEnc), MAC: h(v.BAC.KSMac)}
	term, err := NewICAOTerminal(ks, h(v.BAC.SSC))
	if err != nil {
		t.Fatal(err)
	}
	card, err := NewICAOCard(ks, h(v.BAC.SSC))
	if err != nil {
		t.Fatal(err)
	}
	var efCOM []byte
	for _, s := range v.SecureMessaging {
		t.Run(s.Name, func(t *testing.T) {
			plain := mustCommand(t, s.PlainCommand)

			// Terminal: wrap.
			pc, err := term.WrapCommand(plain)
			if err != nil {
				t.Fatal(err)
			}
			if got := X(term.SSC()); got != s.CommandSSC {
				t.Errorf("terminal SSC %s, want %s", got, s.CommandSSC)
			}
			if got := encode(t, pc); got != s.ProtectedCommand {
				t.Errorf("protected command\n got %s\nwant %s", got, s.ProtectedCommand)
			}

			// Intermediate values: DOs, M, N, CC.
			o, err := ParseObjects(mustCommand(t, s.ProtectedCommand).Data)
			if err != nil {
				t.Fatal(err)
			}
			do := s.DO87 + s.DO97
			if got := X(o.AppendCovered(nil)); got != do {
				t.Errorf("DOs %s, want %s", got, do)
			}
			m := append(header(plain.CLA|0x0C, plain.INS, plain.P1, plain.P2), o.AppendCovered(nil)...)
			if X(m) != s.M {
				t.Errorf("M %s, want %s", X(m), s.M)
			}
			ssc := h(s.CommandSSC)
			if s.N != "" {
				if got := X(Pad(append(append([]byte{}, ssc...), m...), 8)); got != s.N {
					t.Errorf("N %s, want %s", got, s.N)
				}
			}
			if mac, _ := RetailMAC(ks.MAC, append(append([]byte{}, ssc...), m...)); X(mac) != s.CommandMAC {
				t.Errorf("CC %s, want %s", X(mac), s.CommandMAC)
			}

			// Card: unwrap the spec's bytes, then wrap the plain answer.
			gotPlain, err := card.UnwrapCommand(mustCommand(t, s.ProtectedCommand))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(plain, gotPlain); d != "" {
				t.Errorf("card's plain command (-want +got):\n%s", d)
			}
			pr := mustResponse(t, s.PlainResponse)
			wr := card.WrapResponse(pr)
			if got := X(card.SSC()); got != s.ResponseSSC {
				t.Errorf("card SSC %s, want %s", got, s.ResponseSSC)
			}
			if got := X(wr.Bytes()); got != s.ProtectedResponse {
				t.Errorf("protected response\n got %s\nwant %s", got, s.ProtectedResponse)
			}
			ro, err := ParseObjects(mustResponse(t, s.ProtectedResponse).Data)
			if err != nil {
				t.Fatal(err)
			}
			if X(ro.MAC) != s.ResponseMAC {
				t.Errorf("CC' %s, want %s", X(ro.MAC), s.ResponseMAC)
			}
			if s.K != "" {
				k := Pad(append(h(s.ResponseSSC), ro.Covered...), 8)
				if X(k) != s.K {
					t.Errorf("K %s, want %s", X(k), s.K)
				}
			}

			// Terminal: unwrap the spec's bytes.
			got, err := term.UnwrapResponse(mustResponse(t, s.ProtectedResponse))
			if err != nil {
				t.Fatal(err)
			}
			if got := X(term.SSC()); got != s.ResponseSSC {
				t.Errorf("terminal SSC %s, want %s", got, s.ResponseSSC)
			}
			if d := cmp.Diff(pr, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("plain response (-want +got):\n%s", d)
			}
			if plain.INS == 0xB0 {
				efCOM = append(efCOM, got.Data...)
			}
		})
	}
	if X(efCOM) != v.EFCOM {
		t.Errorf("EF.COM %s, want %s", X(efCOM), v.EFCOM)
	}
	if binary.BigEndian.Uint64(term.SSC()) != binary.BigEndian.Uint64(card.SSC()) {
		t.Errorf("SSCs differ at the end")
	}
}
