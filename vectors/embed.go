// Package vectors holds taimen's test vectors and embeds the ones the runtime reads: the card
// profiles under profiles/ (their images and keys, and the test CA's keys in profiles/testca).
// The binary so works from any directory, and copied anywhere (a CI artefact, say).
//
// LoadProfile is the one profile lookup of taimen: a profile given as a file or directory loads
// from disk, an ID loads from the copy embedded here.
package vectors

import (
	"embed"
	"io/fs"
)

//go:embed profiles
var embedded embed.FS

// Profiles is the embedded profiles directory: <id>/profile.json with its files, and testca/.
var Profiles fs.FS = mustSub(embedded, "profiles")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the embed pattern above names dir: it is there
	}
	return sub
}
