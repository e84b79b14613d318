package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/taimen-dev/taimen/certify"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*s = append(*s, x)
		}
	}
	return nil
}

// cmdCertify runs the reader-conformance certification: the command under
// test against every scenario card, then the reports.
//
// Exit codes: 0 certified (every must-rule passed), 8 not certified, 1 the
// run failed or a scenario could not be run, 2 usage, 9 an unusable signing key.
// "certify-reader verify" checks a signed statement (cmdCertifyVerify).
func cmdCertify(ctx context.Context, args []string, e env) int {
	if len(args) > 0 && args[0] == "verify" {
		return cmdCertifyVerify(ctx, args[1:], e)
	}
	fs := newFlagSet("certify-reader", e)
	command := fs.String("cmd", "", "the reader under test, run with sh -c; {reader} is the PC/SC reader name, {out} a scratch directory, {card_image} a PNG of the card's front (quote them: '{reader}'); "+
		"TAIMEN_CHECK_CODE_B is given except in image-only (the image only) and manual-date (TAIMEN_BIRTH_DATE, TAIMEN_EXPIRY_YEAR, TAIMEN_SECURITY_CODE)")
	profile := fs.String("profile", "p01-showa", profileHelp("the scenario cards' profile"))
	out := fs.String("out", "certification", "directory for the reports (certification.json, .junit.xml, .html)")
	timeout := fs.Duration("timeout", certify.DefaultTimeout, "deadline of the whole reader command in each scenario (per scenario, not per APDU)")
	list := fs.Bool("list", false, "list the scenarios and rules, and exit")
	uid := fs.Int("uid", certify.DefaultUID, "unprivileged uid (and gid) the command runs as in its sandbox; it must be able to read and run the reader")
	var scenarios, allowNet stringList
	records := fs.String("records", "", "a record store the reader keeps by law, as the reader sees it ('{out}/records', '~/records'): personal data there does not fail RR-014, but the report lists it")
	fs.Var(&scenarios, "scenario", "run only this scenario (repeatable, or comma-separated); default all")
	fs.Var(&allowNet, "allow-net", "a network endpoint HOST:PORT the reader needs (repeatable): RR-015 accepts attempts to it and the report lists it; the sandbox still has loopback only")
	relayReader := fs.String("relay", "", "certify against the physical card in this PC/SC reader (name, '#N' or a substring), relayed to the reader under test with each scenario's faults; "+
		"runs only "+strings.Join(certify.RelayScenarios(), ", ")+" (the others are reported skipped); the card's correct check code B comes from TAIMEN_CHECK_CODE_B, wrong-code's spent tries are restored with it, and wrong-code is refused below 3 tries")
	var sf statementFlags
	sf.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "taimen certify-reader: %d unexpected argument(s); give the reader under test with --cmd\n", fs.NArg())
		return exitUsage
	}
	if *list {
		printCertifyList(e)
		return exitOK
	}
	if strings.TrimSpace(*command) == "" {
		fmt.Fprintln(e.stderr, "taimen certify-reader: --cmd is required, e.g. --cmd \"taimen read face --reader '{reader}' --test-ca p01-showa --json\"")
		return exitUsage
	}
	if *timeout <= 0 {
		fmt.Fprintln(e.stderr, "taimen certify-reader: --timeout must be positive")
		return exitUsage
	}
	if *uid <= 0 {
		fmt.Fprintln(e.stderr, "taimen certify-reader: --uid must be an unprivileged uid (not 0)")
		return exitUsage
	}
	if err := certify.ValidateAllowNet(allowNet); err != nil {
		fmt.Fprintln(e.stderr, "taimen certify-reader:", err)
		return exitUsage
	}
	known := map[string]bool{}
	for _, s := range certify.Scenarios() {
		known[s.Name] = true
	}
	for _, s := range scenarios {
		if !known[s] {
			fmt.Fprintf(e.stderr, "taimen certify-reader: unknown scenario %q (see --list)\n", s)
			return exitUsage
		}
	}
	if code, ok := sf.check(e); !ok {
		return code
	}
	var code myna.Secret
	if *relayReader != "" {
		c, ok, err := reader.SecretFromEnv(e.getenv, myna.SecretCheckCodeB, false)
		if err != nil {
			return exitCode(e, usageError{err})
		}
		if !ok {
			return exitCode(e, usagef("--relay needs the physical card's correct check code B in %s (never on the command line)", reader.EnvCheckCodeB))
		}
		code = c
	}
	var p *myna.Profile
	if code == nil {
		var err error
		if p, err = resolveProfile(*profile); err != nil {
			return exitCode(e, err)
		}
	}
	if err := certify.Available(); err != nil {
		fmt.Fprintln(e.stderr, "taimen certify-reader:", err)
		return exitError
	}
	n := len(scenarios)
	if n == 0 {
		n = len(certify.Scenarios())
	}
	o := certify.Options{
		Command: *command, Profile: p, Scenarios: scenarios, Timeout: *timeout,
		Progress: e.stderr, Tool: "taimen " + version, UID: *uid, AllowNet: allowNet, Records: *records, RuleSet: sf.ruleSet.Name,
	}
	var rep *certify.Report
	var err error
	if code != nil {
		fmt.Fprintf(e.stderr, "certifying %q against the physical card in %q, relayed, in %d scenario(s)…\n", *command, *relayReader, n)
		rep, err = certify.RunRelay(ctx, certify.RelayOptions{Options: o, Reader: *relayReader, CheckCodeB: code})
	} else {
		fmt.Fprintf(e.stderr, "certifying %q against %d scenario(s) of profile %s…\n", *command, n, p.ID)
		rep, err = certify.Run(ctx, o)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "taimen certify-reader:", err)
		return exitError
	}
	paths, err := rep.WriteFiles(*out)
	if err != nil {
		fmt.Fprintln(e.stderr, "taimen certify-reader: write the reports:", err)
		return exitError
	}
	if paths, err = sf.sign(ctx, rep, *out, paths); err != nil {
		fmt.Fprintln(e.stderr, "taimen certify-reader:", err)
		return exitError
	}
	printCertifySummary(e, rep, paths)
	switch rep.Verdict {
	case certify.VerdictPass:
		return exitOK
	case certify.VerdictFail:
		return exitNotCertified
	}
	return exitError
}

