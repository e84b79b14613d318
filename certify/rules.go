package certify

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Severity says how much a rule matters: a failed must-rule fails the
// certification; a failed should-rule is reported but does not.
type Severity string

// The severities.
const (
	Must   Severity = "must"
	Should Severity = "should"
)

// Rule is one requirement on the reader under test, checked on the APDU
// stream the emulator recorded and on what the command did.
type Rule struct {
	// ID is stable across versions, e.g. "RR-001".
	ID string `json:"id"`
	// Severity is must or should.
	Severity Severity `json:"severity"`
	// Title states the requirement.
	Title string `json:"title"`
	// Checks says how the requirement is checked.
	Checks string `json:"checks"`
	// Scenarios lists where the rule applies; empty means every scenario.
	Scenarios []string `json:"scenarios,omitempty"`

	check func(*evidence) (ok bool, message string)
}

// appliesTo reports whether the rule is checked in the scenario.
func (r Rule) appliesTo(name string) bool {
	return len(r.Scenarios) == 0 || slices.Contains(r.Scenarios, name)
}

// maxVerifyOnBlocked bounds the VERIFY commands (with or without data) a
// reader may send to a blocked card before reporting it.
const maxVerifyOnBlocked = 6

// maxExtendedRefused bounds the extended-length commands a reader may see
// refused (6700) before it falls back for good.
const maxExtendedRefused = 3

var rules = []Rule{
	{ID: "RR-001", Severity: Must, Title: "reads the remaining tries before VERIFY",
		Checks: "for every key reference, an empty VERIFY (a tries query) precedes the first VERIFY with data on the same key",
		check:  checkTriesFirst},
	{ID: "RR-002", Severity: Must, Title: "never sends a rejected code again",
		Checks: "no VERIFY with data repeats a value the card already rejected (63Cx or 6984); values are compared by a salted hash, never stored",
		check:  checkNoRepeat},
	{ID: "RR-003", Severity: Must, Title: "never uses the last try",
		Checks:    "no VERIFY with data on a key with one try left (as the card said, or as preset)",
		Scenarios: []string{"one-try-left"}, check: checkLastTry},
	{ID: "RR-004", Severity: Must, Title: "reports a blocked card instead of looping",
		Checks:    fmt.Sprintf("at most one VERIFY with data per blocked key, at most %d VERIFY commands in all, and a non-zero exit", maxVerifyOnBlocked),
		Scenarios: []string{"blocked"}, check: checkBlocked},
	{ID: "RR-005", Severity: Must, Title: "verifies the signature and rejects forged data",
		Checks:    "exits non-zero, or says the card is not authentic",
		Scenarios: []string{"forged-data"}, check: checkRejects("forged data")},
	{ID: "RR-006", Severity: Must, Title: "verifies the certificate chain and rejects an unknown CA",
		Checks:    "exits non-zero, or says the card is not authentic",
		Scenarios: []string{"unknown-ca"}, check: checkRejects("a certificate from an unknown CA")},
	{ID: "RR-007", Severity: Must, Title: "proves the chip is live and rejects a clone",
		Checks:    fmt.Sprintf("a card-key signature 80 2A 00 00 answered 9000 over fresh data: at least %d bytes, never signed before in this certification (the reader's own unpredictable nonce, or a digest over the card's GET CHALLENGE; a constant or repeating nonce lets a recorded signature be replayed); on the clone, exits non-zero or says the card is not authentic", minLivenessData),
		Scenarios: []string{"good", "clone"}, check: checkLiveness},
	{ID: "RR-008", Severity: Must, Title: "does not present the unsigned expiry or security code as verified",
		Checks:    "taimen-style JSON: the expiry and security-code fields are not marked signed; other output: heuristic (see the package documentation)",
		Scenarios: []string{"good", "changed-expiry"}, check: checkUnsigned},
	{ID: "RR-009", Severity: Should, Title: "falls back to short reads when extended length is refused",
		Checks:    fmt.Sprintf("the read still succeeds (exit 0) and at most %d extended-length commands are refused", maxExtendedRefused),
		Scenarios: []string{"no-extended"}, check: checkShortFallback},
	{ID: "RR-010", Severity: Must, Title: "finishes or fails within the deadline",
		Checks: "the command exits before the scenario's deadline; otherwise its process group is killed",
		check:  checkDeadline},
	{ID: "RR-011", Severity: Must, Title: "never prints or logs a check code or PIN",
		Checks: "the card's check codes and PINs (and the wrong code given) appear nowhere in stdout, stderr, the files written anywhere in the sandbox, the command lines of its processes or their environment (except the TAIMEN_* inputs), in ASCII, hex, base64 or \\u escapes",
		check:  checkNoLeak},
	{ID: "RR-012", Severity: Must, Title: "reads a genuine card",
		Checks:    "exits 0 on a genuine card, also a slow one and ones whose files are larger or smaller than usual",
		Scenarios: []string{"good", "slow", variantLarger, variantSmaller, "image-only", "manual-date"}, check: checkReads},
	{ID: "RR-013", Severity: Must, Title: "reports a failed read as a failure",
		Checks:    "exits non-zero when the code was wrong or the card was pulled mid-read",
		Scenarios: []string{"wrong-code", "torn"}, check: checkReportsFailure},
	{ID: "RR-014", Severity: Must, Title: "keeps no personal data at rest",
		Checks: "no file the command wrote (anywhere, {out} included) holds the card's name, address, birth date, individual number, images, serial, certificates, check codes or PINs, in any common encoding; only a declared record store (--records) may, and what it holds is listed",
		check:  checkAtRest},
	{ID: "RR-015", Severity: Must, Title: "sends nothing off the machine",
		Checks: "no process of the command connects or sends a datagram to an IPv4 or IPv6 address (loopback included) or makes a DNS lookup, except to endpoints declared with --allow-net (strace, outside the sandbox)",
		check:  checkNoNetwork},
	ruleRightCheckCodeB,
	{ID: "RR-017", Severity: Must, Title: "fails cleanly on a card that is not a My Number Card's face",
		Checks:    "on a phone's JPKI-only token and on a card with no My Number application: sends no VERIFY at all, exits non-zero within the deadline, and says why ({out}/result.json's outcome or error, else a phrase in its output)",
		Scenarios: []string{scenarioJPKIToken, scenarioNotMyNumber}, check: checkNotCardFace},
	ruleNextGeneration,
}

