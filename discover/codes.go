package discover

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// withCodes uses each correct code given: the retry limit (the counter right after it), the
// sizes and filler of the EFs it opens, and whether re-SELECT of the same AP clears it.
func (r *run) withCodes(ctx context.Context) error {
	reselect := Answer{Field: "reselect_same_ap_clears", Question: "whether re-SELECT of the current AP clears the verified state", Default: "true"}
	for _, app := range myna.Applications() {
		for _, k := range app.KeyRefs() {
			code := r.opts.Codes[k.Secret]
			if !k.Secret.Valid() || code == nil {
				continue
			}
			ref := myna.EFRef{App: app.App, ID: k.ID}
			if r.doc.Tries[ref.String()] == 0 {
				continue
			}
			opened, err := r.verifyAndRead(ctx, app, ref, code)
			if err != nil {
				return err
			}
			if reselect.Status != "" || len(opened) == 0 {
				continue
			}
			if err := r.s.SelectApp(ctx, app.App); err != nil {
				return fmt.Errorf("discover: %w", err)
			}
			p1, _ := opened[0].ID.ReadBinaryP1()
			resp, err := r.send(ctx, "read after re-SELECT", apdu.Command{INS: 0xB0, P1: p1, Ne: 1})
			if err != nil {
				return err
			}
			found := resp.SW == r.protectedSWOr(apdu.SWSecurityNotSatisfied)
			reselect.Found, reselect.Status = fmt.Sprint(found), status(fmt.Sprint(found), "true")
			reselect.How = fmt.Sprintf("the correct %s, re-SELECT of the same AP, one-byte READ BINARY of %s", k.Secret, opened[0])
			r.doc.Behaviour.ReselectSameAPClears = ptr(found)
		}
	}
	if reselect.Status == "" {
		reselect.Status, reselect.How = Unknown, "needs a correct code in the environment (e.g. TAIMEN_CHECK_CODE_B)"
	}
	r.add(reselect)
	return nil
}

func (r *run) protectedSWOr(def apdu.StatusWord) apdu.StatusWord {
	for sw := range r.protectedSW {
		return sw
	}
	return def
}

// verifyAndRead presents a correct code, records the retry limit, and measures the EFs of
// app that were protected before and now read; it returns them.
func (r *run) verifyAndRead(ctx context.Context, app myna.Application, key myna.EFRef, code myna.Secret) ([]myna.EFRef, error) {
	if err := r.s.SelectApp(ctx, app.App); err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	if err := r.s.Verify(ctx, key.ID, code); err != nil {
		return nil, fmt.Errorf("discover: the code given for %s: %w", key, err)
	}
	n, err := r.s.Tries(ctx, key.ID)
	if err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	r.doc.RetryLimits[key.String()] = n
	var opened []myna.EFRef
	for _, ref := range r.protected {
		ef, _ := myna.LookupEF(ref.App, ref.ID)
		if ref.App != app.App || ef.Kind != myna.EFTransparent {
			continue
		}
		p1, _ := ref.ID.ReadBinaryP1()
		resp, err := r.send(ctx, "read "+ref.String(), apdu.Command{INS: 0xB0, P1: p1, Ne: 1})
		if err != nil {
			return nil, err
		}
		if resp.SW != apdu.SWSuccess {
			continue
		}
		if err := r.measure(ctx, ref); err != nil {
			return nil, err
		}
		opened = append(opened, ref)
	}
	return opened, nil
}

