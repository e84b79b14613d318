package suites

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// absentApp returns why a spec of application app (Meta.App) cannot run on the target's card,
// or "": the profile's generation declares which applications exist (the provisional
// next-generation card has two), and a spec of another one is skipped with the reason. A
// physical card (no profile) and a spec of the card as a whole ("card") always run.
func absentApp(app string) string {
	t := Current()
	if t == nil || t.Profile == nil {
		return ""
	}
	a, err := myna.ParseApp(app)
	if err != nil || a == myna.LicenceAP || HasApp(a) {
		return "" // the licence specs decide for themselves (NeedLicence, NoLicence)
	}
	if !t.Profile.Card.Form.Has(a) {
		return fmt.Sprintf("the card has no %s application (profile %s is a %s, which carries %s)", a, t.Profile.ID, t.Profile.Card.Form, carries(t.Profile.Card.Form))
	}
	return fmt.Sprintf("the card has no %s application (profile %s, generation %s)", a, t.Profile.ID, t.Profile.Generation.Label())
}

// HasApp reports whether the target's card has application a: what its profile declares —
// the form (a phone's token carries JPKI alone) and the generation (the provisional
// next-generation card has two) — and every application on a physical card (whose SELECT
// answers tell).
func HasApp(a myna.App) bool {
	t := Current()
	switch {
	case t == nil || t.Profile == nil:
		return true
	case a == myna.LicenceAP: // on a card whose holder linked a licence (the profile's licence section)
		return t.Profile.Licence != nil
	}
	return t.Profile.Card.Form.Has(a) && t.Profile.Generation.Has(a)
}

// Present returns the keys whose application the target's card has (HasApp), in order: a spec
// of every check code B key runs on surface/0012 alone on the next-generation card.
func Present(keys ...Key) []Key {
	var out []Key
	for _, k := range keys {
		if HasApp(k.App) {
			out = append(out, k)
		}
	}
	return out
}

// skipIfAbsent skips the spec, with the reason, when a SELECT by AID it expected to succeed
// answered 6A82 for an application the target's profile says the card does not have: the spec
// needs an application of another card generation (a check of that 6A82 expects it and runs).
func skipIfAbsent(cmd apdu.Command, got, want apdu.StatusWord) {
	if cmd.INS != 0xA4 || cmd.P1 != 0x04 || want != apdu.SWSuccess || got != apdu.SWFileNotFound {
		return
	}
	a, ok := myna.AppByAID(cmd.Data)
	if !ok || HasApp(a) {
		return
	}
	if a == myna.LicenceAP {
		Skip("the card has no driving-licence application: this spec needs it")
	}
	Skip(absentApp(a.String()) + ": this spec needs it")
}

// NeedApps skips the spec, with the reason, unless the target's card has every application of
// apps (a spec about the text AP on the next-generation card, say).
func NeedApps(apps ...myna.App) {
	for _, a := range apps {
		if !HasApp(a) {
			Skip(absentApp(a.String()) + ": this spec needs it")
		}
	}
}

// CardKeyAlgorithm is the algorithm of the card key (80 2A): the profile's generation on an
// emulated card, today's RSA-2048 on a physical one.
func CardKeyAlgorithm() myna.SignatureAlgorithm {
	if t := Current(); t.Profile != nil {
		a, _ := myna.ParseSignatureAlgorithm(string(t.Profile.Generation.CardKeyAlgorithm))
		return a
	}
	return myna.SigRSA2048SHA256
}
