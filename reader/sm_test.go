package reader

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

func TestReadTextSMMatchesPlainReads(t *testing.T) {
	f := newEmu(t, "p02-long-address")
	ctx := context.Background()
	plain, err := ReadText(ctx, NewSession(f.t, DefaultGuard), f.p.TextPIN(), ReadOptions{Anchors: f.anchors})
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTrace(newEmu(t, "p02-long-address").t, TraceOptions{})
	secure, err := ReadTextSM(ctx, NewSession(tr, DefaultGuard), f.p.TextPIN(), ReadOptions{Anchors: f.anchors})
	if err != nil {
		t.Fatal(err)
	}
	if !secure.SecureMsg || secure.Authenticity.Err() != nil {
		t.Fatalf("secure %v, authenticity %v", secure.SecureMsg, secure.Authenticity.Err())
	}
	if diff := cmp.Diff(plain.Four, secure.Four); diff != "" || plain.Number != secure.Number {
		t.Fatalf("secure reads differ from plain reads:\n%s", diff)
	}
	smReads := 0
	for _, e := range tr.Entries() {
		if len(e.Command) >= 2 && e.Command[:2] == "08" {
			smReads++
		}
	}
	if smReads < 4 {
		t.Fatalf("%d CLA 08 commands in the trace", smReads)
	}
	if _, err := ReadTextSM(ctx, NewSession(f.t, DefaultGuard), f.p.CheckCodeA(), ReadOptions{}); err == nil {
		t.Fatal("secure messaging with check code A")
	}
}

// A wrong counter gives 6988 and kills the session: every later SM command answers 69FC.
func TestSMCounterKillsSession(t *testing.T) {
	f := newEmu(t, "p01-showa")
	ctx := context.Background()
	s := NewSession(f.t, DefaultGuard)
	var cmd apdu.Command
	// Without a MAC the card sees a wrong counter only as bad padding, which
	// a one-block cryptogram escapes about once in 256: take another session
	// key then (sm.TextTerminal.Noticeable).
	for attempt := 1; ; attempt++ {
		if err := s.SelectApp(ctx, myna.TextAP); err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(ctx, myna.TextPINRef, f.p.TextPIN()); err != nil {
			t.Fatal(err)
		}
		term, err := s.openTextSM(ctx)
		if err != nil {
			t.Fatal(err)
		}
		term.ShiftCounter(1) // skip one counter value
		cmd, err = term.WrapCommand(apdu.Command{INS: 0xA4, P1: 2, P2: 0x0C, Data: []byte{0x00, 0x02}})
		if err != nil {
			t.Fatal(err)
		}
		if term.Noticeable(cmd, term.Counter()-2) {
			break
		}
		if attempt == 8 {
			t.Fatal("8 session keys in a row let the skipped counter pass unnoticed")
		}
	}
	r, err := s.Send(ctx, cmd)
	if err != nil || r.SW != apdu.SWSMObjectsIncorrect {
		t.Fatalf("skipped counter: %v %v, want 6988", r.SW, err)
	}
	r, _ = s.Send(ctx, apdu.Command{CLA: 0x08, INS: 0xB0, P1: 0x81, Data: []byte{0x96, 0x03, 0x00, 0x00, 0x00}, Ne: 65536, Extended: true})
	if r.SW != apdu.SWSMSessionClosed {
		t.Fatalf("after a counter error: %v, want 69FC", r.SW)
	}
}

// On a card without extended length, key delivery (256-byte Lc) answers 6700:
// the error keeps the status word and says why, and no try is spent.
func TestReadTextSMWithoutExtendedLength(t *testing.T) {
	f := newEmu(t, "p06-taisho-contactless")
	ctx := context.Background()
	_, err := ReadTextSM(ctx, NewSession(f.t, DefaultGuard), f.p.TextPIN(), ReadOptions{Anchors: f.anchors})
	var se *StatusError
	if !errors.As(err, &se) || se.SW != apdu.SWWrongLength || !strings.Contains(err.Error(), "extended Lc") {
		t.Fatalf("got %v, want a 6700 StatusError that names extended Lc", err)
	}
	if strings.Count(err.Error(), "card answered") != 1 {
		t.Errorf("message repeats itself: %q", err)
	}
	if _, err := ReadText(ctx, NewSession(f.t, DefaultGuard), f.p.TextPIN(), ReadOptions{Anchors: f.anchors}); err != nil {
		t.Fatalf("the plain read after it: %v", err)
	}
}
