package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
	"github.com/taimen-dev/taimen/reader/cardocr"
)

// cardImageHelp is the help of read's --card-image flag.
const cardImageHelp = "read face: take check code B's parts (birth date, expiry year, security code) from a photo of the card's front " +
	"(PNG or JPEG, upright, cropped to the card as `taimen card-image` writes it or lying on a darker surface) with tesseract; used only when no check code B is in the " +
	"environment (" + reader.EnvCheckCodeB + " or " + reader.EnvBirthDate + " + " + reader.EnvExpiryYear + " + " + reader.EnvSecurityCode + "). " +
	"What was read is shown on stderr before it is used: the birth date and security code in full only when stderr is a terminal, " +
	"masked otherwise, so that logs do not keep them"

// checkCodeBFromImage returns check code B for read face --card-image: the
// environment's, when one is given there (the image is then not read), else
// the one built from the three fields OCR reads on the image, after showing
// them on stderr.
func checkCodeBFromImage(ctx context.Context, path string, western bool, e env) (myna.Secret, error) {
	s, ok, err := reader.SecretFromEnv(e.getenv, myna.SecretCheckCodeB, western)
	if err != nil {
		return nil, usageError{err}
	}
	if ok {
		fmt.Fprintln(e.stderr, "taimen: --card-image not read: check code B is given in the environment")
		return s, nil
	}
	f, err := cardocr.ReadFile(ctx, path, cardocr.Options{})
	switch {
	case errors.Is(err, cardocr.ErrNoTesseract), errors.Is(err, cardocr.ErrNoLanguage):
		return nil, setupError{err}
	case err != nil:
		return nil, usageError{err}
	}
	showCardFields(e, f)
	code, err := f.CheckCodeB()
	if err != nil {
		return nil, usageError{fmt.Errorf("card image: %w", err)}
	}
	return code, nil
}

// showCardFields prints what OCR read, the personal parts masked unless
// stderr is a terminal.
func showCardFields(e env, f *cardocr.Fields) {
	printed, western, code := f.Printed, f.BirthDate.Format(time.DateOnly), f.SecurityCode
	note := ""
	if !e.stderrTerminal {
		printed, western, code = "****", "****-**-**", "****"
		note = " (birth date and security code masked: stderr is not a terminal)"
	}
	fmt.Fprintf(e.stderr, "taimen: read from the card image%s:\n", note)
	fmt.Fprintf(e.stderr, "  birth date     %s (%s form) = %s\n", printed, f.Form, western)
	fmt.Fprintf(e.stderr, "  expiry year    %d\n", f.ExpiryYear)
	fmt.Fprintf(e.stderr, "  security code  %s\n", code)
}