// spend answers the questions only a spent try answers, on check code B, restoring the
// counter with the correct code after each try spent.
func (r *run) spend(ctx context.Context) error {
	wrongLen := Answer{Field: "wrong_length_verify", Question: "whether a VERIFY with a value of the wrong length spends a try", Default: "count"}
	wrongClears := Answer{Field: "wrong_code_clears", Question: "whether a wrong value clears what the key's right value opened", Default: "true"}
	key := myna.EFRef{App: myna.CardSurfaceAP, ID: myna.SurfaceCheckCodeBRef}
	code := r.opts.Codes[myna.SecretCheckCodeB]
	why := ""
	switch tries := r.doc.Tries[key.String()]; {
	case !r.opts.AllowSpend:
		why = "only a spent try answers this: run with --allow-spend and check code B in the environment"
	case code == nil:
		why = "--allow-spend needs the correct check code B in the environment, to restore the counter"
	case tries < MinSpendTries:
		why = fmt.Sprintf("refused: %s has %d tries left, fewer than %d", key, tries, MinSpendTries)
	}
	if why != "" {
		wrongLen.Status, wrongLen.How = Unknown, why
		wrongClears.Status, wrongClears.How = Unknown, why
		r.add(wrongLen)
		r.add(wrongClears)
		return nil
	}
	value := code.Bytes()
	// Wrong length: the correct value less its last digit.
	sw, err := r.spendOne(ctx, key, value[:len(value)-1], code, nil)
	if err != nil {
		return err
	}
	switch _, counted := sw.Retries(); {
	case sw == apdu.SWWrongLength:
		wrongLen.Found = "6700"
		r.doc.Behaviour.WrongLengthVerify = ptr("6700")
	case counted:
		wrongLen.Found = "count"
		r.doc.Behaviour.WrongLengthVerify = ptr("count")
	default:
		wrongLen.Found = hexSW(sw)
	}
	wrongLen.Status, wrongLen.How = status(wrongLen.Found, "count"), "VERIFY of check code B with 13 digits, then the correct code (--allow-spend)"
	r.add(wrongLen)

	// Wrong code: the correct value with its last digit changed, after the correct one.
	wrong := slices.Clone(value)
	wrong[len(wrong)-1] = '0' + (wrong[len(wrong)-1]-'0'+1)%10
	var clears *bool
	_, err = r.spendOne(ctx, key, wrong, code, func(ctx context.Context) error {
		resp, err := r.send(ctx, "read after a wrong code", apdu.Command{INS: 0xB0, P1: 0x80 | byte(myna.SurfaceFace), Ne: 1})
		if err != nil {
			return err
		}
		clears = ptr(resp.SW != apdu.SWSuccess)
		return nil
	})
	if err != nil {
		return err
	}
	wrongClears.Found = fmt.Sprint(*clears)
	wrongClears.Status, wrongClears.How = status(wrongClears.Found, "true"), "correct check code B, a wrong one, one-byte READ BINARY of EF 0002, then the correct code (--allow-spend)"
	r.doc.Behaviour.WrongCodeClears = clears
	r.doc.Spent = true
	r.add(wrongClears)
	return nil
}

// spendOne verifies the correct code, checks the guard, sends one VERIFY with value (which may
// spend a try), runs after, and verifies the correct code again to restore the counter.
func (r *run) spendOne(ctx context.Context, key myna.EFRef, value []byte, code myna.Secret, after func(context.Context) error) (apdu.StatusWord, error) {
	if err := r.s.SelectApp(ctx, key.App); err != nil {
		return 0, fmt.Errorf("discover: %w", err)
	}
	if err := r.s.Verify(ctx, key.ID, code); err != nil {
		return 0, fmt.Errorf("discover: the code given for %s: %w", key, err)
	}
	tries, err := r.s.Tries(ctx, key.ID)
	if err != nil {
		return 0, fmt.Errorf("discover: %w", err)
	}
	if tries < MinSpendTries {
		return 0, fmt.Errorf("discover: %w", &reader.RefusedError{Key: key.String(), Tries: tries, Reason: fmt.Sprintf("fewer than %d tries", MinSpendTries)})
	}
	if err := r.s.Guard().Permit(key.String(), tries); err != nil {
		return 0, fmt.Errorf("discover: %w", err)
	}
	resp, sendErr := r.send(ctx, "VERIFY that may spend a try", myna.Verify(key.ID, value))
	var afterErr error
	if sendErr == nil && after != nil {
		afterErr = after(ctx)
	}
	// Restore the counter whatever happened.
	if err := r.s.SelectApp(ctx, key.App); err != nil {
		return 0, errors.Join(sendErr, afterErr, fmt.Errorf("discover: restoring %s: %w", key, err))
	}
	if err := r.s.Verify(ctx, key.ID, code); err != nil {
		return 0, errors.Join(sendErr, afterErr, fmt.Errorf("discover: restoring %s: %w", key, err))
	}
	if err := errors.Join(sendErr, afterErr); err != nil {
		return 0, err
	}
	return resp.SW, nil
}

// summarize answers the filler question from every file read.
func (r *run) summarize() {
	a := Answer{Field: "filler", Question: "the byte that pads an EF after its TLV", Default: "FF", How: "the bytes after the outer TLV of every EF read"}
	switch len(r.fillers) {
	case 0:
		a.Status = Unknown
		a.How = "no EF read had filler after its TLV (a code in the environment opens more EFs)"
	case 1:
		for b := range r.fillers {
			a.Found = fmt.Sprintf("%02X", b)
			r.doc.Behaviour.Filler = myna.FillerJSON(b)
		}
		a.Status = status(a.Found, "FF")
	default:
		a.Status, a.Found = Contradicted, "both 00 and FF"
	}
	r.add(a)
}
