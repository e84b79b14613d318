package reader

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna/cvc"
)

// Claim is one authenticity claim: it holds or it does not, and why.
type Claim struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"` // why it failed; empty when OK
}

func claim(err error) Claim {
	if err == nil {
		return Claim{OK: true}
	}
	return Claim{Reason: err.Error()}
}

// Authenticity reports the three separate claims of DESIGN.md: the data's
// signature verifies, the signing certificate chains to a named trust anchor,
// and the chip is live (it signed a fresh challenge with the key inside the
// signed data). A copied dump passes the first two and fails the third.
type Authenticity struct {
	Signature Claim `json:"signature"`
	Anchor    Claim `json:"anchor"`
	// AnchorName names the trust anchor that validated the certificate, and
	// Production says whether it is a production J-LIS key.
	AnchorName string `json:"anchor_name,omitempty"`
	Production bool   `json:"production"`
	Liveness   Claim  `json:"liveness"`
}

// Authentic reports whether all three claims hold.
func (a Authenticity) Authentic() bool { return a.Signature.OK && a.Anchor.OK && a.Liveness.OK }

// Err returns nil when authentic, or an error wrapping ErrNotAuthentic naming each failed claim.
func (a Authenticity) Err() error {
	var errs []error
	if !a.Anchor.OK {
		errs = append(errs, fmt.Errorf("certificate: %s", a.Anchor.Reason))
	}
	if !a.Signature.OK {
		errs = append(errs, fmt.Errorf("signature: %s", a.Signature.Reason))
	}
	if !a.Liveness.OK {
		errs = append(errs, fmt.Errorf("liveness: %s", a.Liveness.Reason))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrNotAuthentic, errors.Join(errs...))
}

// checkCertificate parses the CV certificate and checks it against the anchors.
func checkCertificate(raw []byte, anchors *cvc.AnchorSet, a *Authenticity) *cvc.Certificate {
	cert, err := cvc.Parse(raw)
	if err != nil {
		a.Anchor = claim(fmt.Errorf("CV certificate: %w", err))
		return nil
	}
	if anchors == nil {
		a.Anchor = claim(errors.New("no trust anchors configured"))
		return cert
	}
	anchor, err := anchors.Verify(cert)
	a.Anchor = claim(err)
	if err == nil {
		a.AnchorName, a.Production = anchor.Name, anchor.Production
	}
	return cert
}

// digestInfoSHA256 prefixes a SHA-256 digest for PKCS#1 v1.5 (CARD.md §8).
var digestInfoSHA256 = []byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// ChallengeLen is the size of the GET CHALLENGE a spec asks the card for (16 bytes).
const ChallengeLen = 16

// NonceLen is the size of the fresh random nonce the reader has the card sign
// to prove liveness.
const NonceLen = 32

// proveLiveness has the application's default key sign a DigestInfo over
// SHA-256(nonce) (80 2A 00 00, no credential; CARD.md §8: P1 00 signs any
// DigestInfo given) and verifies the signature with cardKey, taken from the
// signed data. The nonce is the reader's own, fresh and unpredictable, so no
// GET CHALLENGE is needed: a recorded signature cannot answer a nonce never
// sent before, and a copy of the data cannot sign without the chip's key.
func (s *Session) proveLiveness(ctx context.Context, cardKey *rsa.PublicKey, nonce []byte) error {
	if cardKey == nil {
		return errors.New("no card key in the signed data")
	}
	if len(nonce) < ChallengeLen {
		return fmt.Errorf("liveness nonce of %d bytes: want at least %d", len(nonce), ChallengeLen)
	}
	digest := sha256.Sum256(nonce)
	sig, err := s.expect(ctx, "liveness signature", apdu.Command{CLA: 0x80, INS: 0x2A, Data: append(append([]byte(nil), digestInfoSHA256...), digest[:]...), Ne: 256})
	if err != nil {
		return err
	}
	if err := rsa.VerifyPKCS1v15(cardKey, crypto.SHA256, digest[:], sig); err != nil {
		return fmt.Errorf("the nonce was not signed by the card key of the signed data (a copy?): %w", err)
	}
	return nil
}

// nonce returns the liveness nonce: opts.Nonce's when set (tests), else
// NonceLen bytes from crypto/rand.
func (o ReadOptions) nonce() []byte {
	if o.Nonce != nil {
		return o.Nonce()
	}
	b := make([]byte, NonceLen)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return b
}
