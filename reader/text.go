package reader

import (
	"context"
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/apdu/sm"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/layout"
)

// Text is what the text application (券面事項入力補助AP) gives: the individual
// number and the four facts as text, as far as the credential opens them,
// with the DF31/DF32/DF33 integrity record checked.
type Text struct {
	// Number is the 12-digit individual number (PIN or check code A only).
	Number string `json:"-"`
	// Four holds name, address, birth date and sex (PIN or check code B only).
	Four         *layout.BasicFour `json:"-"`
	HaveNumber   bool              `json:"have_number"`
	HaveFour     bool              `json:"have_four"`
	Authenticity Authenticity      `json:"authenticity"`
	// Digests says which files the integrity record's digests were checked against.
	Digests     []string `json:"digests_checked"`
	TriesBefore int      `json:"tries_before"`
	SecureMsg   bool     `json:"secure_messaging"`
	APDUs       int      `json:"apdus"`
}

// textKey returns the key reference a credential is presented to.
func textKey(k myna.SecretKind) (myna.FileID, error) {
	switch k {
	case myna.SecretTextPIN:
		return myna.TextPINRef, nil
	case myna.SecretCheckCodeA:
		return myna.TextCheckCodeARef, nil
	case myna.SecretCheckCodeB:
		return myna.TextCheckCodeBRef, nil
	}
	return 0, fmt.Errorf("the text application takes its PIN or check code A or B, not a %s", k)
}

// ReadText verifies one credential of the text application and reads what it
// opens (CARD.md §9: the PIN opens both files, A the number, B the four facts),
// then the integrity record and the CV certificate; the certificate is checked
// against anchors, the DF33 signature with the certified key, and DF31/DF32
// against the files read. The text application's card key proves liveness.
func ReadText(ctx context.Context, s *Session, code myna.Secret, opts ReadOptions) (*Text, error) {
	return readText(ctx, s, code, opts, false)
}

// ReadTextSM is ReadText over the text application's secure messaging
// (CARD.md §4.1): after the PIN, SET SESSION KEY with a fresh seed wrapped for
// the card's EF 0006 key, then every file is read encrypted (CLA 08, AES-128-CBC,
// no MAC). Only the PIN opens a session.
func ReadTextSM(ctx context.Context, s *Session, pin myna.Secret, opts ReadOptions) (*Text, error) {
	if pin == nil || pin.Kind() != myna.SecretTextPIN {
		return nil, fmt.Errorf("secure messaging needs the text PIN, not a %s", pin.Kind())
	}
	return readText(ctx, s, pin, opts, true)
}

