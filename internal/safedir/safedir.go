// Package safedir writes files that hold personal data (a card's face photo, name and address
// images) into a directory the user names, on a file system that may be hostile: the
// directory must be the user's own and writable by no one else, and a file is never written
// through a symbolic link or left with a mode wider than owner-only.
package safedir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// ErrUnsafe is wrapped when the directory is a symbolic link, not a directory, owned by
// another user, or writable by its group or by others (who could plant a link in it).
var ErrUnsafe = errors.New("unsafe directory")

// Prepare creates dir (mode 0700) if it does not exist and checks that it is safe to write
// personal data into: a real directory (not a symbolic link), owned by this process's user,
// writable by no one else. Call it before the card is touched, so that a refused directory
// costs no VERIFY.
func Prepare(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	return check(dir, st)
}

func check(dir string, st os.FileInfo) error {
	switch {
	case st.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("output directory %s: %w: it is a symbolic link (give the directory it points to)", dir, ErrUnsafe)
	case !st.IsDir():
		return fmt.Errorf("output directory %s: %w: not a directory", dir, ErrUnsafe)
	case st.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("output directory %s: %w: mode %04o lets its group or others write in it (chmod go-w, or choose another)", dir, ErrUnsafe, st.Mode().Perm())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("output directory %s: %w: owned by user %d, not by you (%d)", dir, ErrUnsafe, sys.Uid, os.Geteuid())
	}
	return nil
}

// WriteFile writes data to dir/name, owner-only (0600), replacing whatever is there at once:
// the data goes to a new file created with O_EXCL in dir, which is then renamed over name. A
// symbolic link planted at name is replaced, never followed; an existing file's wider mode is
// not kept. dir is checked again (Prepare) first.
func WriteFile(dir, name string, data []byte) (err error) {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return fmt.Errorf("write %q: not a plain file name", name)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := check(dir, st); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+name+".tmp-*") // O_RDWR|O_CREATE|O_EXCL, 0600
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
