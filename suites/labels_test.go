package suites

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/onsi/ginkgo/v2"
)

func TestMetaLabels(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Meta
		want ginkgo.Labels
	}{
		{"plain", Meta{Area: "reads", App: "surface"}, ginkgo.Labels{"reads", "surface"}},
		{"destructive, emulated only", Meta{Area: "counters", App: "card", Destructive: true, Targets: EmulatedOnly}, ginkgo.Labels{"counters", "card", "destructive", "emulated-only"}},
		{"spends a try", Meta{Area: "checkcodes", App: "surface", SpendsTry: 1}, ginkgo.Labels{"checkcodes", "surface", "spends-try"}},
		{"power cut", Meta{Area: "counters", App: "surface", Destructive: true, Targets: EmulatedOnly, PowerCut: true}, ginkgo.Labels{"counters", "surface", "destructive", "emulated-only", "power-cut"}},
	} {
		if d := cmp.Diff(tc.want, tc.m.Labels()); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}
