package main

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/taimen-dev/taimen/internal/readfile"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// licenceKeyHelp describes read's --licence-key flag.
const licenceKeyHelp = "licence: PEM file of the issuing prefectures' public keys (PUBLIC KEY or CERTIFICATE blocks) that the licence signature (EF 001C) must verify under; " +
	"the --emulator or --test-ca profile's test key is trusted too"

// readLicence runs `taimen read licence`: the PIN from pin (TAIMEN_LICENCE_PIN, checked before
// the card is touched) or, only when the card says one was set, a no-echo prompt.
func readLicence(ctx context.Context, s *reader.Session, tf *targetFlags, keyFile string, pin myna.Secret, e env) (*reader.Licence, error) {
	keys, err := licenceIssuerKeys(tf, keyFile)
	if err != nil {
		return nil, err
	}
	opts := reader.LicenceOptions{IssuerKeys: keys, PIN: func() (myna.Secret, error) {
		if pin != nil {
			return pin, nil
		}
		return secretFor(myna.SecretLicencePIN, false, e)
	}}
	return reader.ReadLicence(ctx, s, opts)
}

// licencePINFromEnv reads TAIMEN_LICENCE_PIN, nil when unset; a malformed value is a usage error.
func licencePINFromEnv(e env) (myna.Secret, error) {
	s, ok, err := reader.SecretFromEnv(e.getenv, myna.SecretLicencePIN, false)
	if err != nil {
		return nil, usageError{err}
	}
	if !ok {
		return nil, nil
	}
	return s, nil
}

// licenceIssuerKeys collects the keys the licence signature may verify under: the file's, and
// the test key of the --emulator and --test-ca profiles.
func licenceIssuerKeys(tf *targetFlags, file string) ([]*rsa.PublicKey, error) {
	var out []*rsa.PublicKey
	for _, ref := range []string{tf.emulator, tf.testCA} {
		if ref == "" {
			continue
		}
		p, err := resolveProfile(ref)
		if err != nil {
			return nil, err
		}
		if p.Licence != nil {
			out = append(out, &p.Licence.IssuerKey().PublicKey)
		}
	}
	if file == "" {
		return out, nil
	}
	data, err := readfile.Regular(file, myna.MaxProfileFile)
	if err != nil {
		return nil, setupError{fmt.Errorf("--licence-key: %w", err)}
	}
	keys, err := parseLicenceKeys(data)
	if err != nil {
		return nil, setupError{fmt.Errorf("--licence-key %s: %w", file, err)}
	}
	return append(out, keys...), nil
}

// parseLicenceKeys reads RSA public keys from PUBLIC KEY and CERTIFICATE PEM blocks.
func parseLicenceKeys(data []byte) ([]*rsa.PublicKey, error) {
	var out []*rsa.PublicKey
	for n := 1; ; n++ {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			break
		}
		var pub any
		var err error
		switch b.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				pub = c.PublicKey
			}
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("PEM block %d: not an RSA key", n)
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no PUBLIC KEY or CERTIFICATE block")
	}
	return out, nil
}

// licenceFields renders a licence read: masked unless reveal (the number and dates are personal).
func licenceFields(r *reader.Licence, reveal bool) []field {
	signed := r.SignatureOK
	pinSet := "yes"
	if !r.PINSet {
		pinSet = "no (opened with " + myna.LicencePINNotSet + ")"
	}
	rec := r.Record
	ymd := func(t interface{ Format(string) string }) string { return t.Format("2006-01-02") }
	cats := make([]string, len(rec.Grants))
	for i, g := range rec.Grants {
		cats[i] = g.Category.NameJA + " " + ymd(g.Since)
	}
	conds := make([]string, len(rec.Conditions))
	for i, c := range rec.Conditions {
		conds[i] = c.NameJA
	}
	out := []field{
		{Name: "PIN set", Value: pinSet},
		{Name: "licence number", Value: show(rec.Number, reveal), Signed: signed},
		{Name: "issuing commission", Value: rec.Commission, Signed: signed},
		{Name: "issued", Value: show(ymd(rec.Issued), reveal), Signed: signed},
		{Name: "expiry", Value: show(ymd(rec.Expiry), reveal), Signed: signed},
		{Name: "categories", Value: show(strings.Join(cats, ", "), reveal), Signed: signed},
		{Name: "conditions", Value: show(strings.Join(conds, ", "), reveal), Signed: signed},
	}
	sig := "verified under the issuing prefecture's key"
	if !signed {
		sig = "NOT VERIFIED: " + r.SignatureErr.Error()
	}
	return append(out, field{Name: "signature", Value: sig, Signed: signed})
}