func readText(ctx context.Context, s *Session, code myna.Secret, opts ReadOptions, useSM bool) (*Text, error) {
	if code == nil {
		return nil, fmt.Errorf("text read: %w: the PIN or check code A or B", ErrNoSecret)
	}
	key, err := textKey(code.Kind())
	if err != nil {
		return nil, err
	}
	start := s.Rounds
	out := &Text{}
	if err := s.SelectApp(ctx, myna.TextAP); err != nil {
		return nil, err
	}
	if err := s.Verify(ctx, key, code); err != nil {
		return nil, err
	}
	out.TriesBefore = s.LastTries
	read := s.ReadEF
	if useSM {
		term, err := s.openTextSM(ctx)
		if err != nil {
			return nil, err
		}
		read = func(ctx context.Context, id myna.FileID) ([]byte, error) { return s.readSM(ctx, term, id) }
		out.SecureMsg = true
	}
	var numberFile []byte
	var four *layout.BasicFourFile
	if code.Kind() != myna.SecretCheckCodeB {
		if numberFile, err = read(ctx, myna.TextIndividualNumber); err != nil {
			return nil, err
		}
		if out.Number, err = layout.ParseMyNumberFile(numberFile); err != nil {
			return nil, fmt.Errorf("individual number: %w: %w", ErrCard, err)
		}
		out.HaveNumber = true
	}
	if code.Kind() != myna.SecretCheckCodeA {
		raw, err := read(ctx, myna.TextBasicFour)
		if err != nil {
			return nil, err
		}
		if four, err = layout.ParseBasicFour(raw); err != nil {
			return nil, fmt.Errorf("basic four: %w: %w", ErrCard, err)
		}
		out.Four = &layout.BasicFour{Name: four.Name, Address: four.Address, BirthDate: four.BirthDate, Sex: four.Sex}
		out.HaveFour = true
	}
	integrityRaw, err := read(ctx, myna.TextIntegrity)
	if err != nil {
		return nil, err
	}
	certRaw, err := read(ctx, myna.TextCVCert)
	if err != nil {
		return nil, err
	}
	cardKeyRaw, err := read(ctx, myna.TextCardKeyRecord)
	if err != nil {
		return nil, err
	}
	cert := checkCertificate(certRaw, opts.Anchors, &out.Authenticity)
	integrity, ierr := layout.ParseIntegrity(integrityRaw)
	cardKey, kerr := layout.ParseSignedCardKey(cardKeyRaw)
	switch {
	case cert == nil:
		out.Authenticity.Signature = claim(errors.New("no usable certificate"))
	case ierr != nil:
		out.Authenticity.Signature = claim(fmt.Errorf("integrity record: %w", ierr))
	case kerr != nil:
		out.Authenticity.Signature = claim(fmt.Errorf("signed card key: %w", kerr))
	default:
		var errs []error
		if _, err := integrity.Verify(cert.PublicKey()); err != nil {
			errs = append(errs, err)
		}
		if _, err := cardKey.Verify(cert.PublicKey()); err != nil {
			errs = append(errs, err)
		}
		if numberFile != nil {
			if err := integrity.CheckMyNumberFile(numberFile); err != nil {
				errs = append(errs, err)
			} else {
				out.Digests = append(out.Digests, "DF31 individual number")
			}
		}
		if four != nil {
			if err := integrity.CheckBasicFour(four); err != nil {
				errs = append(errs, err)
			} else {
				out.Digests = append(out.Digests, "DF32 basic four")
			}
		}
		out.Authenticity.Signature = claim(errors.Join(errs...))
	}
	if opts.SkipLiveness || kerr != nil {
		out.Authenticity.Liveness = claim(errors.New("not checked"))
	} else {
		err := s.proveLiveness(ctx, cardKey.CardKey, opts.nonce())
		if isTransportErr(err) {
			return nil, err
		}
		out.Authenticity.Liveness = claim(err)
	}
	out.APDUs = s.Rounds - start
	return out, nil
}

// openTextSM reads the session-key EF and delivers a fresh session key with
// SET SESSION KEY; the card answers 6982 unless the PIN was verified.
func (s *Session) openTextSM(ctx context.Context) (*sm.TextTerminal, error) {
	raw, err := s.ReadEF(ctx, myna.TextSessionKey)
	if err != nil {
		return nil, err
	}
	pub, err := layout.ParseSessionKey(raw)
	if err != nil {
		return nil, fmt.Errorf("session-key EF: %w: %w", ErrCard, err)
	}
	term, cmd, err := sm.NewTextSession(pub)
	if err != nil {
		return nil, err
	}
	if _, err := s.expect(ctx, "SET SESSION KEY", cmd); err != nil {
		var se *StatusError
		if errors.As(err, &se) && se.SW == apdu.SWWrongLength {
			return nil, fmt.Errorf("%w (key delivery needs an extended Lc of 256 bytes, which this card or reader refuses: read without --sm)", err)
		}
		return nil, err
	}
	return term, nil
}

// readSM reads a whole EF by SFI over secure messaging (one extended read).
func (s *Session) readSM(ctx context.Context, term *sm.TextTerminal, id myna.FileID) ([]byte, error) {
	step := fmt.Sprintf("secure read %s/%s", s.cur, id)
	p1, ok := id.ReadBinaryP1()
	if !ok {
		return nil, fmt.Errorf("%s: no short EF identifier", step)
	}
	cmd, err := term.WrapCommand(apdu.Command{INS: 0xB0, P1: p1, Ne: apdu.MaxExtendedNe, Extended: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", step, err)
	}
	r, err := s.Send(ctx, cmd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", step, err)
	}
	plain, err := term.UnwrapResponse(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", step, ErrCard, err)
	}
	if plain.SW != apdu.SWSuccess {
		return nil, &StatusError{Step: step, SW: plain.SW}
	}
	if len(plain.Data) > MaxEFSize {
		return nil, fmt.Errorf("%s: %w: %d bytes", step, ErrCard, len(plain.Data))
	}
	return plain.Data, nil
}
