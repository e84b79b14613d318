package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"github.com/taimen-dev/taimen/discover"
	"github.com/taimen-dev/taimen/internal/safedir"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

func init() {
	purposes["discover"] = `  taimen discover [--reader NAME] [--out FILE] [--json] [--allow-spend]

Learns how a card behaves where CARD.md leaves the answer open, and prints a behaviour block in
the profile schema (ready to paste into a profile) with a report: each CARD.md default
confirmed, contradicted or unknown, the ATR, the reader and its driver, the date. It also
records the card's median latency for plain commands (plain_latency_ms), from which run
--behaviour bounds the timing area's SELECTs and empty VERIFYs. Without
codes it sends only what cannot change a counter. A correct code in the environment
(TAIMEN_CHECK_CODE_B, or TAIMEN_BIRTH_DATE + TAIMEN_EXPIRY_YEAR + TAIMEN_SECURITY_CODE;
TAIMEN_TEXT_PIN; TAIMEN_AUTH_PIN; TAIMEN_SIGN_PASSWORD; TAIMEN_CHECK_CODE_A) also answers
what it reveals at no cost. --allow-spend answers what only a spent try answers, on check code B
(needed, to restore the counter at once; refused below 3 tries, and under the floor guard).
The output holds no personal data, no serial, no certificate: it is meant to be shared.
`
	examples["discover"] = "  taimen discover --reader '#0'\n" +
		"  TAIMEN_CHECK_CODE_B=… taimen discover --reader '#0' --out behaviour.json\n" +
		"  TAIMEN_CHECK_CODE_B=… taimen discover --reader '#0' --allow-spend --json\n"
}

func cmdDiscover(ctx context.Context, args []string, e env) int {
	fs := newFlagSet("discover", e)
	var tf targetFlags
	tf.register(fs)
	out := fs.String("out", "", "also write the discover document (JSON) to this file, atomically")
	asJSON := fs.Bool("json", false, "print the discover document as JSON instead of a table")
	allowSpend := fs.Bool("allow-spend", false, "answer the questions only a spent try answers; needs check code B in the environment, restores the counter")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return exitCode(e, usagef("discover takes no arguments (codes come from TAIMEN_* variables)"))
	}
	codes := map[myna.SecretKind]myna.Secret{}
	for _, k := range []myna.SecretKind{myna.SecretCheckCodeB, myna.SecretCheckCodeA, myna.SecretTextPIN, myna.SecretAuthPIN, myna.SecretSignPassword} {
		s, ok, err := reader.SecretFromEnv(e.getenv, k, false)
		if err != nil {
			return exitCode(e, usageError{err})
		}
		if ok {
			codes[k] = s
		}
	}
	if *allowSpend && codes[myna.SecretCheckCodeB] == nil {
		return exitCode(e, usagef("--allow-spend needs the correct check code B in %s (or its parts), to restore the counter", reader.EnvCheckCodeB))
	}
	if *out != "" {
		if err := safedir.Prepare(filepath.Dir(*out)); err != nil {
			return exitCode(e, setupError{err})
		}
	}
	var mem *reader.Rejected
	if tf.remembers() {
		var err error
		if mem, err = rejectedMemory(e); err != nil {
			return exitCode(e, err)
		}
	}
	t, _, err := tf.open(ctx)
	if err != nil {
		return exitCode(e, err)
	}
	defer t.Close()
	tr := reader.NewTrace(t, reader.TraceOptions{})
	s := reader.NewSession(tr, reader.DefaultGuard)
	if !tf.isPhysical {
		s = reader.NewSession(tr, tf.guard())
	}
	s.Rejected = mem
	doc, err := discover.Discover(ctx, s, discover.Options{Codes: codes, AllowSpend: *allowSpend, Reader: t.Info().Reader, Driver: driverVersion(t)})
	if werr := writeTrace(tf.trace, tr); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return exitCode(e, err)
	}
	if *out != "" {
		var b bytes.Buffer
		if err := writeJSON(&b, doc); err != nil {
			return exitCode(e, err)
		}
		if err := safedir.WriteFile(filepath.Dir(*out), filepath.Base(*out), b.Bytes()); err != nil {
			return exitCode(e, fmt.Errorf("write %s: %w", *out, err))
		}
	}
	if *asJSON {
		return exitCode(e, writeJSON(e.stdout, doc))
	}
	return exitCode(e, doc.WriteTable(e.stdout))
}

// driverVersion is the reader driver's version where the transport exposes it (PC/SC:
// SCardGetAttrib of the vendor IFD version), "unknown" otherwise.
func driverVersion(t reader.Transport) string {
	if d, ok := t.(interface{ DriverVersion() string }); ok {
		if v := d.DriverVersion(); v != "" {
			return v
		}
	}
	return "unknown"
}
