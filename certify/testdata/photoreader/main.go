// Command photoreader is a bad-reader fixture for package certify: it reads
// the card face as taimen's reader does (see facereader) and keeps the face
// photo in ~/.cache/photoreader/face.jp2. It breaks RR-014 only.
//
//	photoreader -reader NAME -test-ca PROFILE
package main

import (
	"os"
	"path/filepath"

	"github.com/taimen-dev/taimen/certify/testdata/facereader"
	"github.com/taimen-dev/taimen/reader"
)

func main() {
	facereader.Main("photoreader", func(f *reader.Face) error {
		home, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		dir := filepath.Join(home, ".cache", "photoreader")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "face.jp2"), f.Signed.PhotoJP2, 0o600)
	})
}
