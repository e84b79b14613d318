package reader

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/cvc"
	"github.com/taimen-dev/taimen/myna/layout"
)

// nextGenID is the provisional next-generation profile (AIDs and layout invented).
const nextGenID = "p10-nextgen-provisional"

// TestReadFaceNextGen reads the provisional next-generation card: check code B built from its
// Western face form opens the card surface, and the three authenticity claims hold with the
// ECDSA P-384 card key of the signed data; a copy (FaultClone) fails liveness.
func TestReadFaceNextGen(t *testing.T) {
	f := newEmu(t, nextGenID)
	code, err := CheckCodeBParts(f.p.Person.BirthDate.Format("2006-01-02"), "2038", f.p.Card.SecurityCode, true)
	if err != nil {
		t.Fatal(err)
	}
	face, err := ReadFace(context.Background(), NewSession(f.t, DefaultGuard), code, ReadOptions{Anchors: f.anchors})
	if err != nil {
		t.Fatal(err)
	}
	if err := face.Authenticity.Err(); err != nil {
		t.Fatalf("next-generation card not authentic: %v", err)
	}
	if face.Signed.BirthDate != f.p.Person.BirthDateDigits() || face.Signed.Sex != f.p.Person.Sex {
		t.Error("signed fields differ from the profile")
	}

	p := f.p
	c, err := emulator.New(p, emulator.Options{Faults: []emulator.FaultSetting{{Fault: emulator.FaultClone}}})
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	face, err = ReadFace(context.Background(), NewSession(NewEmulated(c), DefaultGuard), code, ReadOptions{Anchors: f.anchors})
	if err != nil {
		t.Fatal(err)
	}
	if face.Authenticity.Liveness.OK || !strings.Contains(face.Authenticity.Liveness.Reason, "ECDSA P-384") {
		t.Errorf("a clone's liveness: %+v", face.Authenticity.Liveness)
	}
}

// TestNextGenAssumingRSA: a reader that assumes today's card fails on the next-generation one,
// which is what the certify-reader scenario catches. The era form of the birth date costs a try
// (6 3C x); an RSA DigestInfo in 80 2A is refused (67 00); the card key in the signed data is
// not RSA.
func TestNextGenAssumingRSA(t *testing.T) {
	f := newEmu(t, nextGenID)
	ctx := context.Background()
	s := NewSession(f.t, DefaultGuard)
	eraCode, err := CheckCodeBParts(f.p.Person.BirthDate.Format("2006-01-02"), "2038", f.p.Card.SecurityCode, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SelectApp(ctx, myna.CardSurfaceAP); err != nil {
		t.Fatal(err)
	}
	var wc *WrongCodeError
	if err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, eraCode); !errors.As(err, &wc) {
		t.Fatalf("era-form check code B: %v, want a wrong code", err)
	}
	if err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, f.p.CheckCodeB()); err != nil {
		t.Fatal(err)
	}
	digest := myna.SigRSA2048SHA256.Digest([]byte("challenge"))
	_, err = s.expect(ctx, "RSA-shaped challenge", apdu.Command{CLA: 0x80, INS: 0x2A, Data: myna.SigRSA2048SHA256.SignInput(digest), Ne: 256})
	var se *StatusError
	if !errors.As(err, &se) || se.SW != apdu.SWWrongLength {
		t.Errorf("80 2A with an RSA DigestInfo: %v, want 6700", err)
	}
	k, _ := f.p.CardSigner()
	if _, ok := k.Public().(*ecdsa.PublicKey); !ok {
		t.Errorf("card key is %T", k.Public())
	}
}

// TestNextGenApplications: only the declared applications answer; the others 6A82.
func TestNextGenApplications(t *testing.T) {
	f := newEmu(t, nextGenID)
	s := NewSession(f.t, DefaultGuard)
	for _, app := range []myna.App{myna.JPKIAP, myna.TextAP, myna.CardSurfaceAP, myna.JukiAP, myna.CommonAP} {
		err := s.SelectApp(context.Background(), app)
		var se *StatusError
		switch want := f.p.Generation.Has(app); {
		case want && err != nil:
			t.Errorf("select %s: %v", app, err)
		case !want && (!errors.As(err, &se) || se.SW != apdu.SWFileNotFound):
			t.Errorf("select %s: %v, want 6A82", app, err)
		}
	}
}

