package reader

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/emulator"
)

// faulty is an in-process card of p01 with faults, behind a transport with a deadline.
func faulty(t *testing.T, deadline time.Duration, faults ...string) emuFixture {
	t.Helper()
	f := newEmu(t, "p01-showa")
	var settings []emulator.FaultSetting
	for _, s := range faults {
		fs, err := emulator.ParseFault(s)
		if err != nil {
			t.Fatal(err)
		}
		settings = append(settings, fs)
	}
	c, err := emulator.New(f.p, emulator.Options{Faults: settings})
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	f.card, f.t = c, NewEmulated(c, WithCommandTimeout(deadline))
	return f
}

// The reader handles the faults that concern it (issue: fault injection).
func TestReaderAgainstFaultyCards(t *testing.T) {
	ctx := context.Background()
	t.Run("slow card within the deadline", func(t *testing.T) {
		f := faulty(t, time.Second, "slow=20ms")
		face, err := ReadFace(ctx, NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
		if err != nil || face.Authenticity.Err() != nil {
			t.Fatalf("err %v, authenticity %v", err, face.Authenticity.Err())
		}
	})
	t.Run("mute card ends with a timeout", func(t *testing.T) {
		f := faulty(t, 150*time.Millisecond, "mute=2")
		start := time.Now()
		_, err := ReadFace(ctx, NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %v", d)
		}
	})
	t.Run("torn card is reported removed", func(t *testing.T) {
		f := faulty(t, time.Second, "torn=4")
		_, err := ReadFace(ctx, NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
		if !errors.Is(err, ErrCardRemoved) {
			t.Fatalf("err = %v, want ErrCardRemoved", err)
		}
	})
	for _, tc := range []struct {
		fault                     string
		signature, anchor, liveOK bool
		reason                    string
	}{
		{"forged-data", false, true, true, "signature"},
		{"unknown-ca", true, false, true, "certificate"}, // the data verifies under the certified key; the certificate does not chain
		{"clone", true, true, false, "liveness"},
	} {
		t.Run(tc.fault+" is not authentic, with its own reason", func(t *testing.T) {
			f := faulty(t, time.Second, tc.fault)
			face, err := ReadFace(ctx, NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
			if err != nil {
				t.Fatal(err)
			}
			a := face.Authenticity
			if a.Signature.OK != tc.signature || a.Anchor.OK != tc.anchor || a.Liveness.OK != tc.liveOK {
				t.Fatalf("claims signature %v anchor %v liveness %v", a.Signature.OK, a.Anchor.OK, a.Liveness.OK)
			}
			err = a.Err()
			if !errors.Is(err, ErrNotAuthentic) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("err = %v, want a not-authentic error naming the %s", err, tc.reason)
			}
		})
	}
	t.Run("changed expiry still verifies and is never presented as signed", func(t *testing.T) {
		f := faulty(t, time.Second, "changed-expiry")
		face, err := ReadFace(ctx, NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
		if err != nil || face.Authenticity.Err() != nil {
			t.Fatalf("err %v, authenticity %v", err, face.Authenticity.Err())
		}
		if face.Unsigned.Expiry == f.p.Card.ExpiryDigits() {
			t.Fatal("the fault did not change the expiry")
		}
		for _, c := range face.Signed.Coverage {
			if strings.HasPrefix(c, "DF29") || strings.HasPrefix(c, "DF2A") {
				t.Fatalf("coverage claims %s", c)
			}
		}
	})
	t.Run("a card refusing extended length is read in short chunks", func(t *testing.T) {
		f := faulty(t, time.Second, "no-extended-length")
		face, err := ReadFace(ctx, NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
		if err != nil || face.Authenticity.Err() != nil {
			t.Fatalf("err %v, authenticity %v", err, face.Authenticity.Err())
		}
	})
	t.Run("a truncating card is caught", func(t *testing.T) {
		f := faulty(t, time.Second, "truncated-read")
		face, err := ReadFace(ctx, NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
		if err == nil && face.Authenticity.Authentic() {
			t.Fatal("a truncated card face passed as authentic")
		}
	})
}
