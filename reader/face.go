package reader

import (
	"context"
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/cvc"
	"github.com/taimen-dev/taimen/myna/layout"
)

// ReadOptions configure the reads of the card-surface and text applications.
type ReadOptions struct {
	// Anchors validate the CV certificate: the production J-LIS keys for
	// physical cards, the profile set's test CA for emulated ones.
	Anchors *cvc.AnchorSet
	// SkipLiveness leaves out the liveness signature (the result's Liveness then fails).
	SkipLiveness bool
	// Nonce, when set, supplies the nonce the card signs for liveness instead
	// of crypto/rand. Only tests set it: a constant or predictable nonce lets
	// a recorded signature be replayed (certify-reader's RR-007 fails it).
	Nonce func() []byte
}

// Face is what the face-to-face read returns. Fields under Signed are covered
// by the DF28 signature (trust them only when Authenticity says so); Expiry
// and SecurityCodePNG are never covered by any signature.
type Face struct {
	Signed       FaceSigned   `json:"signed"`
	Unsigned     FaceUnsigned `json:"unsigned"`
	NumberPNG    []byte       `json:"-"` // the individual-number image (check code A only), separately signed
	Authenticity Authenticity `json:"authenticity"`
	TriesBefore  int          `json:"tries_before"` // tries left before the VERIFY
	APDUs        int          `json:"apdus"`        // round trips the read took
}

// FaceSigned holds the card-face fields the DF28 signature covers.
type FaceSigned struct {
	BirthDate  string   `json:"-"` // YYYYMMDD, Gregorian
	Sex        myna.Sex `json:"-"`
	NamePNG    []byte   `json:"-"`
	AddressPNG []byte   `json:"-"`
	PhotoJP2   []byte   `json:"-"`
	Coverage   []string `json:"coverage"` // the fields the verified signature covers
}

// FaceUnsigned holds the card-face fields that follow the signature on the
// card: anyone can change them in a copy without breaking it.
type FaceUnsigned struct {
	Expiry          string `json:"-"` // YYYYMMDD
	SecurityCodePNG []byte `json:"-"`
}

// ReadFace runs the face-to-face flow (CARD.md §7): select the card-surface
// application, read the tries, VERIFY check code B (or A, which also opens the
// individual-number image), read the card face and the CV certificate, check
// the certificate against the anchors and the DF28 signature over its three
// groups, and prove the chip is live by having it sign the reader's own fresh
// nonce. With extended length and check code B that is 6 APDUs: SELECT, tries,
// VERIFY, READ 0002, READ 0004, 80 2A.
//
// A wrong code returns *WrongCodeError, a blocked key ErrBlocked, a guard
// refusal *RefusedError, a card without the card-surface application (a
// JPKI-only token, a card that is not a My Number Card) *NotFaceError before
// any VERIFY; failed authenticity is reported in the result, not
// as an error, so the caller sees which claim failed.
func ReadFace(ctx context.Context, s *Session, code myna.Secret, opts ReadOptions) (*Face, error) {
	if code == nil {
		return nil, fmt.Errorf("face-to-face read: %w: check code A or B", ErrNoSecret)
	}
	var key myna.FileID
	switch code.Kind() {
	case myna.SecretCheckCodeB:
		key = myna.SurfaceCheckCodeBRef
	case myna.SecretCheckCodeA:
		key = myna.SurfaceCheckCodeARef
	default:
		return nil, fmt.Errorf("face-to-face read: the card-surface application takes check code A or B, not a %s", code.Kind())
	}
	start := s.Rounds
	out := &Face{}
	if err := s.SelectApp(ctx, myna.CardSurfaceAP); err != nil {
		return nil, classifyNoSurface(ctx, s, err)
	}
	if err := s.Verify(ctx, key, code); err != nil {
		return nil, err
	}
	out.TriesBefore = s.LastTries
	raw, err := s.ReadEF(ctx, myna.SurfaceFace)
	if err != nil {
		return nil, err
	}
	face, err := layout.ParseCardFace(raw)
	if err != nil {
		return nil, fmt.Errorf("card face: %w: %w", ErrCard, err)
	}
	out.Signed.BirthDate = face.Signed.BirthDate
	out.Signed.Sex = myna.Sex(face.Signed.Sex - '0')
	out.Signed.NamePNG, out.Signed.AddressPNG, out.Signed.PhotoJP2 = face.Signed.NamePNG, face.Signed.AddressPNG, face.Signed.PhotoJP2
	out.Unsigned.Expiry, out.Unsigned.SecurityCodePNG = face.Unsigned.Expiry, face.Unsigned.SecurityCodePNG
	var number *layout.MyNumberImage
	if code.Kind() == myna.SecretCheckCodeA {
		img, err := s.ReadEF(ctx, myna.SurfaceNumberImage)
		if err != nil {
			return nil, err
		}
		if number, err = layout.ParseMyNumberImage(img); err != nil {
			return nil, fmt.Errorf("individual-number image: %w: %w", ErrCard, err)
		}
		out.NumberPNG = number.NumberPNG
	}
	certRaw, err := s.ReadEF(ctx, myna.SurfaceCVCert)
	if err != nil {
		return nil, err
	}
	cert := checkCertificate(certRaw, opts.Anchors, &out.Authenticity)
	if cert != nil {
		cov, err := face.Verify(cert.PublicKey())
		if err == nil && number != nil {
			_, err = number.Verify(cert.PublicKey())
		}
		out.Authenticity.Signature = claim(err)
		if err == nil {
			for _, f := range cov.Covered {
				out.Signed.Coverage = append(out.Signed.Coverage, f.String())
			}
		}
	} else {
		out.Authenticity.Signature = claim(errors.New("no usable certificate"))
	}
	if opts.SkipLiveness {
		out.Authenticity.Liveness = claim(errors.New("not checked"))
	} else {
		err := s.proveLiveness(ctx, face.Signed.PublicCardKey(), opts.nonce())
		if isTransportErr(err) {
			return nil, err
		}
		out.Authenticity.Liveness = claim(err)
	}
	out.APDUs = s.Rounds - start
	return out, nil
}

func isTransportErr(err error) bool {
	for _, e := range []error{ErrCardRemoved, ErrNoCard, ErrNoReader, ErrNoService, ErrReaderBusy, ErrTimeout, ErrTransport} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
