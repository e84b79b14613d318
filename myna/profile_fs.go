package myna

import (
	"fmt"
	"io/fs"

	"github.com/taimen-dev/taimen/internal/readfile"
)

// LoadProfileFS is LoadProfile reading the profile file name, and the images and keys it names,
// from fsys (an embedded copy of vectors/profiles, say). The profile's FS is fsys and its Path
// is name; a file named outside fsys (a "../" past its root) is an error.
func LoadProfileFS(fsys fs.FS, name string) (*Profile, error) {
	p, err := loadProfile(name, func(path string) ([]byte, error) { return readFSFile(fsys, path) })
	if err != nil {
		return nil, err
	}
	p.FS = fsys
	return p, nil
}

// ReadProfileFile reads a file of p's set by its path as p names it (Path, or a path resolved
// against Path's directory): from p.FS when the profile was loaded from one, else from disk;
// either way a regular file of at most MaxProfileFile bytes.
func ReadProfileFile(p *Profile, path string) ([]byte, error) {
	if p.FS != nil {
		return readFSFile(p.FS, path)
	}
	return readProfileFile(path)
}

// readFSFile reads a regular file of at most MaxProfileFile bytes from fsys.
func readFSFile(fsys fs.FS, path string) ([]byte, error) {
	st, err := fs.Stat(fsys, path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s)", readfile.ErrNotRegular, st.Mode().Type())}
	}
	if st.Size() > MaxProfileFile {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: %d bytes, at most %d", readfile.ErrTooLarge, st.Size(), MaxProfileFile)}
	}
	return fs.ReadFile(fsys, path)
}
