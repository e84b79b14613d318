package reader

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
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
var digestInfoSHA256 = myna.DigestInfoSHA256

// ChallengeLen is the size of the fresh challenge the reader asks the card for.
const ChallengeLen = 16

// proveLiveness asks the card for a challenge, has the application's default
// key sign its digest (80 2A 00 00, no credential), and verifies the signature
// with cardKey, taken from the signed data. The key's type decides the
// algorithm (myna.AlgorithmOf): RSA-2048 with SHA-256 on today's card, ECDSA
// P-384 with SHA-384 on the provisional next-generation card; nothing assumes
// RSA. The challenge comes from the card and the reader adds its own fresh
// nonce, so a replayed answer cannot pass.
func (s *Session) proveLiveness(ctx context.Context, cardKey crypto.PublicKey, nonce []byte) error {
	if noKey(cardKey) {
		return errors.New("no card key in the signed data")
	}
	alg, err := myna.AlgorithmOf(cardKey)
	if err != nil {
		return fmt.Errorf("card key of the signed data: %w", err)
	}
	ch, err := s.expect(ctx, "GET CHALLENGE", apdu.Command{INS: 0x84, Ne: ChallengeLen})
	if err != nil {
		return err
	}
	if len(ch) != ChallengeLen {
		return fmt.Errorf("GET CHALLENGE: %d bytes, want %d", len(ch), ChallengeLen)
	}
	digest := alg.Digest(append(append([]byte(nil), ch...), nonce...))
	sig, err := s.expect(ctx, "challenge signature", apdu.Command{CLA: 0x80, INS: 0x2A, Data: alg.SignInput(digest), Ne: 256})
	if err != nil {
		return err
	}
	if err := alg.VerifyDigest(cardKey, digest, sig); err != nil {
		return fmt.Errorf("the challenge was not signed by the %s card key of the signed data (a copy?): %w", alg.KeyType(), err)
	}
	return nil
}

// noKey reports whether k is nil or a typed nil key.
func noKey(k crypto.PublicKey) bool {
	switch k := k.(type) {
	case nil:
		return true
	case *rsa.PublicKey:
		return k == nil
	case *ecdsa.PublicKey:
		return k == nil
	}
	return false
}

// freshNonce returns 16 random bytes the reader mixes into each challenge.
func freshNonce() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return b
}
