package reader

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/layout"
)

// JPKI is what the JPKI application gives: its certificates (the signing one
// only with the password) and, when asked, a signature checked against them.
type JPKI struct {
	Token      string            `json:"token"` // the token label, e.g. JPKIAPICCTOKEN2
	AuthCert   *x509.Certificate `json:"-"`
	AuthCACert *x509.Certificate `json:"-"`
	SignCert   *x509.Certificate `json:"-"` // nil without the password
	SignCACert *x509.Certificate `json:"-"`
	// ChainOK says each holder certificate verifies under the CA certificate the card carries.
	ChainOK bool `json:"chain_ok"`
	// Signed holds the signatures made, checked with the certificate's key.
	Signed []JPKISignature `json:"signatures,omitempty"`
	APDUs  int             `json:"apdus"`
}

// JPKISignature is one signature the card made.
type JPKISignature struct {
	Key      string `json:"key"` // "authentication" or "signing"
	Verified bool   `json:"verified"`
	Value    []byte `json:"-"`
}

// JPKIOptions say what to do beyond reading the free certificates.
type JPKIOptions struct {
	AuthPIN      myna.Secret // sign Message with the authentication key
	SignPassword myna.Secret // read the signing certificate, sign Message with the signing key
	Message      []byte      // what to sign (SHA-256, PKCS#1 v1.5); default "taimen"
}

// ReadJPKI reads the JPKI certificates and optionally signs with either key.
func ReadJPKI(ctx context.Context, s *Session, opts JPKIOptions) (*JPKI, error) {
	start := s.Rounds
	out := &JPKI{}
	if err := s.SelectApp(ctx, myna.JPKIAP); err != nil {
		return nil, err
	}
	tok, err := s.ReadEF(ctx, myna.JPKITokenInfo)
	if err != nil {
		return nil, err
	}
	info, err := layout.ParseTokenInfo(tok)
	if err != nil {
		return nil, fmt.Errorf("token info: %w: %w", ErrCard, err)
	}
	out.Token = info.Label
	cert := func(id myna.FileID) (*x509.Certificate, error) {
		raw, err := s.ReadEF(ctx, id)
		if err != nil {
			return nil, err
		}
		n, err := layout.CertificateSize(raw)
		if err != nil || n > len(raw) {
			return nil, fmt.Errorf("certificate %s: %w: bad DER header", id, ErrCard)
		}
		c, err := x509.ParseCertificate(raw[:n])
		if err != nil {
			return nil, fmt.Errorf("certificate %s: %w: %w", id, ErrCard, err)
		}
		return c, nil
	}
	if out.AuthCert, err = cert(myna.JPKIAuthCert); err != nil {
		return nil, err
	}
	if out.AuthCACert, err = cert(myna.JPKIAuthCACert); err != nil {
		return nil, err
	}
	if out.SignCACert, err = cert(myna.JPKISignCACert); err != nil {
		return nil, err
	}
	out.ChainOK = out.AuthCert.CheckSignatureFrom(out.AuthCACert) == nil
	msg := opts.Message
	if msg == nil {
		msg = []byte("taimen")
	}
	if opts.AuthPIN != nil {
		if err := s.Verify(ctx, myna.JPKIAuthPINRef, opts.AuthPIN); err != nil {
			return nil, err
		}
		sig, err := s.jpkiSign(ctx, myna.JPKIAuthKey, msg, out.AuthCert)
		if err != nil {
			return nil, err
		}
		out.Signed = append(out.Signed, JPKISignature{Key: "authentication", Verified: sig.Verified, Value: sig.Value})
	}
	if opts.SignPassword != nil {
		if err := s.Verify(ctx, myna.JPKISignPasswordRef, opts.SignPassword); err != nil {
			return nil, err
		}
		if out.SignCert, err = cert(myna.JPKISignCert); err != nil {
			return nil, err
		}
		out.ChainOK = out.ChainOK && out.SignCert.CheckSignatureFrom(out.SignCACert) == nil
		sig, err := s.jpkiSign(ctx, myna.JPKISignKey, msg, out.SignCert)
		if err != nil {
			return nil, err
		}
		out.Signed = append(out.Signed, JPKISignature{Key: "signing", Verified: sig.Verified, Value: sig.Value})
	}
	out.APDUs = s.Rounds - start
	return out, nil
}

// jpkiSign has the card sign SHA-256(msg) with key (80 2A 00 80|SFI, a DigestInfo)
// and verifies the signature with the certificate's public key.
func (s *Session) jpkiSign(ctx context.Context, key myna.FileID, msg []byte, cert *x509.Certificate) (JPKISignature, error) {
	digest := sha256.Sum256(msg)
	sig, err := s.expect(ctx, "sign with "+key.String(), apdu.Command{CLA: 0x80, INS: 0x2A, P2: sfiP2(key), Data: append(append([]byte(nil), digestInfoSHA256...), digest[:]...), Ne: 256})
	if err != nil {
		return JPKISignature{}, err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	return JPKISignature{Value: sig, Verified: ok && rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil}, nil
}
