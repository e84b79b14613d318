package suites

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/suites/target"
)

// LicenceKey is the driving-licence application's PIN (docs/LICENCE.md): 10 tries, "****" when
// the holder set none.
var LicenceKey = Key{myna.LicenceAP, myna.LicencePINRef, myna.SecretLicencePIN}

// HasLicence reports whether the target's card carries the driving-licence application: the
// profile's licence section on an emulated card; on a physical card, whether its SELECT
// answers 9000 (it leaves the application selected).
func HasLicence(ctx context.Context, c *target.Card) bool {
	if p := Current().Profile; p != nil {
		return p.Licence != nil && p.Card.Form.IsCard()
	}
	return Send(ctx, c, SelectApp(myna.LicenceAP)).SW == apdu.SWSuccess
}

// NeedLicence skips the spec, with the reason, on a card without the driving-licence application.
func NeedLicence(ctx context.Context, c *target.Card) {
	if !HasLicence(ctx, c) {
		Skip(fmt.Sprintf("the card has no driving-licence application (profile %s has no licence section): the licence specs need one, such as p07-licence", profileName()))
	}
}

// NoLicence skips the spec on a card that carries the driving-licence application.
func NoLicence(ctx context.Context, c *target.Card) {
	if HasLicence(ctx, c) {
		Skip("the card carries the driving-licence application: this spec checks a card without one")
	}
}

func profileName() string {
	if p := Current().Profile; p != nil {
		return p.ID
	}
	return "of the physical card"
}
