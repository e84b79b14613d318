// Package bench holds taimen's performance benchmarks, in one place so that one run measures
// everything BENCH.md reports and every ratio in it comes from the same run:
//
//   - BenchmarkEmulator: the emulator in-process, one APDU per iteration (run with -cpu 1);
//   - BenchmarkPCSC: SCardTransmit through a private pcscd and vpcd to the emulator, the null
//     card and Debian's vicc, all on one daemon;
//   - BenchmarkFaceRead: reader.ReadFace end to end, in-process and through pcscd, with
//     extended and with short reads, reporting APDUs per read and latency percentiles.
//
// `make bench` runs them with bench/cmd/benchmd, which also times the conformance suites and
// writes BENCH.md. The PC/SC benchmarks need what pcscd.Available checks (root, pcscd and the
// vpcd driver) and skip, saying why, without it; vicc needs scripts/vicc.
package bench

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/taimen-dev/taimen/myna"
)

// The commands the benchmarks send, as raw APDUs.
var (
	// SelectSurfaceAID is SELECT by DF name of the card-surface application, no response data
	// (00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02).
	SelectSurfaceAID = append([]byte{0x00, 0xA4, 0x04, 0x0C, byte(len(myna.CardSurfaceAP.AID()))}, myna.CardSurfaceAP.AID()...)
	// SelectMF is SELECT of the MF without data (00 A4 00 0C), case 1: both the emulator (once
	// an application is selected) and vicc's iso7816 card answer 90 00, so it is the command
	// they are compared on.
	SelectMF = []byte{0x00, 0xA4, 0x00, 0x0C}
	// SelectMFByFID is SELECT of the MF by its file ID 3F00 (00 A4 00 0C 02 3F 00): vicc
	// answers 90 00; the emulator answers 6A82 (the card has no 3F00 by FID).
	SelectMFByFID = []byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00}
)

// RepoRoot finds the module root (the directory with go.mod) from the working directory up.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("bench: go.mod not found above the working directory")
		}
		dir = up
	}
}

// ProfilePath is the profile every benchmark personalizes its card from.
func ProfilePath(root string) string {
	return filepath.Join(root, "vectors", "profiles", "p01-showa", "profile.json")
}

// Percentile returns the p-th percentile (0 < p ≤ 100, nearest rank) of the samples; it sorts
// them in place. No samples give 0.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	slices.Sort(samples)
	rank := int(math.Ceil(p / 100 * float64(len(samples))))
	rank = max(1, min(rank, len(samples)))
	return samples[rank-1]
}
