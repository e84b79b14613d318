package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/taimen-dev/taimen/internal/cardimage"
)

// cmdCardImage writes a profile's rendered card face (internal/cardimage) as PNG.
func cmdCardImage(_ context.Context, args []string, e env) int {
	fs := newFlagSet("card-image", e)
	profile := fs.String("profile", "", profileHelp("the profile (required)"))
	side := fs.String("side", "front", "which face: front (photo, birth date, expiry, security code) or back (individual number)")
	out := fs.String("out", "", "the PNG file to create, owner-only (0600); an existing file is not replaced (required)")
	font := fs.String("font", "", "IPA Gothic font file (default: search Debian's fonts-ipafont-gothic paths)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 || *profile == "" || *out == "" {
		return exitCode(e, usagef("card-image needs --profile and --out, and no arguments"))
	}
	s, err := cardimage.ParseSide(*side)
	if err != nil {
		return exitCode(e, usageError{err})
	}
	p, err := resolveProfile(*profile)
	if err != nil {
		return exitCode(e, err)
	}
	r, err := cardimage.New(*font)
	if err != nil {
		return exitCode(e, setupError{err})
	}
	data, err := r.PNG(p, s)
	if err != nil {
		if errors.Is(err, cardimage.ErrNoOpenJPEG) {
			err = setupError{err}
		}
		return exitCode(e, err)
	}
	if err := writeNewFile(*out, data); err != nil {
		return exitCode(e, setupError{err})
	}
	fmt.Fprintf(e.stderr, "taimen: wrote the card's %s to %s (%d bytes; it shows personal data: keep it private)\n", s, *out, len(data))
	return exitOK
}

// writeNewFile creates path owner-only (0600) with O_EXCL, never following a
// symbolic link or replacing a file that is there, and writes data into it;
// a partly written file is removed.
func writeNewFile(path string, data []byte) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists: remove it or choose another name", path)
	}
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