func printCertifySummary(e env, rep *certify.Report, paths []string) {
	verdict := map[certify.Verdict]string{certify.VerdictPass: "CERTIFIED", certify.VerdictFail: "NOT CERTIFIED", certify.VerdictError: "INCOMPLETE (a scenario could not be run)"}[rep.Verdict]
	fmt.Fprintf(e.stdout, "verdict: %s — %d passed, %d must-failures, %d should-failures, %d errors\n",
		verdict, rep.Summary.Pass, rep.Summary.MustFail, rep.Summary.ShouldFail, rep.Summary.Error)
	fmt.Fprintf(e.stdout, "rule set: %s (%d rules)\n", rep.RuleSet, len(rep.Rules))
	titles := map[string]string{}
	for _, r := range rep.Rules {
		titles[r.ID] = string(r.Severity) + "  " + r.Title
	}
	if len(rep.FailedRules) > 0 {
		fmt.Fprintln(e.stdout, "failed rules:")
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		for _, id := range rep.FailedRules {
			var where []string
			for _, sc := range rep.Scenarios {
				for _, res := range sc.Results {
					if res.Rule == id && res.Outcome == certify.OutcomeFail {
						where = append(where, sc.Name)
					}
				}
			}
			fmt.Fprintf(tw, "  %s\t%s\t(%s)\n", id, titles[id], strings.Join(where, ", "))
		}
		tw.Flush()
	}
	for _, p := range paths {
		fmt.Fprintln(e.stdout, "report:", p)
	}
}

func printCertifyList(e env) {
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "scenarios:")
	for _, s := range certify.Scenarios() {
		fmt.Fprintf(tw, "  %s\t%s\n", s.Name, s.Card)
	}
	fmt.Fprintln(tw, "\nrule sets (--rules):")
	for _, s := range certify.RuleSets() {
		fmt.Fprintf(tw, "  %s\t%s\t(%s)\n", s.Name, s.Title, strings.Join(s.Rules, " "))
	}
	fmt.Fprintln(tw, "\nrules:")
	for _, r := range certify.Rules() {
		where := "all scenarios"
		if len(r.Scenarios) > 0 {
			where = strings.Join(r.Scenarios, ", ")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t(%s)\n", r.ID, r.Severity, r.Title, where)
	}
	tw.Flush()
}
