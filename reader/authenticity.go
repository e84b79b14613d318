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

// ChallengeLen is the size of the GET CHALLENGE a spec asks the card for (16 bytes).
const ChallengeLen = 16

// NonceLen is the size of the fresh random nonce the reader has the card sign
// to prove liveness.
const NonceLen = 32

// proveLiveness has the application's default key sign the digest of the
// reader's own nonce (80 2A 00 00, no credential; CARD.md §8: P1 00 signs any
// digest given) and verifies the signature with cardKey, taken from the signed
// data. The key's type decides the algorithm (myna.AlgorithmOf): DigestInfo
// over SHA-256 for RSA-2048 on today's card, the bare SHA-384 for ECDSA P-384
// on the provisional next-generation card; nothing assumes RSA. The nonce is
// the reader's own, fresh and unpredictable, so no GET CHALLENGE is needed: a
// recorded signature cannot answer a nonce never sent before, and a copy of
// the data cannot sign without the chip's key.
func (s *Session) proveLiveness(ctx context.Context, cardKey crypto.PublicKey, nonce []byte) error {
	if noKey(cardKey) {
		return errors.New("no card key in the signed data")
	}
	alg, err := myna.AlgorithmOf(cardKey)
	if err != nil {
		return fmt.Errorf("card key of the signed data: %w", err)
	}
	if len(nonce) < ChallengeLen {
		return fmt.Errorf("liveness nonce of %d bytes: want at least %d", len(nonce), ChallengeLen)
	}
	digest := alg.Digest(nonce)
	sig, err := s.expect(ctx, "liveness signature", apdu.Command{CLA: 0x80, INS: 0x2A, Data: alg.SignInput(digest), Ne: 256})
	if err != nil {
		return err
	}
	if err := alg.VerifyDigest(cardKey, digest, sig); err != nil {
		return fmt.Errorf("the nonce was not signed by the %s card key of the signed data (a copy?): %w", alg.KeyType(), err)
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
