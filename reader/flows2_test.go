package reader

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/layout"
)

func TestReadTextAccessRules(t *testing.T) {
	f := newEmu(t, "p02-long-address")
	want4 := &layout.BasicFour{Name: f.p.Person.Name, Address: f.p.Person.Address, BirthDate: f.p.Person.BirthDateDigits(), Sex: f.p.Person.Sex.Digit()}
	tests := []struct {
		name       string
		code       myna.Secret
		number     bool
		four       bool
		digestsLen int
	}{
		{"PIN opens both", f.p.TextPIN(), true, true, 2},
		{"check code A opens the number", f.p.CheckCodeA(), true, false, 1},
		{"check code B opens the four facts", f.p.CheckCodeB(), false, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			txt, err := ReadText(context.Background(), NewSession(newEmu(t, "p02-long-address").t, DefaultGuard), tc.code, ReadOptions{Anchors: f.anchors})
			if err != nil {
				t.Fatal(err)
			}
			if err := txt.Authenticity.Err(); err != nil {
				t.Fatal(err)
			}
			if txt.HaveNumber != tc.number || txt.HaveFour != tc.four || len(txt.Digests) != tc.digestsLen {
				t.Fatalf("number %v four %v digests %v", txt.HaveNumber, txt.HaveFour, txt.Digests)
			}
			if tc.number && txt.Number != f.p.CheckCodeA().Reveal() {
				t.Error("individual number differs from the profile")
			}
			if tc.four {
				if diff := cmp.Diff(want4, txt.Four); diff != "" {
					t.Errorf("basic four differ from the profile (-want +got):\n%s", diff)
				}
			}
		})
	}
	if _, err := ReadText(context.Background(), NewSession(f.t, DefaultGuard), f.p.AuthPIN(), ReadOptions{}); err == nil {
		t.Error("the JPKI PIN was accepted for the text application")
	}
}

func TestReadJPKI(t *testing.T) {
	f := newEmu(t, "p01-showa")
	s := NewSession(f.t, DefaultGuard)
	j, err := ReadJPKI(context.Background(), s, JPKIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if j.Token != "JPKIAPICCTOKEN2" || j.SignCert != nil || !j.ChainOK {
		t.Fatalf("token %q, sign cert %v, chain %v", j.Token, j.SignCert != nil, j.ChainOK)
	}
	j, err = ReadJPKI(context.Background(), s, JPKIOptions{AuthPIN: f.p.AuthPIN(), SignPassword: f.p.SignPassword()})
	if err != nil {
		t.Fatal(err)
	}
	if j.SignCert == nil || len(j.Signed) != 2 || !j.Signed[0].Verified || !j.Signed[1].Verified || !j.ChainOK {
		t.Fatalf("signatures %+v, chain %v", j.Signed, j.ChainOK)
	}
}

func TestStatusSpendsNothing(t *testing.T) {
	f := newEmu(t, "p01-showa")
	before := f.card.Tries()
	st, err := Status(context.Background(), NewSession(f.t, DefaultGuard))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, f.card.Tries()); diff != "" {
		t.Fatalf("status changed counters:\n%s", diff)
	}
	got := map[string]int{}
	for _, k := range st {
		got[k.App+"/"+k.Key] = k.Tries
	}
	if diff := cmp.Diff(before, got); diff != "" {
		t.Fatalf("status differs from the card's counters (-card +status):\n%s", diff)
	}
}

// pulled wraps a transport and removes the card after n commands.
type pulled struct {
	Transport
	n int
}

func (p *pulled) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if p.n == 0 {
		return nil, ErrCardRemoved
	}
	p.n--
	return p.Transport.Transmit(ctx, cmd)
}

