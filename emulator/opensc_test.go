package emulator

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/emulator/vpcd"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/pcscd"
	"github.com/taimen-dev/taimen/reader/pcsc"
)

// waitCard waits until pcscd reports a card in vpcd's slot 0.
func waitCard(ctx context.Context, t *testing.T, d *pcscd.Daemon) { waitSlot(ctx, t, d, true) }

// waitSlot waits until pcscd reports vpcd's slot 0 with a card (present) or without one.
func waitSlot(ctx context.Context, t *testing.T, d *pcscd.Daemon, present bool) {
	t.Helper()
	release, err := d.UseInProcess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for {
		rs, err := pcsc.Readers(ctx)
		for _, r := range rs {
			if err == nil && r.Name == pcscd.ReaderName(0) && r.CardPresent == present {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: card present is not %v: %v", pcscd.ReaderName(0), present, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

const openscPKCS11 = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

// TestOpenSCInterop checks the emulator with other people's software: through a
// private pcscd, OpenSC's jpki driver lists and reads the emulated JPKI
// certificates, and pkcs11-tool signs with the authentication key after the PIN;
// the signature verifies with the certificate's public key. It does so for the
// card and for both phone tokens (their own ATR, label and, on the iPhone
// token, no extended length).
func TestOpenSCInterop(t *testing.T) {
	for _, tool := range []string{"pkcs15-tool", "pkcs11-tool"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing: scripts/deps installs opensc", tool)
			}
			t.Skipf("%s missing: run scripts/deps", tool)
		}
	}
	d := pcscd.StartForTest(t)
	for _, id := range []string{"p01-showa", "p08-android-token", "p09-iphone-token"} {
		t.Run(id, func(t *testing.T) { openSCInterop(t, d, id) })
		// The next card must not meet pcscd still showing this one.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		waitSlot(ctx, t, d, false)
		cancel()
	}
}

func openSCInterop(t *testing.T, d *pcscd.Daemon, id string) {
	p := loadProfile(t, id)
	card := newCard(t, id, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); _ = vpcd.Serve(ctx, card, vpcd.Options{DialSlot: d.DialVPCD}) }()
	defer func() { cancel(); <-done }()
	waitCard(ctx, t, d)
	// run executes a tool against the private daemon; its arguments are not
	// logged because one of them is a PIN.
	run := func(name string, args ...string) string {
		t.Helper()
		out, err := d.Command(ctx, name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s failed: %v\n%s", name, err, out)
		}
		return string(out)
	}
	list := run("pkcs15-tool", "--list-certificates")
	for _, want := range []string{"User Authentication Certificate", "Digital Signature Certificate CA", "Path           : 000a"} {
		if !strings.Contains(list, want) {
			t.Errorf("pkcs15-tool --list-certificates lacks %q:\n%s", want, list)
		}
	}
	certPEM := run("pkcs15-tool", "--read-certificate", "01")
	block, _ := pem.Decode([]byte(certPEM[strings.Index(certPEM, "-----BEGIN"):]))
	if block == nil {
		t.Fatalf("no PEM in pkcs15-tool output:\n%s", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	authKey, _ := p.Key(myna.RoleJPKIAuth)
	if !authKey.PublicKey.Equal(cert.PublicKey) {
		t.Fatal("the certificate OpenSC read does not carry the card's authentication key")
	}

	dir := t.TempDir()
	in, sig := filepath.Join(dir, "data"), filepath.Join(dir, "sig")
	msg := []byte("taimen interoperability test")
	if err := os.WriteFile(in, msg, 0o600); err != nil {
		t.Fatal(err)
	}
	triesBefore := card.Tries()["jpki/0018"]
	run("pkcs11-tool", "--module", openscPKCS11, "--login", "--pin", p.AuthPIN().Reveal(), "--sign",
		"--mechanism", "SHA256-RSA-PKCS", "--id", "01", "--input-file", in, "--output-file", sig)
	got, err := os.ReadFile(sig)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], got); err != nil {
		t.Fatalf("pkcs11-tool's signature does not verify with the certificate: %v", err)
	}
	if card.Tries()["jpki/0018"] != triesBefore {
		t.Error("a correct PIN left the counter changed")
	}
	if bytes.Equal(got, make([]byte, len(got))) {
		t.Fatal("empty signature")
	}
}
