package securitystate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/suites"
)

// verifiedSet is the model of the card's security state inside one application: the key
// references whose right value was presented since the application was selected.
type verifiedSet map[myna.FileID]bool

// String lists the set's keys in order, e.g. "{0012, 0013}" or "{}".
func (s verifiedSet) String() string {
	keys := slices.Sorted(maps.Keys(s))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if s[k] {
			parts = append(parts, k.String())
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// effect is what an event does to the verified set.
type effect uint8

const (
	keep     effect = iota // nothing changes
	add                    // the event's key joins the set
	remove                 // the event's key leaves the set
	clearAll               // the set is emptied
)

// apply returns the set after an event with effect e on key.
func (e effect) apply(s verifiedSet, key myna.FileID) verifiedSet {
	out := maps.Clone(s)
	switch e {
	case add:
		out[key] = true
	case remove:
		delete(out, key)
	case clearAll:
		clear(out)
	}
	return out
}

// kind names one event of the machine; the spec file sends it.
type kind uint8

const (
	rightVerify       kind = iota // VERIFY with the key's right value
	wrongVerify                   // VERIFY with a wrong value of the right length
	wrongLengthVerify             // VERIFY with the right value and one digit more
	triesQuery                    // VERIFY without data
	badP1Verify                   // VERIFY with P1 01 (refused, 6A86)
	selectKeyEF                   // SELECT EF of the key reference
	getChallenge                  // GET CHALLENGE of 8 bytes
	unknownINS                    // an instruction the card does not have (6D00)
	reselectApp                   // SELECT of the same application
	otherApp                      // SELECT of another application, then back
	selectISD                     // SELECT of the GlobalPlatform ISD, then back
	selectMF                      // SELECT MF (00 A4 00 0C) inside the application
	reset                         // a warm reset, then SELECT of the application
	powerCycle                    // power off and on, then SELECT of the application
)

// event is one transition input: what is sent, to which key, and what the model says it does.
type event struct {
	kind   kind
	key    suites.Key // the key the event acts on; zero for the application-level events
	effect effect
	spends bool // spends one try of key, restored by its right value after the probes
}

// String names the event for a failure message, e.g. "a wrong value to surface/0012 (check code B)".
func (e event) String() string {
	switch e.kind {
	case rightVerify:
		return "the right value to " + e.key.String()
	case wrongVerify:
		return "a wrong value to " + e.key.String()
	case wrongLengthVerify:
		return "a value one digit too long to " + e.key.String()
	case triesQuery:
		return "a tries query (empty VERIFY) of " + e.key.String()
	case badP1Verify:
		return "VERIFY with P1 01 (refused) to " + e.key.String()
	case selectKeyEF:
		return "SELECT EF of " + e.key.String()
	case getChallenge:
		return "GET CHALLENGE"
	case unknownINS:
		return "an unknown instruction (refused)"
	case reselectApp:
		return "SELECT of the same application"
	case otherApp:
		return "SELECT of another application and back"
	case selectISD:
		return "SELECT of the issuer security domain and back"
	case selectMF:
		return "SELECT MF inside the application"
	case reset:
		return "a reset"
	case powerCycle:
		return "a power cycle"
	}
	return fmt.Sprintf("event %d", e.kind)
}

// fixedLength reports whether every value of k has one length, so that one digit more is a
// wrong length (the signing password takes 6 to 16 characters: it has no wrong length).
func fixedLength(k myna.SecretKind) bool {
	lo, hi := k.Lengths()
	return lo == hi
}

// events lists every event the model knows for key in an application whose other keys with
// a known value are others, under the profile's behaviour b (CARD.md "taimen's defaults").
func events(key suites.Key, others []suites.Key, b myna.Behaviour) []event {
	wrong := keep
	if b.WrongCodeClears {
		wrong = remove
	}
	reselect := keep
	if b.ReselectSameAPClears {
		reselect = clearAll
	}
	evs := []event{
		{kind: rightVerify, key: key, effect: add},
		{kind: wrongVerify, key: key, effect: wrong, spends: true},
	}
	if fixedLength(key.Kind) {
		if b.WrongLengthVerify == myna.WrongLengthCounts {
			evs = append(evs, event{kind: wrongLengthVerify, key: key, effect: wrong, spends: true})
		} else {
			evs = append(evs, event{kind: wrongLengthVerify, key: key, effect: keep})
		}
	}
	evs = append(evs,
		event{kind: triesQuery, key: key, effect: keep},
		event{kind: badP1Verify, key: key, effect: keep},
		event{kind: selectKeyEF, key: key, effect: keep},
	)
	for _, o := range others {
		evs = append(evs,
			event{kind: rightVerify, key: o, effect: add},
			event{kind: wrongVerify, key: o, effect: wrong, spends: true},
		)
	}
	return append(evs,
		event{kind: getChallenge},
		event{kind: unknownINS},
		event{kind: reselectApp, effect: reselect},
		event{kind: otherApp, effect: clearAll},
		event{kind: selectISD, effect: clearAll},
		event{kind: selectMF},
		event{kind: reset, effect: clearAll},
		event{kind: powerCycle, effect: clearAll},
	)
}

// probe is a command that succeeds exactly when one of opens is verified: READ BINARY of a
// protected file or a signature with a protected key.
type probe struct {
	ef    myna.EF
	opens myna.Access
}

// String names the probe, e.g. "READ BINARY of EF 0002 (card face)".
func (p probe) String() string {
	if p.ef.Kind == myna.EFPrivateKey {
		return fmt.Sprintf("80 2A with key %s (%s)", p.ef.ID, p.ef.Name)
	}
	return fmt.Sprintf("READ BINARY of EF %s (%s)", p.ef.ID, p.ef.Name)
}

// opened reports whether the model says the probe succeeds in state s.
func (p probe) opened(s verifiedSet) bool {
	return p.opens.Opens(func(k myna.FileID) bool { return s[k] })
}

// probes returns one probe per distinct access condition of app's protected transparent
// files and private keys (CARD.md §9 "Access map"), in FID order.
func probes(app myna.Application) []probe {
	var out []probe
	for _, e := range app.EFs {
		if e.Access.IsFree() || e.Access.IsNever() || (e.Kind != myna.EFTransparent && e.Kind != myna.EFPrivateKey) {
			continue
		}
		if slices.ContainsFunc(out, func(p probe) bool { return p.opens.Equal(e.Access) }) {
			continue
		}
		out = append(out, probe{ef: e, opens: e.Access})
	}
	return out
}

// credentials returns app's key references that open a probe, in FID order.
func credentials(app myna.Application) []suites.Key {
	ps := probes(app)
	var out []suites.Key
	for _, e := range app.KeyRefs() {
		if !e.Secret.Valid() {
			continue
		}
		if slices.ContainsFunc(ps, func(p probe) bool { return slices.Contains(p.opens.Keys(), e.ID) }) {
			out = append(out, suites.Key{App: app.App, Ref: e.ID, Kind: e.Secret})
		}
	}
	return out
}
