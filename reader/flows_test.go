package reader

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/cvc"
)

var profileIDs = []string{"p01-showa", "p02-long-address", "p03-foreign-resident", "p04-reiwa-boundary", "p05-near-expiry", "p06-taisho-contactless"}

// emuFixture is an in-process emulated card with its profile and test anchors.
type emuFixture struct {
	p       *myna.Profile
	card    *emulator.Card
	t       Transport
	anchors *cvc.AnchorSet
}

func newEmu(t testing.TB, id string) emuFixture {
	t.Helper()
	p, err := myna.LoadProfile(filepath.Join("..", "vectors", "profiles", id, "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := emulator.New(p, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	anchors, err := emulator.TestAnchors(p)
	if err != nil {
		t.Fatal(err)
	}
	return emuFixture{p: p, card: c, t: NewEmulated(c), anchors: anchors}
}

func TestReadFaceEveryProfile(t *testing.T) {
	for _, id := range profileIDs {
		t.Run(id, func(t *testing.T) {
			f := newEmu(t, id)
			s := NewSession(f.t, DefaultGuard)
			face, err := ReadFace(context.Background(), s, f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
			if err != nil {
				t.Fatal(err)
			}
			if err := face.Authenticity.Err(); err != nil {
				t.Fatalf("emulated card not authentic under its test CA: %v", err)
			}
			if face.Authenticity.Production {
				t.Fatal("an emulated card validated under a production anchor")
			}
			if face.Signed.BirthDate != f.p.Person.BirthDateDigits() || face.Signed.Sex != f.p.Person.Sex ||
				!bytes.Equal(face.Signed.PhotoJP2, f.p.Images.Face) || !bytes.Equal(face.Signed.NamePNG, f.p.Images.Name) {
				t.Error("signed fields differ from the profile")
			}
			if face.Unsigned.Expiry != f.p.Card.ExpiryDigits() || !bytes.Equal(face.Unsigned.SecurityCodePNG, f.p.Images.SecurityCode) {
				t.Error("unsigned fields differ from the profile")
			}
			for _, c := range face.Signed.Coverage {
				if c[:4] == "DF29" || c[:4] == "DF2A" {
					t.Errorf("coverage claims %s", c)
				}
			}
			if face.TriesBefore != f.p.RetryLimits.CheckCodeB || face.NumberPNG != nil {
				t.Errorf("tries before %d, number image %d bytes", face.TriesBefore, len(face.NumberPNG))
			}
		})
	}
}

func TestReadFaceProductionAnchorsRejectEmulatedCard(t *testing.T) {
	f := newEmu(t, "p01-showa")
	face, err := ReadFace(context.Background(), NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: cvc.ProductionSet()})
	if err != nil {
		t.Fatal(err)
	}
	if face.Authenticity.Anchor.OK || face.Authenticity.Production || !errors.Is(face.Authenticity.Err(), ErrNotAuthentic) {
		t.Fatalf("emulated card passed the production anchors: %+v", face.Authenticity)
	}
	if !face.Authenticity.Liveness.OK {
		t.Errorf("liveness should still hold: %s", face.Authenticity.Liveness.Reason)
	}
}

func TestReadFaceWithCheckCodeA(t *testing.T) {
	f := newEmu(t, "p01-showa")
	face, err := ReadFace(context.Background(), NewSession(f.t, DefaultGuard), f.p.CheckCodeA(), ReadOptions{Anchors: f.anchors})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(face.NumberPNG, f.p.Images.Number) || face.Authenticity.Err() != nil {
		t.Fatalf("number image %d bytes, authenticity %v", len(face.NumberPNG), face.Authenticity.Err())
	}
}

func wrongB(t *testing.T, p *myna.Profile, variant string) myna.CheckCodeB {
	t.Helper()
	v := []byte(p.CheckCodeB().Reveal())
	copy(v[10:], variant)
	b, err := myna.ParseCheckCodeB(string(v))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadFaceWrongCodeAndGuard(t *testing.T) {
	f := newEmu(t, "p01-showa")
	ctx := context.Background()
	s := NewSession(f.t, DefaultGuard)
	bad := wrongB(t, f.p, "0000")
	_, err := ReadFace(ctx, s, bad, ReadOptions{Anchors: f.anchors})
	var wc *WrongCodeError
	if !errors.As(err, &wc) || wc.Remaining != 9 {
		t.Fatalf("err = %v, want a wrong code with 9 tries left", err)
	}
	// The same wrong value is never sent twice.
	_, err = ReadFace(ctx, s, bad, ReadOptions{Anchors: f.anchors})
	if !errors.Is(err, ErrRefused) || f.card.Tries()["surface/0012"] != 9 {
		t.Fatalf("second attempt with the same value: err = %v, tries %d", err, f.card.Tries()["surface/0012"])
	}
	// Spend down to one try with distinct wrong values; the guard keeps the last one.
	for i := 1; f.card.Tries()["surface/0012"] > 1; i++ {
		_, err := ReadFace(ctx, s, wrongB(t, f.p, string(rune('0'+i))+"111"), ReadOptions{Anchors: f.anchors})
		if !errors.As(err, &wc) {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	_, err = ReadFace(ctx, s, f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
	var re *RefusedError
	if !errors.As(err, &re) || re.Tries != 1 {
		t.Fatalf("last try: err = %v, want a refusal", err)
	}
	allow := NewSession(f.t, Guard{AllowLastTry: true})
	if _, err := ReadFace(ctx, allow, f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors}); err != nil {
		t.Fatalf("with the last try allowed: %v", err)
	}
	if f.card.Tries()["surface/0012"] != 10 {
		t.Fatal("a correct code did not reset the counter")
	}
}

func TestReadFaceBlocked(t *testing.T) {
	f := newEmu(t, "p01-showa")
	ctx := context.Background()
	s := NewSession(f.t, Guard{AllowLastTry: true})
	for i := 0; i < 10; i++ {
		_, _ = ReadFace(ctx, s, wrongB(t, f.p, string(rune('0'+i))+"999"), ReadOptions{Anchors: f.anchors})
	}
	_, err := ReadFace(ctx, s, f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("err = %v, want ErrBlocked", err)
	}
}

func TestReadFaceShortReadsOnly(t *testing.T) {
	f := newEmu(t, "p02-long-address")
	s := NewSession(f.t, DefaultGuard)
	s.NoExtended = true
	face, err := ReadFace(context.Background(), s, f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
	if err != nil || face.Authenticity.Err() != nil {
		t.Fatalf("err %v, authenticity %v", err, face.Authenticity.Err())
	}
	ext := NewSession(newEmu(t, "p02-long-address").t, DefaultGuard)
	face2, err := ReadFace(context.Background(), ext, f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
	if err != nil {
		t.Fatal(err)
	}
	if face2.APDUs >= face.APDUs {
		t.Errorf("extended reads took %d APDUs, short reads %d", face2.APDUs, face.APDUs)
	}
	t.Logf("face-to-face read: %d APDUs with extended length, %d with 256-byte reads", face2.APDUs, face.APDUs)
}