// TestNextGenDataSignaturesECDSA: on the provisional next-generation card the card-surface CV
// certificate and the data signatures are ECDSA P-384 too (generation.data_signature_algorithm):
// the certificate certifies a P-384 key under the P-384 test CA, and a reader that assumes RSA
// fails — the certificate has no RSA key, the face does not verify under one, and the RSA test
// CA of today's cards does not validate the certificate. Check code A also verifies the
// individual-number image under the P-384 key; a forged photo fails the signature claim.
func TestNextGenDataSignaturesECDSA(t *testing.T) {
	f := newEmu(t, nextGenID)
	ctx := context.Background()
	s := NewSession(f.t, DefaultGuard)
	face, err := ReadFace(ctx, s, f.p.CheckCodeA(), ReadOptions{Anchors: f.anchors})
	if err != nil {
		t.Fatal(err)
	}
	if err := face.Authenticity.Err(); err != nil || len(face.NumberPNG) == 0 {
		t.Fatalf("check code A on the ECDSA card: %v", err)
	}
	if !strings.Contains(face.Authenticity.AnchorName, "ECDSA P-384") {
		t.Errorf("anchor %q: want the P-384 test CA", face.Authenticity.AnchorName)
	}

	if err := s.SelectApp(ctx, myna.CardSurfaceAP); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, myna.SurfaceCheckCodeBRef, f.p.CheckCodeB()); err != nil {
		t.Fatal(err)
	}
	raw, err := s.ReadEF(ctx, myna.SurfaceCVCert)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := cvc.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if cert.SubjectKey != nil || cert.SubjectKeyEC == nil || len(cert.Signature) != cvc.ECSignatureLen {
		t.Fatalf("CV certificate: RSA key %v, EC key %v, signature %d bytes; want the EC form", cert.SubjectKey != nil, cert.SubjectKeyEC != nil, len(cert.Signature))
	}
	faceRaw, err := s.ReadEF(ctx, myna.SurfaceFace)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := layout.ParseCardFace(faceRaw)
	if err != nil {
		t.Fatal(err)
	}
	if len(cf.Signature) != 96 {
		t.Errorf("DF28 of %d bytes, want 96 (r‖s)", len(cf.Signature))
	}
	if _, err := cf.Verify(cert.PublicKey()); err != nil {
		t.Errorf("DF28 under the certified P-384 key: %v", err)
	}
	// A reader assuming RSA: the certificate's RSA key is nil, and today's RSA test CA refuses it.
	if _, err := cf.Verify(cert.SubjectKey); err == nil {
		t.Error("DF28 verified under the (absent) RSA key")
	}
	rsaCA, ok := f.p.Key(myna.RoleCVCAKenkaku)
	if !ok {
		t.Fatal("no RSA test CA")
	}
	if err := cert.Verify(&rsaCA.PublicKey); !errors.Is(err, cvc.ErrSignature) {
		t.Errorf("the CV certificate under the RSA test CA: %v, want ErrSignature", err)
	}
	rsaAnchor, err := cvc.NewTestAnchor("RSA test CA", emulator.TestCAKenkaku, &rsaCA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaOnly, err := cvc.NewAnchorSet(rsaAnchor)
	if err != nil {
		t.Fatal(err)
	}
	face, err = ReadFace(ctx, NewSession(f.t, DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: rsaOnly})
	if err != nil {
		t.Fatal(err)
	}
	if face.Authenticity.Anchor.OK || face.Authenticity.Authentic() {
		t.Errorf("the ECDSA card under RSA anchors: %+v", face.Authenticity)
	}

	c, err := emulator.New(f.p, emulator.Options{Faults: []emulator.FaultSetting{{Fault: emulator.FaultForgedData}}})
	if err != nil {
		t.Fatal(err)
	}
	c.PowerOn()
	face, err = ReadFace(ctx, NewSession(NewEmulated(c), DefaultGuard), f.p.CheckCodeB(), ReadOptions{Anchors: f.anchors})
	if err != nil {
		t.Fatal(err)
	}
	if face.Authenticity.Signature.OK || !face.Authenticity.Anchor.OK || !errors.Is(face.Authenticity.Err(), ErrNotAuthentic) {
		t.Errorf("a forged photo on the ECDSA card: %+v", face.Authenticity)
	}
}
