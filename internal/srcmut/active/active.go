// Package active is the switch that a source-mutation build (internal/srcmut) compiles into
// the mutated files: each mutation site asks On(id) whether it is the mutant of this run.
// In a normal build nothing imports this package.
package active

import (
	"os"
	"strconv"
	"sync"
)

// Env names the mutant a mutated binary runs as: a site ID, or unset for none.
const Env = "TAIMEN_SRC_MUTANT"

var (
	once sync.Once
	id   = -1
)

// On reports whether site is the mutant this process runs.
func On(site int) bool {
	once.Do(func() {
		if n, err := strconv.Atoi(os.Getenv(Env)); err == nil {
			id = n
		}
	})
	return site == id
}

// Pick returns mut when site is this process's mutant, else orig.
func Pick[T any](site int, orig, mut T) T {
	if On(site) {
		return mut
	}
	return orig
}
