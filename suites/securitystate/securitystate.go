// Package securitystate is the conformance area for the card's security state machine
// (CARD.md §3, §9 "Emulator state machine", "taimen's defaults"): inside each application
// with protected files, every key reference with a known value is taken through every
// event the model knows — its right, wrong, wrong-length and empty VERIFY, a refused
// VERIFY, SELECT EF, the right and wrong value of each other key, GET CHALLENGE, a refused
// instruction, re-SELECT, another application, the issuer security domain, SELECT MF, a
// reset and a power cycle — from three prior states (nothing verified, that key alone,
// every key), and after each transition every protected file and key of the application
// is probed against the model (model.go).
//
// Where CARD.md is silent the model follows the profile's behaviour (wrong_code_clears,
// reselect_same_ap_clears, wrong_length_verify). A wrong value spends one try, which the
// right value restores at once: the specs are labelled spends-try, run on a physical card
// under the floor guard, and leave every counter at its limit.
package securitystate

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	. "github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/target"
)

const area = "state"

var _ = Describe("security state", Label(area), func() {
	for _, s := range []struct {
		id  string
		app myna.App
		tag string
	}{{"ST-001", myna.CardSurfaceAP, "surface"}, {"ST-002", myna.TextAP, "text"}, {"ST-003", myna.JPKIAP, "jpki"}} {
		a, _ := s.app.Application()
		Spec(Meta{ID: s.id, Title: "every transition of the security state in the " + a.Name, Area: area, App: s.tag,
			Checks: "each key reference of the application with a known value, from nothing verified, that key alone and every key verified: " +
				"its right, wrong, one-digit-too-long and empty VERIFY, VERIFY with P1 01, SELECT EF of the key, the right and wrong value of each other key, " +
				"GET CHALLENGE, an unknown instruction, re-SELECT, another application and back, the issuer security domain and back, SELECT MF, a reset, a power cycle; " +
				"after each, READ BINARY or 80 2A of every protected file and key (one per access condition); " +
				"on a physical card a sample: each kind of event that may change the state (a right or wrong VERIFY, re-SELECT, another application, the ISD, a reset, a power cycle) once, from a state with a key verified, where the profile's behaviour shows",
			Expect: "every probe opens exactly when the model says (CARD.md §9 access map; a right value adds its key, a wrong one removes it when the profile's " +
				"wrong_code_clears says so, re-SELECT clears as reselect_same_ap_clears says, another application, the ISD, a reset and a power cycle clear everything, " +
				"the other events change nothing); each event gets its status word; every try spent is restored",
			SpendsTry: 1},
			func(ctx context.Context, c *target.Card) { machine(ctx, c, a) })
	}
})

