// Command replayreader is a bad-reader fixture for package certify: it reads
// the card face as taimen's reader does (see facereader), but has the card
// sign the same constant nonce on every read, so a recorded signature could
// answer it. It breaks RR-007 only.
//
//	replayreader -reader NAME -test-ca PROFILE
package main

import (
	"bytes"

	"github.com/taimen-dev/taimen/certify/testdata/facereader"
	"github.com/taimen-dev/taimen/reader"
)

func main() {
	facereader.Nonce = func() []byte { return bytes.Repeat([]byte("taimen"), 6) }
	facereader.Main("replayreader", func(*reader.Face) error { return nil })
}
