package main

import (
	"strings"
	"testing"
)

func TestCommandsSection(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		want      []string
	}{
		{"measured", `BenchmarkReadProcess-2   	      10	 101097100 ns/op	        29.04 emulator-ms	        38.92 emulator-nocache-ms	         0.9242 emulator/pcscd	        31.42 pcscd-ms	        10.00 rounds
BenchmarkRunTargets-2   	       1	55757248468 ns/op	         3.074 emulator-s	      1485 nfc20ms-apdus	      1470 nfc20ms-report-apdus	        32.05 nfc20ms-s	        20.63 vpcd-s	         6.713 vpcd/emulator
`, []string{"| `--emulator`, signature cache warm | 29.0 ms |", "(0.92×): **met**", "| physical, 20 ms per APDU | 32.0 s | 1,485 |",
			"vpcd ≤ 3× in-process (6.7×): **not met**", "≤ 60 s: **met**", "≤ 1,500 APDUs: **met**"}},
		{"skipped", "BenchmarkReadProcess\n    runs_test.go:80: not root\n--- SKIP: BenchmarkReadProcess\n",
			[]string{"Not measured: not root.", "Not measured: did not run."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &report{}
			parseBench([]byte(tc.out), r)
			got := r.commandsSection()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %q in\n%s", w, got)
				}
			}
		})
	}
}