// machine runs every transition of app's security state the model knows.
func machine(ctx context.Context, c *target.Card, app myna.Application) {
	if p := Current().Profile; p != nil && !p.Card.Form.Has(myna.CommonAP) {
		Skip(fmt.Sprintf("profile %s is a %s: the model's events select the common application and the issuer security domain, which it does not have", p.ID, p.Card.Form))
	}
	codes := Current().Codes
	var keys []Key
	for _, k := range credentials(app) {
		if codes.Of(k.Kind) != nil {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		Skip(fmt.Sprintf("the target has no value for any key of the %s (set them in the environment, see README)", app.Name))
	}
	ps := probes(app)
	initial := Counters(ctx, c, "at the start")
	// Under a floor (a physical card) a key takes part only with a wrong try and the right one
	// above the floor (NeedTries); the others are named in the report.
	if floor := Current().Floor(); floor > 0 {
		var short []string
		keys = slices.DeleteFunc(keys, func(k Key) bool {
			if initial[k.ID()]-2 < floor {
				short = append(short, fmt.Sprintf("%s (%d tries)", k, initial[k.ID()]))
				return true
			}
			return false
		})
		if len(short) > 0 {
			AddReportEntry("left out", fmt.Sprintf("too few tries above the floor of %d for a wrong try and the right one: %s", floor, strings.Join(short, ", ")))
		}
		if len(keys) == 0 {
			Skip(fmt.Sprintf("no key of the %s has a wrong try and the right one above the floor of %d (--floor lowers it)", app.Name, floor))
		}
	}
	b := ProfileBehaviour()
	all := verifiedSet{}
	for _, k := range keys {
		all[k.Ref] = true
	}
	done := map[string]bool{}  // application-level events are the same for every key
	covered := map[kind]bool{} // sampled: the kinds of event already sent
	n := 0
	for _, k := range keys {
		others := slices.DeleteFunc(slices.Clone(keys), func(o Key) bool { return o == k })
		priors := []verifiedSet{{}, {k.Ref: true}}
		if len(keys) > 1 {
			priors = append(priors, all)
		}
		for pi, prior := range priors {
			for _, ev := range events(k, others, b) {
				if Sampled() && (pi == 0 || ev.effect == keep || covered[ev.kind]) {
					continue // a physical card: see Checks
				}
				covered[ev.kind] = true
				id := prior.String() + " " + ev.String()
				if done[id] {
					continue
				}
				done[id] = true
				step := fmt.Sprintf("in the %s with %s verified, after %s", app.Name, prior, ev)
				enter(ctx, c, app.App, prior, step)
				send(ctx, c, app.App, ev, step)
				want := ev.effect.apply(prior, ev.key.Ref)
				for _, p := range ps {
					observe(ctx, c, p, want, step)
				}
				if ev.spends {
					ExpectSW(ctx, c, step+": restore the try with the right value", Verify(ev.key.Ref, SecretOf(ev.key.Kind).Bytes()), apdu.SWSuccess)
				}
				n++
			}
		}
	}
	AddReportEntry("transitions", fmt.Sprintf("%d transitions of %d keys, %d probes each", n, len(keys), len(ps)))
	want := maps.Clone(initial)
	for _, k := range keys {
		want = ResetWant(want, k)
	}
	step := "at the end: every key the spec verified back at its limit, the others as at the start"
	if Sampled() { // the application's counters; the run reads every counter after its last spec
		ExpectSW(ctx, c, "select the application", SelectApp(app.App), apdu.SWSuccess)
		ExpectAppCounters(ctx, c, app.App, want, step)
		return
	}
	ExpectCounters(0, step, want, Counters(ctx, c, "at the end"))
}

// enter resets the card, selects app and presents the right value of every key in prior.
func enter(ctx context.Context, c *target.Card, app myna.App, prior verifiedSet, step string) {
	GinkgoHelper()
	Expect(c.Reset(ctx)).To(Succeed(), "%s: reset before the transition", step)
	ExpectSW(ctx, c, step+": select the application", SelectApp(app), apdu.SWSuccess)
	for _, ref := range slices.Sorted(maps.Keys(prior)) {
		d, _ := myna.LookupEF(app, ref)
		ExpectSW(ctx, c, fmt.Sprintf("%s: the right value to %s before the event", step, ref), Verify(ref, SecretOf(d.Secret).Bytes()), apdu.SWSuccess)
	}
}

// send sends ev's commands and checks each answer.
func send(ctx context.Context, c *target.Card, app myna.App, ev event, step string) {
	GinkgoHelper()
	k := ev.key
	switch ev.kind {
	case rightVerify:
		ExpectSW(ctx, c, step, Verify(k.Ref, SecretOf(k.Kind).Bytes()), apdu.SWSuccess)
	case wrongVerify:
		left := triesLeft(ctx, c, k, step)
		ExpectSW(ctx, c, step+" (CARD.md §3: one try spent)", Verify(k.Ref, WrongFor(k)), apdu.RetriesLeft(left-1))
	case wrongLengthVerify:
		right := SecretOf(k.Kind).Bytes()
		long := append(bytes.Clone(right), right[len(right)-1])
		if ProfileBehaviour().WrongLengthVerify == myna.WrongLengthCounts {
			left := triesLeft(ctx, c, k, step)
			ExpectSW(ctx, c, step+" (profile wrong_length_verify count: one try spent)", Verify(k.Ref, long), apdu.RetriesLeft(left-1))
		} else {
			ExpectSW(ctx, c, step+" (profile wrong_length_verify 6700: refused, nothing spent)", Verify(k.Ref, long), apdu.SWWrongLength)
		}
	case triesQuery:
		triesLeft(ctx, c, k, step)
	case badP1Verify:
		cmd := Verify(k.Ref, SecretOf(k.Kind).Bytes())
		cmd.P1 = 0x01
		ExpectSW(ctx, c, step, cmd, apdu.SWIncorrectP1P2)
	case selectKeyEF:
		ExpectSW(ctx, c, step, SelectEF(k.Ref), apdu.SWSuccess)
	case getChallenge:
		Expect(ExpectSW(ctx, c, step, apdu.Command{INS: 0x84, Ne: 8}, apdu.SWSuccess)).To(HaveLen(8), "%s: 8 random bytes", step)
	case unknownINS:
		ExpectSW(ctx, c, step+" (ERASE BINARY 0E)", apdu.Command{INS: 0x0E}, apdu.SWINSNotSupported)
	case reselectApp:
		ExpectSW(ctx, c, step, SelectApp(app), apdu.SWSuccess)
	case otherApp:
		other := myna.CommonAP
		ExpectSW(ctx, c, step+": select "+other.String(), SelectApp(other), apdu.SWSuccess)
		ExpectSW(ctx, c, step+": select the application again", SelectApp(app), apdu.SWSuccess)
	case selectISD:
		ExpectSW(ctx, c, step+": select the ISD", SelectApp(myna.GPISD), apdu.SWSuccess)
		ExpectSW(ctx, c, step+": select the application again", SelectApp(app), apdu.SWSuccess)
	case selectMF:
		ExpectSW(ctx, c, step+" (00 A4 00 0C: 9000, nothing changes, CARD.md §2.5)", apdu.Command{INS: 0xA4, P1: 0x00, P2: 0x0C}, apdu.SWSuccess)
	case reset:
		Expect(c.Reset(ctx)).To(Succeed(), "%s", step)
		ExpectSW(ctx, c, step+": select the application again", SelectApp(app), apdu.SWSuccess)
	case powerCycle:
		Expect(c.PowerCycle(ctx)).To(Succeed(), "%s", step)
		ExpectSW(ctx, c, step+": select the application again", SelectApp(app), apdu.SWSuccess)
	default:
		Fail(fmt.Sprintf("%s: the spec does not know how to send this event", step))
	}
}

// triesLeft sends k's tries query and returns the tries it reports, failing unless it is 63Cx
// with x ≥ 1 (a key the spec would block is never tried).
func triesLeft(ctx context.Context, c *target.Card, k Key, step string) int {
	GinkgoHelper()
	sw := Send(ctx, c, TriesQuery(k.Ref)).SW
	n, ok := sw.Retries()
	Expect(ok && n >= 1).To(BeTrue(), "%s: the tries query of %s answered %s, want 63Cx with a try left", step, k, sw)
	return n
}

// observe sends p's probe and checks it against the model's verified set.
func observe(ctx context.Context, c *target.Card, p probe, want verifiedSet, step string) {
	GinkgoHelper()
	var cmd apdu.Command
	closed := apdu.StatusWord(ProfileBehaviour().ProtectedRead)
	if p.ef.Kind == myna.EFPrivateKey {
		cmd = apdu.Command{CLA: 0x80, INS: 0x2A, P2: 0x80 | byte(p.ef.ID&0x1F), Data: DigestInfoSHA256(make([]byte, 32)), Ne: 256}
		closed = apdu.SWSecurityNotSatisfied
	} else {
		cmd = ReadSFI(p.ef.ID, 1)
	}
	r := Send(ctx, c, cmd)
	if p.opened(want) {
		Expect(r.SW).To(Equal(apdu.SWSuccess), "%s: %s answered %s; the model has %s verified, which opens it (%s)", step, p, r.SW, want, p.opens)
	} else {
		Expect(r.SW).To(Equal(closed), "%s: %s answered %s; the model has %s verified, which does not open it (%s)", step, p, r.SW, want, p.opens)
	}
}
