// Package shard splits a run's specs deterministically between N processes, so that a lab can
// fan one run out over several machines, readers or CI jobs and merge the results
// (reports.Merge). A spec belongs to exactly one shard, chosen from its ID alone (its SHA-256 mod N):
// the split does not depend on the label filter, on the order Ginkgo declares specs in, or on
// which other specs exist, so every process computes it without talking to the others.
package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Shard is one part of a split run: Index from 1 to Total. The zero Shard is the whole run.
type Shard struct {
	Index, Total int
}

// EnvShard sets `taimen run --shard` when the flag is absent ("I/N").
const EnvShard = "TAIMEN_SHARD"

// MaxTotal bounds N: more shards than specs only makes empty ones.
const MaxTotal = 1000

// Parse reads "I/N" (1 ≤ I ≤ N ≤ MaxTotal). I is 1-based like Ginkgo's parallel processes and
// other test runners' --shard; a Kubernetes Indexed Job's JOB_COMPLETION_INDEX is 0-based, so
// the deploy examples add one.
func Parse(s string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want I/N, e.g. 2/4 (the second of four)", s)
	}
	index, err1 := strconv.Atoi(i)
	total, err2 := strconv.Atoi(n)
	switch {
	case err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("shard %q: want I/N with whole numbers, e.g. 2/4", s)
	case total < 1 || total > MaxTotal:
		return Shard{}, fmt.Errorf("shard %q: N must be 1..%d", s, MaxTotal)
	case index < 1 || index > total:
		return Shard{}, fmt.Errorf("shard %q: I must be 1..%d (shards count from 1)", s, total)
	}
	return Shard{Index: index, Total: total}, nil
}

// String is "I/N", or "" for the whole run.
func (s Shard) String() string {
	if s.Total == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Total)
}

// Whole reports whether s is the whole run (no split).
func (s Shard) Whole() bool { return s.Total <= 1 }

// Of returns the index (1..total) of the shard that runs the spec with this ID.
func Of(id string, total int) int {
	if total <= 1 {
		return 1
	}
	sum := sha256.Sum256([]byte(id))
	return int(binary.BigEndian.Uint64(sum[:8])%uint64(total)) + 1
}

// Has reports whether the spec with this ID runs in s (every spec runs in the whole run).
func (s Shard) Has(id string) bool {
	return s.Whole() || Of(id, s.Total) == s.Index
}

// SpecSet is the identity of a run's spec set: "sha256:" and the hex SHA-256 of the sorted
// spec IDs, one a line, then the label filter. Shards with the same SpecSet split the same run.
func SpecSet(ids []string, labelFilter string) string {
	sorted := slices.Sorted(slices.Values(ids))
	h := sha256.New()
	for _, id := range sorted {
		fmt.Fprintf(h, "%s\n", id)
	}
	fmt.Fprintf(h, "label-filter %s\n", strings.TrimSpace(labelFilter))
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
