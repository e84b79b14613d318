package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/taimen-dev/taimen/internal/safedir"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

func cmdRead(ctx context.Context, args []string, e env) int {
	fs := newFlagSet("read", e)
	var tf targetFlags
	tf.register(fs)
	asJSON := fs.Bool("json", false, "print stable JSON instead of a table")
	outDir := fs.String("out", "", "write the images (face.jp2, name.png, address.png, security-code.png, number.png) and result.json (the --json result with its outcome, personal data masked unless --reveal; also on failure) to this directory, owner-only")
	resultDir := fs.String("result", "", "write only result.json (as with --out, without the images) to this directory, owner-only: for a reader that must keep nothing personal, e.g. under certify-reader ('{out}')")
	reveal := fs.Bool("reveal", false, "show personal data (birth date, sex, expiry, number, text) instead of masking it")
	western := fs.Bool("western-birth-date", false, "check code B with a Western birth date (foreign residents' cards)")
	history := fs.String("history", "", "append one line per read to this file (default $TAIMEN_HISTORY or ~/.local/state/taimen/history.jsonl; \"-\" for none)")
	sign := fs.Bool("sign", false, "jpki: sign a test message with the authentication key (PIN) and, with a password, the signing key")
	useSM := fs.Bool("sm", false, "text: read over the text application's secure messaging (needs the PIN)")
	cardImage := fs.String("card-image", "", cardImageHelp)
	licenceKey := fs.String("licence-key", "", licenceKeyHelp)
	flow, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		flow, rest = args[0], args[1:]
	}
	if code, ok := parseFlags(fs, rest); !ok {
		return code
	}
	if fs.NArg() > 0 {
		// Not echoed: a user may have typed a secret there.
		fmt.Fprintf(e.stderr, "taimen read: %d unexpected argument(s) after the flags, not shown (secrets are never taken from the command line; use the prompt or TAIMEN_* variables)\n", fs.NArg())
		return exitUsage
	}
	switch flow {
	case "face", "surface-a", "text", "jpki", "licence":
	default:
		fmt.Fprintln(e.stderr, "taimen read: say what to read: face, surface-a, text, jpki or licence")
		return exitUsage
	}
	if *useSM && flow != "text" {
		fmt.Fprintln(e.stderr, "taimen read: --sm is for the text application")
		return exitUsage
	}
	// Secrets are gathered and validated before the card is touched: a typo costs no try.
	var secrets []myna.Secret
	var err error
	if *cardImage != "" {
		if flow != "face" {
			return exitCode(e, usagef("--card-image is for read face (check code B)"))
		}
		var code myna.Secret
		code, err = checkCodeBFromImage(ctx, *cardImage, *western, e)
		secrets = []myna.Secret{code}
	} else {
		secrets, err = gatherSecrets(flow, *sign, *western, e)
	}
	if err != nil {
		return exitCode(e, err)
	}
	if *useSM && secrets[0].Kind() != myna.SecretTextPIN {
		return exitCode(e, usagef("--sm needs the text PIN (%s): only the PIN opens a secure-messaging session", reader.EnvTextPIN))
	}
	if *resultDir != "" {
		if *outDir != "" {
			return exitCode(e, usagef("--result and --out both write result.json: give one"))
		}
		// Checked before the card is touched, as --out.
		if err := safedir.Prepare(*resultDir); err != nil {
			return exitCode(e, setupError{err})
		}
	}
	if *outDir != "" {
		if flow != "face" && flow != "surface-a" {
			return exitCode(e, usagef("--out saves the card-surface images: it is for read face and read surface-a"))
		}
		// Checked before the card is touched: a refused directory costs no try.
		if err := safedir.Prepare(*outDir); err != nil {
			return exitCode(e, setupError{err})
		}
	}
	var mem *reader.Rejected
	if tf.remembers() { // checked before the card is touched, as --out
		if mem, err = rejectedMemory(e); err != nil {
			return exitCode(e, err)
		}
	}
	t, anchors, err := tf.open(ctx)
	if err != nil {
		return exitCode(e, err)
	}
	defer t.Close()
	tr := reader.NewTrace(t, reader.TraceOptions{Reveal: *reveal})
	s := reader.NewSession(tr, tf.guard())
	s.Rejected = mem
	s.NoExtended, s.Chunk = tf.noExtend, tf.chunk
	opts := reader.ReadOptions{Anchors: anchors}
	var res any
	var authErr error
	app := map[string]string{"face": "surface", "surface-a": "surface", "text": "text", "jpki": "jpki", "licence": "licence"}[flow]
	switch flow {
	case "face", "surface-a":
		var f *reader.Face
		f, err = reader.ReadFace(ctx, s, secrets[0], opts)
		if err == nil {
			authErr = f.Authenticity.Err()
			res = f
			if *outDir != "" {
				err = writeImages(*outDir, map[string][]byte{"face.jp2": f.Signed.PhotoJP2, "name.png": f.Signed.NamePNG,
					"address.png": f.Signed.AddressPNG, "security-code.png": f.Unsigned.SecurityCodePNG, "number.png": f.NumberPNG})
			}
		}
	case "text":
		var txt *reader.Text
		if *useSM {
			txt, err = reader.ReadTextSM(ctx, s, secrets[0], opts)
		} else {
			txt, err = reader.ReadText(ctx, s, secrets[0], opts)
		}
		if err == nil {
			authErr = txt.Authenticity.Err()
			res = txt
		}
	case "licence":
		var l *reader.Licence
		pin := myna.Secret(nil)
		if len(secrets) > 0 {
			pin = secrets[0]
		}
		if l, err = readLicence(ctx, s, &tf, *licenceKey, pin, e); err == nil {
			authErr, res = l.SignatureErr, l
		}
	case "jpki":
		jo := reader.JPKIOptions{}
		if *sign {
			jo.AuthPIN = secrets[0]
		}
		if len(secrets) > 1 {
			jo.SignPassword = secrets[1]
		}
		var j *reader.JPKI
		j, err = reader.ReadJPKI(ctx, s, jo)
		if err == nil {
			res = j
			if !j.ChainOK {
				authErr = fmt.Errorf("%w: a JPKI certificate does not verify under the CA certificate on the card", reader.ErrNotAuthentic)
			}
		}
	}
	recordHistory(*history, e, t.Info(), app, flow, err, authErr, s)
	if dir := cmp.Or(*outDir, *resultDir); dir != "" {
		// The result at rest: what readJSON shows without --reveal, and the outcome; also on failure.
		if werr := writeResult(dir, resultJSON(flow, t.Info(), res, *reveal, err, authErr)); werr != nil && err == nil {
			err = werr
		}
	}
	if werr := writeTrace(tf.trace, tr); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return exitCode(e, err)
	}
	if *asJSON {
		if werr := writeJSON(e.stdout, resultJSON(flow, t.Info(), res, *reveal, nil, authErr)); werr != nil {
			return exitCode(e, werr)
		}
	} else {
		printRead(e.stdout, flow, t.Info(), res, *reveal)
	}
	if authErr != nil {
		return exitCode(e, authErr)
	}
	return exitOK
}

