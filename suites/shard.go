package suites

import "github.com/taimen-dev/taimen/shard"

// runShard is the part of the run this process declares to Ginkgo (the zero Shard: all).
var runShard shard.Shard

// SetShard makes Spec declare only the specs of s (taimen run --shard); the others are still
// catalogued, so the reports can name the whole run's spec set. Call it before RunSpecs.
func SetShard(s shard.Shard) { runShard = s }

// SpecIDs returns the ID of every spec declared so far, in this shard or not, sorted.
func SpecIDs() []string {
	ms := Catalogue()
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}
