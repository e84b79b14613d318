package securitystate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/suites"
)

func app(t *testing.T, a myna.App) myna.Application {
	t.Helper()
	x, ok := a.Application()
	if !ok {
		t.Fatalf("no application %v", a)
	}
	return x
}

func TestProbesOnePerAccessCondition(t *testing.T) {
	tests := []struct {
		app  myna.App
		want []myna.FileID
	}{
		{myna.CardSurfaceAP, []myna.FileID{myna.SurfaceAgeRecord, myna.SurfaceFace, myna.SurfaceNumberImage}},
		{myna.TextAP, []myna.FileID{myna.TextIndividualNumber, myna.TextBasicFour, myna.TextIntegrity}},
		{myna.JPKIAP, []myna.FileID{myna.JPKISignCert, myna.JPKIAuthKey}},
		{myna.JukiAP, nil},
	}
	for _, tc := range tests {
		var got []myna.FileID
		for _, p := range probes(app(t, tc.app)) {
			got = append(got, p.ef.ID)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%v probes (-want +got):\n%s", tc.app, d)
		}
	}
}

func TestCredentialsOpenAProbe(t *testing.T) {
	var got []string
	for _, a := range []myna.App{myna.CardSurfaceAP, myna.TextAP, myna.JPKIAP, myna.JukiAP, myna.CommonAP} {
		for _, k := range credentials(app(t, a)) {
			got = append(got, k.ID())
		}
	}
	// text/0012 arrives blocked and holds no secret; the 住基 PIN opens no file or key.
	want := []string{"surface/0011", "surface/0012", "surface/0013", "text/0011", "text/0014", "text/0015", "jpki/0018", "jpki/001B"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("credentials (-want +got):\n%s", d)
	}
}

// effects summarises events as "event: effect spends".
func effects(evs []event) map[string]string {
	names := map[effect]string{keep: "keep", add: "add", remove: "remove", clearAll: "clear"}
	out := map[string]string{}
	for _, e := range evs {
		v := names[e.effect]
		if e.spends {
			v += " spends"
		}
		out[e.String()] = v
	}
	return out
}

func TestEventsFollowTheProfile(t *testing.T) {
	b := suites.SurfaceBKey
	a := suites.SurfaceAKey
	def := myna.DefaultBehaviour()
	lenient := def
	lenient.WrongCodeClears, lenient.ReselectSameAPClears, lenient.WrongLengthVerify = false, false, myna.WrongLengthRejects
	tests := []struct {
		name string
		b    myna.Behaviour
		want map[string]string
	}{
		{"defaults", def, map[string]string{
			"the right value to " + b.String():              "add",
			"a wrong value to " + b.String():                "remove spends",
			"a value one digit too long to " + b.String():   "remove spends",
			"a tries query (empty VERIFY) of " + b.String(): "keep",
			"VERIFY with P1 01 (refused) to " + b.String():  "keep",
			"SELECT EF of " + b.String():                    "keep",
			"the right value to " + a.String():              "add",
			"a wrong value to " + a.String():                "remove spends",
			"GET CHALLENGE":                                 "keep",
			"an unknown instruction (refused)":              "keep",
			"SELECT of the same application":                "clear",
			"SELECT of another application and back":        "clear",
			"SELECT of the issuer security domain and back": "clear",
			"SELECT MF inside the application":              "keep",
			"a reset":                                       "clear",
			"a power cycle":                                 "clear",
		}},
		{"a card that keeps its state on a wrong value and on re-SELECT, and refuses a wrong length", lenient, map[string]string{
			"the right value to " + b.String():              "add",
			"a wrong value to " + b.String():                "keep spends",
			"a value one digit too long to " + b.String():   "keep",
			"a tries query (empty VERIFY) of " + b.String(): "keep",
			"VERIFY with P1 01 (refused) to " + b.String():  "keep",
			"SELECT EF of " + b.String():                    "keep",
			"the right value to " + a.String():              "add",
			"a wrong value to " + a.String():                "keep spends",
			"GET CHALLENGE":                                 "keep",
			"an unknown instruction (refused)":              "keep",
			"SELECT of the same application":                "keep",
			"SELECT of another application and back":        "clear",
			"SELECT of the issuer security domain and back": "clear",
			"SELECT MF inside the application":              "keep",
			"a reset":                                       "clear",
			"a power cycle":                                 "clear",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, effects(events(b, []suites.Key{a}, tc.b))); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}
}

func TestSignPasswordHasNoWrongLength(t *testing.T) {
	pw := suites.Key{App: myna.JPKIAP, Ref: myna.JPKISignPasswordRef, Kind: myna.SecretSignPassword}
	for _, e := range events(pw, nil, myna.DefaultBehaviour()) {
		if e.kind == wrongLengthVerify {
			t.Fatalf("the signing password (6–16 characters) got a wrong-length event: %s", e)
		}
	}
}

func TestModelTransitions(t *testing.T) {
	surface := app(t, myna.CardSurfaceAP)
	ps := probes(surface) // 0001 {0011}, 0002 {0012, 0013}, 0005 {0013}
	opened := func(s verifiedSet) []bool {
		var out []bool
		for _, p := range ps {
			out = append(out, p.opened(s))
		}
		return out
	}
	bA := verifiedSet{myna.SurfaceCheckCodeBRef: true, myna.SurfaceCheckCodeARef: true}
	tests := []struct {
		name  string
		prior verifiedSet
		e     effect
		key   myna.FileID
		want  []bool
	}{
		{"B opens the face only", verifiedSet{}, add, myna.SurfaceCheckCodeBRef, []bool{false, true, false}},
		{"A opens the face and the number image", verifiedSet{}, add, myna.SurfaceCheckCodeARef, []bool{false, true, true}},
		{"the birth-date key opens the age record", verifiedSet{}, add, myna.SurfaceBirthDateKeyRef, []bool{true, false, false}},
		{"a wrong B leaves A's face open", bA, remove, myna.SurfaceCheckCodeBRef, []bool{false, true, true}},
		{"a wrong A leaves B's face open", bA, remove, myna.SurfaceCheckCodeARef, []bool{false, true, false}},
		{"a reset closes everything", bA, clearAll, 0, []bool{false, false, false}},
		{"a query changes nothing", bA, keep, myna.SurfaceCheckCodeBRef, []bool{false, true, true}},
	}
	for _, tc := range tests {
		got := tc.e.apply(tc.prior, tc.key)
		if d := cmp.Diff(tc.want, opened(got)); d != "" {
			t.Errorf("%s: probes 0001, 0002, 0005 open (-want +got):\n%s", tc.name, d)
		}
		if len(tc.prior) == 2 && len(bA) != 2 {
			t.Fatalf("%s: apply changed its input", tc.name)
		}
	}
}