// gatherSecrets collects what a flow needs: from TAIMEN_* variables, else a
// no-echo prompt; never from argv.
func gatherSecrets(flow string, sign, western bool, e env) ([]myna.Secret, error) {
	var kinds []myna.SecretKind
	switch flow {
	case "face":
		kinds = []myna.SecretKind{myna.SecretCheckCodeB}
	case "surface-a":
		kinds = []myna.SecretKind{myna.SecretCheckCodeA}
	case "text":
		// The PIN opens both files; else check code A or B, whichever is set.
		for _, k := range []myna.SecretKind{myna.SecretTextPIN, myna.SecretCheckCodeA, myna.SecretCheckCodeB} {
			s, ok, err := reader.SecretFromEnv(e.getenv, k, western)
			if err != nil {
				return nil, usageError{err}
			}
			if ok {
				return []myna.Secret{s}, nil
			}
		}
		kinds = []myna.SecretKind{myna.SecretTextPIN}
	case "licence":
		// Only from the environment here (checked before the card is touched); the prompt comes
		// later, and only when the card says a PIN was set.
		s, err := licencePINFromEnv(e)
		if s == nil || err != nil {
			return nil, err
		}
		return []myna.Secret{s}, nil
	case "jpki":
		if !sign {
			return nil, nil
		}
		kinds = []myna.SecretKind{myna.SecretAuthPIN}
		if p, ok, err := reader.SecretFromEnv(e.getenv, myna.SecretSignPassword, western); err != nil {
			return nil, usageError{err}
		} else if ok {
			a, err := secretFor(myna.SecretAuthPIN, western, e)
			if err != nil {
				return nil, err
			}
			return []myna.Secret{a, p}, nil
		}
	}
	var out []myna.Secret
	for _, k := range kinds {
		s, err := secretFor(k, western, e)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func secretFor(k myna.SecretKind, western bool, e env) (myna.Secret, error) {
	s, ok, err := reader.SecretFromEnv(e.getenv, k, western)
	if err != nil {
		return nil, usageError{err}
	}
	if ok {
		return s, nil
	}
	if e.prompt == nil {
		return nil, fmt.Errorf("%s (%s): %w; set it in the environment (%s) or run on a terminal to be prompted",
			k, k.NameJA(), reader.ErrNoSecret, envNames(k))
	}
	if k == myna.SecretCheckCodeB {
		return promptCheckCodeB(e, western)
	}
	v, err := e.prompt(fmt.Sprintf("%s (%s)", k, k.NameJA()))
	if err != nil {
		return nil, err
	}
	s2, err := k.Parse(v)
	if err != nil {
		return nil, usageError{err}
	}
	return s2, nil
}

func envNames(k myna.SecretKind) string {
	switch k {
	case myna.SecretCheckCodeA:
		return reader.EnvCheckCodeA
	case myna.SecretCheckCodeB:
		return reader.EnvCheckCodeB + ", or " + reader.EnvBirthDate + " + " + reader.EnvExpiryYear + " + " + reader.EnvSecurityCode
	case myna.SecretTextPIN:
		return reader.EnvTextPIN + " (or " + reader.EnvCheckCodeA + " / " + reader.EnvCheckCodeB + ")"
	case myna.SecretAuthPIN:
		return reader.EnvAuthPIN
	case myna.SecretSignPassword:
		return reader.EnvSignPassword
	case myna.SecretLicencePIN:
		return reader.EnvLicencePIN
	}
	return "?"
}

// recordHistory appends one line: outcome and tries left, nothing personal.
func recordHistory(path string, e env, target reader.Target, app, flow string, err, authErr error, s *reader.Session) {
	if path == "-" {
		return
	}
	if path == "" {
		path = reader.DefaultHistoryPath(e.getenv)
	}
	h := reader.HistoryEntry{Time: time.Now().UTC(), Target: target.Kind, Reader: target.Reader, App: app, Flow: flow, Outcome: outcome(err, authErr)}
	var wc *reader.WrongCodeError
	switch {
	case errors.As(err, &wc):
		n := wc.Remaining
		h.TriesLeft = &n
	case err == nil && flow != "jpki":
		n := s.LastTries
		h.TriesLeft = &n
	}
	if herr := reader.AppendHistory(path, h); herr != nil {
		fmt.Fprintln(e.stderr, "taimen: warning:", herr)
	}
}

func outcome(err, authErr error) string {
	var wc *reader.WrongCodeError
	var nf *reader.NotFaceError
	switch {
	case errors.As(err, &nf):
		return string(nf.Kind) // "jpki-only-token" or "not-my-number-card"

	case err == nil && authErr == nil:
		return "ok"
	case err == nil:
		return "not-authentic"
	case errors.Is(err, reader.ErrBlocked):
		return "blocked"
	case errors.As(err, &wc):
		return "wrong-code"
	case errors.Is(err, reader.ErrRefused):
		return "refused"
	case errors.Is(err, reader.ErrCardRemoved), errors.Is(err, reader.ErrNoCard), errors.Is(err, reader.ErrTimeout):
		return "card-removed"
	}
	return "error"
}

// writeImages saves the images owner-only into dir (checked by safedir.Prepare before the read).
func writeImages(dir string, files map[string][]byte) error {
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if b := files[name]; len(b) > 0 {
			if err := safedir.WriteFile(dir, name, b); err != nil {
				return setupError{err}
			}
		}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