func TestCardPulledMidRead(t *testing.T) {
	whole := newEmu(t, "p01-showa")
	face, err := ReadFace(context.Background(), NewSession(whole.t, DefaultGuard), whole.p.CheckCodeB(), ReadOptions{Anchors: whole.anchors})
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < face.APDUs; n++ {
		f := newEmu(t, "p01-showa")
		_, err := ReadFace(context.Background(), NewSession(&pulled{f.t, n}, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
		if !errors.Is(err, ErrCardRemoved) {
			t.Fatalf("pulled after %d commands: err = %v, want ErrCardRemoved", n, err)
		}
	}
}

// script is a card that answers from a function: for malicious-card tests.
type scriptCard struct {
	Transport
	answer func(cmd apdu.Command) []byte
}

func (s *scriptCard) Transmit(_ context.Context, raw []byte) ([]byte, error) {
	c, err := apdu.ParseCommand(raw)
	if err != nil {
		return nil, err
	}
	return s.answer(c), nil
}

func TestMaliciousCard(t *testing.T) {
	f := newEmu(t, "p01-showa")
	tests := []struct {
		name   string
		answer func(apdu.Command) []byte
		want   error
	}{
		{"endless 61xx", func(apdu.Command) []byte { return []byte{0xAA, 0x61, 0x00} }, ErrCard},
		{"huge extended answer", func(c apdu.Command) []byte {
			if c.INS == 0xB0 {
				return append(make([]byte, MaxEFSize+10), 0x90, 0x00)
			}
			if c.INS == 0x20 && len(c.Data) == 0 {
				return []byte{0x63, 0xC5}
			}
			return []byte{0x90, 0x00}
		}, ErrCard},
		{"endless full chunks", func(c apdu.Command) []byte {
			switch {
			case c.INS == 0xB0 && c.Extended:
				return []byte{0x67, 0x00}
			case c.INS == 0xB0:
				return append(make([]byte, c.Ne), 0x90, 0x00)
			case c.INS == 0x20 && len(c.Data) == 0:
				return []byte{0x63, 0xC5}
			}
			return []byte{0x90, 0x00}
		}, ErrCard},
		{"one-byte answer", func(apdu.Command) []byte { return []byte{0x90} }, ErrCard},
		{"garbage card face", func(c apdu.Command) []byte {
			switch {
			case c.INS == 0xB0:
				return []byte{0xFF, 0x20, 0x82, 0xFF, 0xFF, 0x90, 0x00}
			case c.INS == 0x20 && len(c.Data) == 0:
				return []byte{0x63, 0xC5}
			}
			return []byte{0x90, 0x00}
		}, ErrCard},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSession(&scriptCard{f.t, tc.answer}, DefaultGuard)
			_, err := ReadFace(context.Background(), s, f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if s.Rounds > 400 {
				t.Errorf("%d round trips", s.Rounds)
			}
		})
	}
}

// FuzzReadFaceResponses feeds the face-to-face flow arbitrary card answers:
// the reader never panics, never loops without bound, and never reports
// an authentic card.
func FuzzReadFaceResponses(f *testing.F) {
	f.Add([]byte{0x90, 0x00}, []byte{0x63, 0xC3}, []byte{0xFF, 0x20, 0x03, 0xDF, 0x21, 0x00, 0x90, 0x00})
	f.Add([]byte{0x61, 0x10}, []byte{0x6C, 0x05}, []byte{0x67, 0x00})
	fx := newEmu(f, "p01-showa")
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		answers := [][]byte{a, b, c}
		i := 0
		s := NewSession(&scriptCard{fx.t, func(apdu.Command) []byte {
			r := answers[i%3]
			i++
			return r
		}}, DefaultGuard)
		face, err := ReadFace(context.Background(), s, fx.p.CheckCodeB(), ReadOptions{Anchors: fx.anchors})
		if err == nil && face.Authenticity.Authentic() {
			t.Fatal("random answers passed as an authentic card")
		}
		if s.Rounds > 2000 {
			t.Fatalf("%d round trips", s.Rounds)
		}
	})
}
