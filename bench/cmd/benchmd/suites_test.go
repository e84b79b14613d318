package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSuiteRunReadOutput(t *testing.T) {
	tests := []struct {
		name, runner, text string
		ran, total, suites int
		failed             []string
	}{
		{"go test, one package failed", "go test",
			"Ran 12 of 12 Specs in 1.2 seconds\nok  \tgithub.com/taimen-dev/taimen/suites/reads\t1.3s\n" +
				"Ran 9 of 10 Specs in 0.8 seconds\nFAIL\tgithub.com/taimen-dev/taimen/suites/counters\t0.9s\nFAIL\n",
			21, 22, 2, []string{"suites/counters"}},
		{"ginkgo -p, one suite failed", "ginkgo -p",
			"Ran 12 of 12 Specs\n- 12/12 specs - 2 procs\n- 9/10 specs - 2 procs\n  counters [FAILED]\nTest Suite Failed\n",
			21, 22, 2, []string{"counters"}},
		{"nothing ran", "go test", "build failed\n", 0, 0, 0, nil},
	}
	for _, tt := range tests {
		s := suiteRun{runner: tt.runner}
		s.readOutput(tt.text)
		got := []int{s.ran, s.total, s.suites}
		if diff := cmp.Diff([]int{tt.ran, tt.total, tt.suites}, got); diff != "" {
			t.Errorf("%s: ran, total, suites (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.failed, s.failed); diff != "" {
			t.Errorf("%s: failed (-want +got):\n%s", tt.name, diff)
		}
	}
}
