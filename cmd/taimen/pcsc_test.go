package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/pcscd"
)

// attach starts a private pcscd, serves card on vpcd slot 0 and points this
// process's PC/SC client at the daemon.
func attach(t *testing.T, card vpcd.Card) {
	t.Helper()
	d := pcscd.StartForTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = vpcd.Serve(ctx, card, vpcd.Options{DialSlot: d.DialVPCD})
	}()
	t.Cleanup(func() { cancel(); <-done })
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	release, err := d.UseInProcess(wctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	if err := d.WaitReader(wctx, pcscd.ReaderName(0)); err != nil {
		t.Fatal(err)
	}
}

func TestReadThroughPCSC(t *testing.T) {
	p := profile(t)
	card, err := emulator.New(p, emulator.Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	attach(t, card)
	env := map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()}

	r := runCLI(t, env, "read", "face", "--reader", "Virtual PCD 00 00", "--test-ca", p01, "--json")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var o readOutput
	if err := json.Unmarshal([]byte(r.stdout), &o); err != nil {
		t.Fatal(err)
	}
	if !o.Authentic || o.Authenticity.Production || o.Target.Kind != "vpcd" {
		t.Fatalf("%+v", o)
	}
	assertNoPersonal(t, "output", r.stdout+r.stderr, p)

	// Without the test CA, an emulated card is not authentic: the production anchors refuse it.
	r = runCLI(t, env, "read", "face", "--reader", "Virtual PCD 00 00")
	if r.code != exitNotAuthentic {
		t.Fatalf("production anchors: exit %d, want %d: %s", r.code, exitNotAuthentic, r.stderr)
	}

	r = runCLI(t, nil, "status", "--reader", "#0", "--json")
	if r.code != exitOK {
		t.Fatalf("status: exit %d %s", r.code, r.stderr)
	}
	r = runCLI(t, nil, "readers")
	if r.code != exitOK {
		t.Fatalf("readers: exit %d %s", r.code, r.stderr)
	}
}

func TestFlowsAndFailuresThroughPCSC(t *testing.T) {
	p := profile(t)
	tries := map[string]int{"surface/0012": 2}
	card, err := emulator.New(p, emulator.Options{Tries: tries})
	if err != nil {
		t.Fatal(err)
	}
	attach(t, card)
	rd := []string{"--reader", "Virtual PCD 00 00", "--test-ca", p01}
	wrong := []byte(p.CheckCodeB().Reveal())
	wrong[13] = '0' + (wrong[13]-'0'+1)%10

	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"text", map[string]string{"TAIMEN_TEXT_PIN": p.TextPIN().Reveal()}, []string{"read", "text"}, exitOK},
		{"text over secure messaging", map[string]string{"TAIMEN_TEXT_PIN": p.TextPIN().Reveal()}, []string{"read", "text", "--sm"}, exitOK},
		{"jpki with signatures", map[string]string{"TAIMEN_AUTH_PIN": p.AuthPIN().Reveal(), "TAIMEN_SIGN_PASSWORD": p.SignPassword().Reveal()}, []string{"read", "jpki", "--sign"}, exitOK},
		{"card-surface with check code A", map[string]string{"TAIMEN_CHECK_CODE_A": p.CheckCodeA().Reveal()}, []string{"read", "surface-a"}, exitOK},
		// Two tries left: one wrong code is allowed (it leaves one), the guard is
		// for physical cards; then the last try is spent on a second wrong code.
		{"wrong code", map[string]string{"TAIMEN_CHECK_CODE_B": string(wrong)}, []string{"read", "face"}, exitWrongCode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, append(tc.args, rd...)...)
			if r.code != tc.want {
				t.Fatalf("exit %d, want %d: %s", r.code, tc.want, r.stderr)
			}
			assertNoPersonal(t, "output", r.stdout+r.stderr, p)
		})
	}
	wrong[12] = '0' + (wrong[12]-'0'+1)%10
	r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": string(wrong)}, append([]string{"read", "face"}, rd...)...)
	if r.code != exitWrongCode && r.code != exitBlocked {
		t.Fatalf("last wrong try: exit %d: %s", r.code, r.stderr)
	}
	r = runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()}, append([]string{"read", "face"}, rd...)...)
	if r.code != exitBlocked {
		t.Fatalf("blocked card: exit %d, want %d: %s", r.code, exitBlocked, r.stderr)
	}
}

func TestTornCardThroughPCSC(t *testing.T) {
	p := profile(t)
	torn, err := emulator.ParseFault("torn=4") // the face read's 4th command is READ BINARY of the card face
	if err != nil {
		t.Fatal(err)
	}
	card, err := emulator.New(p, emulator.Options{Faults: []emulator.FaultSetting{torn}})
	if err != nil {
		t.Fatal(err)
	}
	attach(t, card)
	r := runCLI(t, map[string]string{"TAIMEN_CHECK_CODE_B": p.CheckCodeB().Reveal()},
		"read", "face", "--reader", "Virtual PCD 00 00", "--test-ca", p01, "--timeout", "3s")
	if r.code != exitCardAbsent {
		t.Fatalf("card pulled mid-read: exit %d, want %d: %s", r.code, exitCardAbsent, r.stderr)
	}
}
