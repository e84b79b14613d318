package securemessaging

import "io"

// StaleCommand exposes staleCommand to the tests.
var StaleCommand = staleCommand

// SetSeeds makes sessions take their seeds from r until the returned function restores the default.
func SetSeeds(r io.Reader) (restore func()) {
	old := seeds
	seeds = r
	return func() { seeds = old }
}