// Rules returns every rule, sorted by ID.
func Rules() []Rule {
	out := slices.Clone(rules)
	for i := range out {
		out[i].Scenarios = slices.Clone(out[i].Scenarios)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func exitDesc(ev *evidence) string {
	if ev.timedOut {
		return "was killed at the deadline"
	}
	if ev.exitCode < 0 {
		return "was killed by a signal"
	}
	return fmt.Sprintf("exited %d", ev.exitCode)
}

func checkTriesFirst(ev *evidence) (bool, string) {
	queried := map[string]bool{}
	var bad []string
	seen := map[string]bool{}
	for _, v := range ev.verifies {
		switch {
		case v.value == 0:
			queried[v.key] = true
		case !seen[v.key]:
			seen[v.key] = true
			if !queried[v.key] {
				bad = append(bad, fmt.Sprintf("%s (#%d)", v.key, v.seq))
			}
		}
	}
	if len(bad) > 0 {
		return false, "no empty VERIFY before the first VERIFY with data on " + strings.Join(bad, ", ")
	}
	if len(seen) == 0 {
		return true, "sent no VERIFY with data"
	}
	return true, "queried the tries before the first VERIFY with data on each key"
}

func checkNoRepeat(ev *evidence) (bool, string) {
	type rejection struct {
		key string
		seq int
	}
	rejectedAt := map[int]rejection{} // value → where the card first rejected it
	type resend struct {
		value int
		key   string
	}
	again := map[resend]int{}
	var order []resend
	for _, v := range ev.verifies {
		if v.value == 0 {
			continue
		}
		if _, ok := rejectedAt[v.value]; ok {
			r := resend{v.value, v.key}
			if again[r] == 0 {
				order = append(order, r)
			}
			again[r]++
		}
		if _, ok := rejectedAt[v.value]; !ok && v.rejected() {
			rejectedAt[v.value] = rejection{v.key, v.seq}
		}
	}
	if len(order) == 0 {
		return true, "never repeated a rejected value"
	}
	parts := make([]string, len(order))
	for i, r := range order {
		first := rejectedAt[r.value]
		where := fmt.Sprintf("rejected at #%d", first.seq)
		if first.key != r.key {
			where = fmt.Sprintf("rejected on %s at #%d", first.key, first.seq)
		}
		parts[i] = fmt.Sprintf("value #%d on %s (%s, sent again %d time(s))", r.value, r.key, where, again[r])
	}
	return false, "sent VERIFY with data twice with the same value after the card rejected it: " + strings.Join(parts, "; ")
}

func checkLastTry(ev *evidence) (bool, string) {
	for _, v := range ev.verifies {
		if v.value != 0 && v.triesBefore == 1 {
			return false, fmt.Sprintf("sent VERIFY with data on %s with one try left (#%d): a wrong code would have blocked it", v.key, v.seq)
		}
	}
	return true, "did not send VERIFY with data on a key with one try left"
}

func checkBlocked(ev *evidence) (bool, string) {
	withData := map[string]int{}
	for _, v := range ev.verifies {
		if v.value != 0 {
			withData[v.key]++
		}
	}
	for _, key := range sortedKeys(withData) {
		if withData[key] > 1 {
			return false, fmt.Sprintf("sent %d VERIFY commands with data to blocked %s", withData[key], key)
		}
	}
	switch {
	case len(ev.verifies) > maxVerifyOnBlocked:
		return false, fmt.Sprintf("sent %d VERIFY commands to a blocked card (at most %d allowed): looping", len(ev.verifies), maxVerifyOnBlocked)
	case ev.timedOut:
		return false, "did not finish on a blocked card (killed at the deadline)"
	case ev.exitCode == 0:
		return false, "exited 0 on a blocked card: the block was not reported"
	}
	return true, fmt.Sprintf("%s after %d VERIFY command(s)", exitDesc(ev), len(ev.verifies))
}

func checkRejects(what string) func(*evidence) (bool, string) {
	return func(ev *evidence) (bool, string) {
		switch {
		case ev.timedOut:
			return false, fmt.Sprintf("did not finish on %s (killed at the deadline)", what)
		case ev.exitCode != 0:
			return true, fmt.Sprintf("rejected %s: %s", what, exitDesc(ev))
		case ev.result != nil && ev.result.rejects():
			return true, fmt.Sprintf("exited 0 but its %s says the card is not authentic (%s)", ResultFile, what)
		case ev.result != nil:
			return false, fmt.Sprintf("accepted %s: exited 0 and its %s says authentic", what, ResultFile)
		case saysNotAuthentic(ev.output(), ev.stdout):
			return true, fmt.Sprintf("exited 0 but said the card is not authentic (%s)", what)
		}
		return false, fmt.Sprintf("accepted %s: exited 0 and did not say the card is not authentic", what)
	}
}

func checkLiveness(ev *evidence) (bool, string) {
	ok, msg := ev.liveness()
	if !ok {
		return false, msg
	}
	if ev.sc.Name == "clone" {
		return checkRejects("a clone")(ev)
	}
	return true, msg
}

func checkUnsigned(ev *evidence) (bool, string) {
	bad, where := unsignedPresentedAsVerified(ev.stdout, ev.stderr, ev.expiry)
	if bad {
		return false, "presented the unsigned expiry date or security code as verified (" + where + ")"
	}
	return true, "did not present the expiry date or security code as verified"
}

func checkShortFallback(ev *evidence) (bool, string) {
	refused, ext := 0, 0
	for _, e := range ev.trace {
		if e.Event == "" && e.Extended {
			ext++
			if e.answered && e.SW == "6700" {
				refused++
			}
		}
	}
	switch {
	case refused > maxExtendedRefused:
		return false, fmt.Sprintf("kept sending extended-length commands: %d refused with 6700", refused)
	case ev.timedOut || ev.exitCode != 0:
		return false, fmt.Sprintf("the read failed after the card refused extended length (%s)", exitDesc(ev))
	case ext == 0:
		return true, "used short APDUs only; the read succeeded"
	}
	return true, fmt.Sprintf("fell back to short reads after %d refused extended-length command(s); the read succeeded", refused)
}

func checkDeadline(ev *evidence) (bool, string) {
	if ev.timedOut {
		return false, fmt.Sprintf("did not finish within %s; its process group was killed", ev.deadline)
	}
	return true, exitDesc(ev) + " within the deadline"
}

func checkNoLeak(ev *evidence) (bool, string) {
	if len(ev.leaks) == 0 {
		return true, "no check code or PIN in stdout, stderr, the files written, or its processes' command lines and environment"
	}
	parts := make([]string, len(ev.leaks))
	for i, l := range ev.leaks {
		parts[i] = fmt.Sprintf("%s (%s) in %s", l.Secret, l.Form, l.Where)
	}
	return false, "printed or logged a secret: " + strings.Join(parts, "; ")
}

func checkReads(ev *evidence) (bool, string) {
	if ev.timedOut || ev.exitCode != 0 {
		return false, fmt.Sprintf("did not read a genuine card: %s", exitDesc(ev))
	}
	return true, "read the card (exit 0)"
}

func checkReportsFailure(ev *evidence) (bool, string) {
	what := map[string]string{"wrong-code": "the card rejected the code", "torn": "the card was pulled mid-read"}[ev.sc.Name]
	switch {
	case ev.timedOut:
		return false, fmt.Sprintf("did not finish after %s (killed at the deadline)", what)
	case ev.exitCode == 0:
		return false, fmt.Sprintf("exited 0 although %s", what)
	}
	return true, fmt.Sprintf("%s after %s", exitDesc(ev), what)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
