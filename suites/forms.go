package suites

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/suites/target"
)

// metaApps maps Meta.App to the application a spec needs ("card": all of them; "licence" is
// decided per card by NeedLicence).
var metaApps = map[string]myna.App{
	"surface": myna.CardSurfaceAP, "card-surface": myna.CardSurfaceAP, "text": myna.TextAP,
	"jpki": myna.JPKIAP, "common": myna.CommonAP, "juki": myna.JukiAP,
}

// skipMissingApp skips, with the reason, a spec whose application the emulated card's form
// lacks: a phone's JPKI-only token runs the JPKI specs alone.
func skipMissingApp(m Meta, t *target.Target) {
	if t.Profile == nil {
		return
	}
	form := t.Profile.Card.Form
	if form.IsCard() {
		return
	}
	if m.App == "card" {
		Skip(fmt.Sprintf("needs the applications of the whole card; profile %s is a %s, which carries %s", t.Profile.ID, form, carries(form)))
	}
	if a, ok := metaApps[m.App]; ok && !form.Has(a) {
		Skip(fmt.Sprintf("needs the %s application; profile %s is a %s, which carries %s", a, t.Profile.ID, form, carries(form)))
	}
}

func carries(f myna.Form) string {
	if f.Has(myna.JPKIAP) {
		return "the JPKI application only"
	}
	return "no My Number application"
}
