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
