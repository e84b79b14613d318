package emulator

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/layout"
)

func faultyCard(t *testing.T, f ...string) (*Card, term, *myna.Profile) {
	t.Helper()
	var settings []FaultSetting
	for _, s := range f {
		fs, err := ParseFault(s)
		if err != nil {
			t.Fatal(err)
		}
		settings = append(settings, fs)
	}
	p := loadProfile(t, "p01-showa")
	c, err := New(p, Options{Faults: settings, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	return c, term{t, c}, p
}

func wrongCodeB(p *myna.Profile) []byte {
	b := p.CheckCodeB().Bytes()
	b[13] = '0' + (b[13]-'0'+1)%10
	return b
}

func TestParseFault(t *testing.T) {
	for _, ok := range []string{"slow=250ms", "mute=4", "torn", "timing-leak=20us", "clone"} {
		if _, err := ParseFault(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"nope", "slow=fast", "clone=1", "mute=-1"} {
		if _, err := ParseFault(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if len(Faults()) < 21 {
		t.Errorf("%d faults", len(Faults()))
	}
}

// Each engine fault changes exactly the behaviour it names.
func TestEngineFaults(t *testing.T) {
	surface := selApp(myna.CardSurfaceAP)
	B := myna.SurfaceCheckCodeBRef
	t.Run("no-decrement", func(t *testing.T) {
		c, s, p := faultyCard(t, "no-decrement")
		s.selectApp(myna.CardSurfaceAP)
		s.expect(myna.Verify(B, wrongCodeB(p)), apdu.RetriesLeft(10))
		if c.Tries()["surface/0012"] != 10 {
			t.Fatal("decremented")
		}
	})
	t.Run("decrement-after-compare buys a free try on a tear", func(t *testing.T) {
		c, s, p := faultyCard(t, "decrement-after-compare")
		s.selectApp(myna.CardSurfaceAP)
		c.TearAfterNextDecrement()
		if rsp := c.Transmit(myna.Verify(B, wrongCodeB(p)).MustBytes()); rsp != nil {
			t.Fatal("not torn")
		}
		if c.Tries()["surface/0012"] != 10 {
			t.Fatal("the torn wrong try was spent: the fault is not active")
		}
		_ = surface
	})
	t.Run("ignores-security-code", func(t *testing.T) {
		c, s, p := faultyCard(t, "ignores-security-code")
		s.selectApp(myna.CardSurfaceAP)
		s.expect(myna.Verify(B, wrongCodeB(p)), apdu.SWSuccess) // the last digit is the security code's
		wrongYear := p.CheckCodeB().Bytes()
		wrongYear[9] = '0' + (wrongYear[9]-'0'+1)%10
		s.expect(myna.Verify(B, wrongYear), apdu.RetriesLeft(9))
		if c.Tries()["surface/0012"] != 9 {
			t.Fatalf("tries %d, want 9: only the comparison is faulty", c.Tries()["surface/0012"])
		}
	})
	t.Run("tries-one-too-many", func(t *testing.T) {
		c, s, p := faultyCard(t, "tries-one-too-many")
		s.selectApp(myna.CardSurfaceAP)
		s.expect(myna.TriesQuery(B), apdu.RetriesLeft(11))
		s.expect(myna.Verify(B, wrongCodeB(p)), apdu.RetriesLeft(10))
		if c.Tries()["surface/0012"] != 9 {
			t.Fatalf("tries %d, want 9: only the answer is faulty", c.Tries()["surface/0012"])
		}
		s.expect(myna.Verify(B, p.CheckCodeB().Bytes()), apdu.SWSuccess)
		s.expect(myna.TriesQuery(B), apdu.RetriesLeft(11))
	})
	t.Run("no-block", func(t *testing.T) {
		_, s, p := faultyCard(t, "no-block")
		s.selectApp(myna.CardSurfaceAP)
		for range 10 {
			s.send(myna.Verify(B, wrongCodeB(p)))
		}
		s.expect(myna.Verify(B, p.CheckCodeB().Bytes()), apdu.SWSuccess)
	})
	t.Run("sw-6983 and sw-6300", func(t *testing.T) {
		_, s, p := faultyCard(t, "sw-6983-when-blocked", "sw-6300")
		s.selectApp(myna.CardSurfaceAP)
		for range 10 {
			s.expect(myna.Verify(B, wrongCodeB(p)), apdu.SWNoRetryLimit)
		}
		s.expect(myna.Verify(B, p.CheckCodeB().Bytes()), apdu.SWAuthMethodBlocked)
	})
	t.Run("counter-reset-on-reselect", func(t *testing.T) {
		c, s, p := faultyCard(t, "counter-reset-on-reselect")
		s.selectApp(myna.CardSurfaceAP)
		s.send(myna.Verify(B, wrongCodeB(p)))
		s.selectApp(myna.CardSurfaceAP)
		if c.Tries()["surface/0012"] != 10 {
			t.Fatal("not reset")
		}
	})
	t.Run("counter-reset-on-power-cycle", func(t *testing.T) {
		c, s, p := faultyCard(t, "counter-reset-on-power-cycle")
		s.selectApp(myna.CardSurfaceAP)
		s.send(myna.Verify(B, wrongCodeB(p)))
		c.PowerOff()
		c.PowerOn()
		if c.Tries()["surface/0012"] != 10 {
			t.Fatal("not reset")
		}
	})
	t.Run("accept-prefix", func(t *testing.T) {
		_, s, p := faultyCard(t, "accept-prefix")
		s.selectApp(myna.CardSurfaceAP)
		s.expect(myna.Verify(B, p.CheckCodeB().Bytes()[:6]), apdu.SWSuccess)
	})
	t.Run("no-access-check and b-opens-number", func(t *testing.T) {
		_, s, p := faultyCard(t, "no-access-check")
		s.selectApp(myna.CardSurfaceAP)
		s.expect(readSFI(myna.SurfaceFace, 256), apdu.SWSuccess)
		_, s2, _ := faultyCard(t, "b-opens-number-image")
		s2.selectApp(myna.CardSurfaceAP)
		s2.expect(myna.Verify(B, p.CheckCodeB().Bytes()), apdu.SWSuccess)
		s2.expect(readSFI(myna.SurfaceNumberImage, 256), apdu.SWSuccess)
	})
	t.Run("truncated-read", func(t *testing.T) {
		_, s, _ := faultyCard(t, "truncated-read")
		s.selectApp(myna.CardSurfaceAP)
		if got := s.expect(readSFI(myna.SurfaceCVCert, 256), apdu.SWSuccess); len(got) != 255 {
			t.Fatalf("%d bytes", len(got))
		}
	})
	t.Run("personalization faults", func(t *testing.T) {
		for _, tc := range []struct {
			fault   string
			parse   bool // the face still parses
			verify  bool // DF28 still verifies
			anchor  bool // the CV certificate verifies under the test CA
			expiry  bool // DF29 is the profile's
			challOK bool // the challenge signature verifies under DF24
		}{
			{"forged-data", true, false, true, true, true},
			{"bad-df21-offsets", false, false, true, true, true},
			{"unknown-ca", true, true, false, true, true},
			{"changed-expiry", true, true, true, false, true},
			{"clone", true, true, true, true, false},
		} {
			t.Run(tc.fault, func(t *testing.T) {
				_, s, p := faultyCard(t, tc.fault)
				s.selectApp(myna.CardSurfaceAP)
				s.expect(myna.Verify(B, p.CheckCodeB().Bytes()), apdu.SWSuccess)
				raw := s.expect(readSFI(myna.SurfaceFace, 65536), apdu.SWSuccess)
				face, err := layout.ParseCardFace(raw)
				if (err == nil) != tc.parse {
					t.Fatalf("parse: %v", err)
				}
				anchors, _ := TestAnchors(p)
				cert := parseCV(t, s.expect(readSFI(myna.SurfaceCVCert, 65536), apdu.SWSuccess))
				if _, err := anchors.Verify(cert); (err == nil) != tc.anchor {
					t.Fatalf("anchor: %v", err)
				}
				if face == nil {
					return
				}
				if _, err := face.Verify(cert.PublicKey()); (err == nil) != tc.verify {
					t.Fatalf("verify: %v", err)
				}
				if (face.Unsigned.Expiry == p.Card.ExpiryDigits()) != tc.expiry {
					t.Fatal("expiry")
				}
				if err := challenge(s, face); (err == nil) != tc.challOK {
					t.Fatalf("challenge: %v", err)
				}
			})
		}
	})
	t.Run("slow", func(t *testing.T) {
		c, _, _ := faultyCard(t, "slow=30ms")
		start := time.Now()
		c.Transmit(surface.MustBytes())
		if time.Since(start) < 30*time.Millisecond || !c.MayBlock() {
			t.Fatal("not slow")
		}
	})
	t.Run("mute", func(t *testing.T) {
		c, _, _ := faultyCard(t, "mute=2")
		c.Transmit(surface.MustBytes())
		c.Transmit(surface.MustBytes())
		done := make(chan []byte)
		go func() { done <- c.Transmit(surface.MustBytes()) }()
		select {
		case <-done:
			t.Fatal("a mute card answered")
		case <-time.After(50 * time.Millisecond):
		}
		c.Abort()
		if r := <-done; r != nil {
			t.Fatal("aborted command answered")
		}
	})
	t.Run("torn", func(t *testing.T) {
		c, _, _ := faultyCard(t, "torn=2")
		c.Transmit(surface.MustBytes())
		c.Transmit(surface.MustBytes())
		if r := c.Transmit(surface.MustBytes()); r != nil || c.Powered() {
			t.Fatal("not torn")
		}
	})
	t.Run("fixed-challenge", func(t *testing.T) {
		_, s, _ := faultyCard(t, "fixed-challenge")
		a := s.expect(apdu.Command{INS: 0x84, Ne: 16}, apdu.SWSuccess)
		b := s.expect(apdu.Command{INS: 0x84, Ne: 16}, apdu.SWSuccess)
		if string(a) != string(b) {
			t.Fatal("challenges differ")
		}
	})
	t.Run("counter-not-durable", func(t *testing.T) {
		dir := t.TempDir()
		fs, _ := ParseFault("counter-not-durable")
		p := loadProfile(t, "p01-showa")
		c, _ := New(p, Options{StateDir: dir, Faults: []FaultSetting{fs}})
		c.PowerOn()
		s := term{t, c}
		s.selectApp(myna.CardSurfaceAP)
		s.send(myna.Verify(B, wrongCodeB(p)))
		c2, _ := New(p, Options{StateDir: dir, Faults: []FaultSetting{fs}})
		if c2.Tries()["surface/0012"] != 10 {
			t.Fatal("the decrement survived a restart")
		}
	})
	t.Run("status-query-spends-try and wrong-length-not-counted", func(t *testing.T) {
		c, s, _ := faultyCard(t, "status-query-spends-try", "wrong-length-not-counted")
		s.selectApp(myna.CardSurfaceAP)
		s.send(myna.TriesQuery(myna.SurfaceCheckCodeBRef))
		s.expect(myna.Verify(B, []byte("123")), apdu.RetriesLeft(9))
		if c.Tries()["surface/0012"] != 9 {
			t.Fatal(c.Tries()["surface/0012"])
		}
	})
	t.Run("no-extended-length", func(t *testing.T) {
		_, s, _ := faultyCard(t, "no-extended-length")
		s.selectApp(myna.CardSurfaceAP)
		s.expect(readSFI(myna.SurfaceCVCert, 65536), apdu.SWWrongLength)
	})
}

func TestPresetTriesAndObserve(t *testing.T) {
	p := loadProfile(t, "p01-showa")
	var seen int
	c, err := New(p, Options{Tries: map[string]int{"surface/0012": 1}, Observe: func(cmd, rsp []byte, _ time.Duration) { seen++ }})
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	s := term{t, c}
	s.selectApp(myna.CardSurfaceAP)
	s.expect(myna.TriesQuery(myna.SurfaceCheckCodeBRef), apdu.RetriesLeft(1))
	if seen != 2 {
		t.Fatalf("observed %d commands", seen)
	}
	if _, err := New(p, Options{Tries: map[string]int{"surface/0012": 11}}); err == nil {
		t.Fatal("preset above the limit accepted")
	}
	if _, err := New(p, Options{Tries: map[string]int{"nope/0001": 1}}); err == nil {
		t.Fatal("preset of an unknown key accepted")
	}
}

// A fault that a profile already declares, or whose target the profile
// switches off, does not apply to it; every fault applies to a default card.
func TestFaultNotApplicable(t *testing.T) {
	p01, p06 := loadProfile(t, "p01-showa"), loadProfile(t, "p06-taisho-contactless")
	for _, f := range Faults() {
		licence := f.Fault == FaultForgedLicence || f.Fault == FaultLicenceNoDecrement
		if why := f.Fault.NotApplicable(p01); (why != "") != licence {
			t.Errorf("%s on p01: %q (only the licence faults need a profile with a licence)", f.Fault, why)
		}
		why := f.Fault.NotApplicable(p06)
		switch {
		case licence:
			if !strings.Contains(why, "licence") {
				t.Errorf("%s on p06: %q, want a reason naming the licence", f.Fault, why)
			}
			continue
		}
		switch f.Fault {
		case FaultNoExtended, FaultSMNoCounter:
			if !strings.Contains(why, "extended") {
				t.Errorf("%s on p06: %q, want a reason naming extended length", f.Fault, why)
			}
		default:
			if why != "" {
				t.Errorf("%s does not apply to p06: %s", f.Fault, why)
			}
		}
	}
	// And the reason is real: with the fault, p06's card answers exactly as without it.
	clean, err := New(p06, Options{})
	if err != nil {
		t.Fatal(err)
	}
	faulty, err := New(p06, Options{Faults: []FaultSetting{{Fault: FaultNoExtended}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Card{clean, faulty} {
		c.PowerOn()
	}
	for _, cmd := range []string{"00A4040C0AD3921000310001010402", "00B0820000000000", "00A4040C0AD3921000310001010408", "80AE0000000100" + strings.Repeat("00", 256)} {
		if a, b := clean.Transmit(x(cmd)), faulty.Transmit(x(cmd)); !bytes.Equal(a, b) {
			t.Errorf("%s…: clean % X, faulty % X", cmd[:8], a, b)
		}
	}
}
