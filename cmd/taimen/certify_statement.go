package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/taimen-dev/taimen/certify"
)

// The purposes of certify-reader and its verify subcommand (printed by -h).
func init() {
	purposes["certify-reader"] = `  taimen certify-reader --cmd '…' [--rules NAME] [--sign-key KEY [--subject FILE]] [flags]
  taimen certify-reader verify STATEMENT --key PUB [--subject FILE]

Certifies a card reader or reading app: runs the command under test once per scenario card
(emulated, behind a private pcscd), checks the rules of the selected rule set on what the card
saw and on what the command did, and writes the report (JSON, JUnit, HTML) to --out. With
--sign-key, also writes statement.intoto.json: an in-toto Statement signed with Ed25519 in a
DSSE envelope, over the SHA-256 of each report (and of --subject), which "verify" checks.
` + certifyContract
	purposes["certify-reader verify"] = `  taimen certify-reader verify STATEMENT --key PUB [--subject FILE]

Checks a statement written by certify-reader --sign-key: its DSSE signature with the Ed25519
public key PUB (PEM, as "openssl pkey -in KEY -pubout" writes it), that it is taimen's
certification statement, and the SHA-256 of every subject: the reports are looked up by name
beside STATEMENT; the reader's executable at --subject, else by name beside STATEMENT.
`
}

// The examples of certify-reader and its verify subcommand (printed by -h).
func init() {
	examples["certify-reader"] = "  taimen certify-reader --list                 # scenarios, rule sets, rules\n" +
		"  taimen certify-reader --cmd \"taimen read face --reader '{reader}' --test-ca p01-showa --json\" --out cert\n" +
		"  taimen certify-reader --cmd 'my-reader \"{reader}\"' --rules face-to-face-2027 --sign-key key.pem --subject ./my-reader\n" +
		"  TAIMEN_CHECK_CODE_B=… taimen certify-reader --relay '#0' --cmd \"my-reader --reader '{reader}'\"   # a physical card, relayed\n" +
		"  taimen certify-reader verify cert/statement.intoto.json --key pub.pem\n"
	examples["certify-reader verify"] = "  taimen certify-reader verify cert/statement.intoto.json --key pub.pem\n" +
		"  taimen certify-reader verify cert/statement.intoto.json --key pub.pem --subject ./my-reader\n"
}

// statementFlags are certify-reader's rule-set and signing flags.
type statementFlags struct {
	rules, signKey, subject string

	ruleSet certify.RuleSet
	key     ed25519.PrivateKey
}

func (s *statementFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.rules, "rules", certify.RuleSetAll, "rule set to judge: "+strings.Join(certify.RuleSetNames(), ", ")+" (see --list); rules outside it are not judged")
	fs.StringVar(&s.signKey, "sign-key", "", "Ed25519 private key (PEM PKCS#8, owner-only: openssl genpkey -algorithm ed25519 -out KEY; chmod 600 KEY): also write a signed "+certify.FileStatement)
	fs.StringVar(&s.subject, "subject", "", "with --sign-key: the reader's executable, whose SHA-256 the statement also signs")
}

// check resolves the rule set and loads the signing key, before anything runs.
func (s *statementFlags) check(e env) (code int, ok bool) {
	set, err := certify.LookupRuleSet(s.rules)
	switch {
	case errors.Is(err, certify.ErrUnknownRuleSet):
		fmt.Fprintln(e.stderr, "taimen certify-reader: --rules:", err)
		return exitUsage, false
	case err != nil:
		fmt.Fprintln(e.stderr, "taimen certify-reader: --rules:", err)
		return exitError, false
	}
	s.ruleSet = set
	if s.subject != "" && s.signKey == "" {
		fmt.Fprintln(e.stderr, "taimen certify-reader: --subject needs --sign-key (it names a file the signed statement covers)")
		return exitUsage, false
	}
	if s.subject != "" {
		if st, err := os.Stat(s.subject); err != nil || !st.Mode().IsRegular() {
			fmt.Fprintf(e.stderr, "taimen certify-reader: --subject %s: not a regular file (%v)\n", s.subject, err)
			return exitUsage, false
		}
	}
	if s.signKey != "" {
		if s.key, err = certify.LoadSigningKey(s.signKey); err != nil {
			fmt.Fprintln(e.stderr, "taimen certify-reader: --sign-key:", err)
			return exitSetup, false
		}
	}
	return exitOK, true
}

// sign writes the signed statement beside the reports, if a key was given,
// and returns paths with the statement's path added.
func (s *statementFlags) sign(ctx context.Context, rep *certify.Report, dir string, paths []string) ([]string, error) {
	if s.key == nil {
		return paths, nil
	}
	path, err := rep.WriteStatement(ctx, dir, paths, s.key, certify.StatementOptions{Version: version, Subject: s.subject})
	if err != nil {
		return paths, err
	}
	return append(paths, path), nil
}

// cmdCertifyVerify is "taimen certify-reader verify STATEMENT --key PUB".
func cmdCertifyVerify(ctx context.Context, args []string, e env) int {
	fs := newFlagSet("certify-reader verify", e)
	keyPath := fs.String("key", "", "Ed25519 public key (PEM SubjectPublicKeyInfo: openssl pkey -in KEY -pubout -out PUB)")
	subject := fs.String("subject", "", "the reader's executable, checked against the statement's reader subject (default: by name beside STATEMENT)")
	var pos []string
	for rest := args; ; {
		if code, ok := parseFlags(fs, rest); !ok {
			return code
		}
		if fs.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if len(pos) != 1 || *keyPath == "" {
		fmt.Fprintln(e.stderr, "taimen certify-reader verify: give one STATEMENT and --key PUB, e.g. taimen certify-reader verify cert/statement.intoto.json --key pub.pem")
		return exitUsage
	}
	pub, err := certify.LoadVerifyingKey(*keyPath)
	if err != nil {
		fmt.Fprintln(e.stderr, "taimen certify-reader verify: --key:", err)
		return exitSetup
	}
	v, err := certify.VerifyStatement(ctx, pos[0], pub, certify.VerifyOptions{Subject: *subject})
	switch {
	case certify.IsVerifyFailure(err):
		fmt.Fprintln(e.stderr, "taimen certify-reader verify: NOT VERIFIED:", err)
		return exitNotVerified
	case err != nil:
		fmt.Fprintln(e.stderr, "taimen certify-reader verify:", err)
		return exitError
	}
	p := v.Predicate
	fmt.Fprintf(e.stdout, "verified: %s, signed by key %s\n", pos[0], v.KeyID)
	for _, s := range v.Subjects {
		fmt.Fprintf(e.stdout, "  sha256 %s  %s (%s)\n", s.SHA256, s.Path, s.Role)
	}
	fmt.Fprintf(e.stdout, "rule set %s: verdict %s (%s, profile %s, %d scenarios, run %s)\n",
		p.RuleSet, p.Verdict, p.Tool, p.Profile, len(p.Scenarios), p.StartedAt.Format("2006-01-02 15:04:05Z07:00"))
	return exitOK
}
