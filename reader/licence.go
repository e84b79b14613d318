package reader

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// ErrNoLicence means the card answered 6A82 to the SELECT of the driving-licence application:
// its holder linked no licence (or it is not a My Number Card). Nothing was verified.
var ErrNoLicence = errors.New("no licence on this card")

// ErrNoLicenceKey means no issuing prefecture's key was given, so the licence data's signature
// could not be checked: the data is not shown as authentic.
var ErrNoLicenceKey = errors.New("no issuing prefecture's key to check the licence signature (give --licence-key)")

// Licence is what the driving-licence application gives (docs/LICENCE.md): the PIN-setting
// flag, the licence data of EF 001B and the check of EF 001C's signature over it.
type Licence struct {
	PINSet bool                `json:"pin_set"` // EF 001A: the holder set a PIN (else "****" opens it)
	Record *myna.LicenceRecord `json:"-"`       // EF 001B, parsed; personal data
	// SignatureOK says EF 001C verified (SHA-256/RSA PKCS#1 v1.5) under one of the given keys.
	SignatureOK bool `json:"signature_ok"`
	// SignedBy is the commission code EF 001C names (not personal: a prefecture).
	SignedBy string `json:"signed_by,omitempty"`
	// SignatureErr says why the signature is not accepted (nil when SignatureOK).
	SignatureErr error `json:"-"`
	TriesBefore  int   `json:"tries_before"`
	APDUs        int   `json:"apdus"`
}

// LicenceOptions say how to open and check the licence application.
type LicenceOptions struct {
	// PIN returns the licence PIN; it is called only when EF 001A says one was set (otherwise
	// "****" is presented), so a holder without a PIN is never asked for one.
	PIN func() (myna.Secret, error)
	// IssuerKeys are the issuing prefectures' public keys the signature may verify under.
	IssuerKeys []*rsa.PublicKey
}

// ReadLicence selects the driving-licence application, reads the PIN-setting flag, presents
// the PIN through the session's guard (reader.Guard.Permit), reads EF 001B and EF 001C and
// checks the signature. A card without the application gives ErrNoLicence.
func ReadLicence(ctx context.Context, s *Session, opts LicenceOptions) (*Licence, error) {
	start := s.Rounds
	if err := s.SelectApp(ctx, myna.LicenceAP); err != nil {
		var se *StatusError
		if errors.As(err, &se) && se.SW == apdu.SWFileNotFound {
			return nil, fmt.Errorf("%w (%w)", ErrNoLicence, se)
		}
		return nil, err
	}
	flag, err := s.ReadEF(ctx, myna.LicencePINSetting)
	if err != nil {
		return nil, err
	}
	out := &Licence{}
	if out.PINSet, err = myna.ParsePINSetting(flag); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCard, err)
	}
	var pin myna.Secret
	if out.PINSet {
		if opts.PIN == nil {
			return nil, fmt.Errorf("licence PIN: %w", ErrNoSecret)
		}
		if pin, err = opts.PIN(); err != nil {
			return nil, err
		}
		if p, ok := pin.(myna.LicencePIN); ok && p.IsNotSet() {
			return nil, fmt.Errorf("licence PIN: the card says a PIN was set, so %q cannot open it: %w", myna.LicencePINNotSet, ErrNoSecret)
		}
	} else {
		pin, _ = myna.ParseLicencePIN(myna.LicencePINNotSet)
	}
	if err := s.Verify(ctx, myna.LicencePINRef, pin); err != nil {
		return nil, err
	}
	out.TriesBefore = s.LastTries
	data, err := s.ReadEF(ctx, myna.LicenceData)
	if err != nil {
		return nil, err
	}
	if out.Record, err = myna.ParseLicenceData(data); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCard, err)
	}
	sigFile, err := s.ReadEF(ctx, myna.LicenceSignature)
	if err != nil {
		return nil, err
	}
	sig, by, err := myna.ParseLicenceSignature(sigFile)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCard, err)
	}
	out.SignedBy = by
	out.SignatureErr = checkLicenceSignature(out.Record.Signed, sig, opts.IssuerKeys)
	out.SignatureOK = out.SignatureErr == nil
	out.APDUs = s.Rounds - start
	return out, nil
}

func checkLicenceSignature(signed, sig []byte, keys []*rsa.PublicKey) error {
	if len(keys) == 0 {
		return fmt.Errorf("%w: %w", ErrNotAuthentic, ErrNoLicenceKey)
	}
	for _, k := range keys {
		if myna.VerifyLicenceSignature(signed, sig, k) == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: the licence data's signature (EF 001C) does not verify under the issuing prefecture's key", ErrNotAuthentic)
}
