// Command gen makes the committed test-vector files under vectors/profiles:
// the RSA test keys (testca/keys.pem and <id>/keys.pem) and, for each
// synthetic person, the card-face images face.jp2, name.png, address.png,
// security-code.png and number.png, and, from the profile.json beside them,
// the rendered card faces card-front.png and card-back.png (internal/cardimage).
// It does not write profile.json.
//
// Usage, from the module root:
//
//	go run ./vectors/gen [-out vectors/profiles] [-force] [-keep-keys] [-font path]
//
// Files that already exist are kept, so re-running changes nothing; -force
// rewrites them (and -keep-keys still keeps existing, valid key files). Keys
// come from crypto/rand and cannot be reproduced, which is why they are
// committed. Rendering needs IPA Gothic (fonts-ipafont-gothic) and
// opj_compress and opj_decompress (libopenjp2-tools) but only for files it has
// to write. The card faces depend on profile.json: after changing it, rerun
// with -force (TestCardImagesMatchRenderer fails until then).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/taimen-dev/taimen/internal/cardimage"
	"github.com/taimen-dev/taimen/myna"
)

// options are the command-line settings of one run.
type options struct {
	// out is the profiles directory.
	out string
	// force rewrites files that already exist.
	force bool
	// keepKeys keeps existing key files even with force.
	keepKeys bool
	// fontPath is the IPA Gothic file; empty means search the Debian paths.
	fontPath string
	// log receives one line per file.
	log io.Writer
}

// main parses the flags and runs the generator, exiting 1 on error.
func main() {
	var o options
	flag.StringVar(&o.out, "out", filepath.Join("vectors", "profiles"), "profiles directory to write into")
	flag.BoolVar(&o.force, "force", false, "rewrite files that already exist (keys too, unless -keep-keys)")
	flag.BoolVar(&o.keepKeys, "keep-keys", false, "with -force, keep existing valid keys.pem files")
	flag.StringVar(&o.fontPath, "font", "", "IPA Gothic font file (default: search Debian's paths)")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "gen: unexpected arguments")
		flag.Usage()
		os.Exit(2)
	}
	o.log = os.Stdout
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// generator holds the state of one run.
type generator struct {
	options
	// text is the font renderer, loaded on first use.
	text *textRenderer
	// cards is the card-face renderer, loaded on first use.
	cards *cardimage.Renderer
}

// run writes every missing (or, with force, every) file under o.out.
func run(o options) error {
	g := &generator{options: o}
	if err := g.keys(filepath.Join(o.out, setDir, "keys.pem"), setRoles); err != nil {
		return err
	}
	for _, name := range licenceKeys {
		if err := g.keys(filepath.Join(o.out, setDir, name), []string{myna.RoleLicenceIssuer}); err != nil {
			return err
		}
	}
	for _, f := range dataSignatureKeys {
		if err := g.algKeys(filepath.Join(o.out, setDir, f.name), f.alg, myna.DataSignatureRoles()); err != nil {
			return err
		}
	}
	for _, p := range people {
		dir := filepath.Join(o.out, p.id)
		if err := g.keys(filepath.Join(dir, "keys.pem"), cardRoles); err != nil {
			return err
		}
		if !p.cardKeyAlg.IsRSA() {
			if err := g.altCardKey(filepath.Join(dir, cardKeyFile), p.cardKeyAlg); err != nil {
				return err
			}
		}
		if p.token {
			continue // a phone's token: JPKI keys and certificates only, nothing printed
		}
		files := []struct {
			name string
			make func() ([]byte, error)
		}{
			{"name.png", func() ([]byte, error) { return g.textPNG(p.name, nameLayout) }},
			{"address.png", func() ([]byte, error) { return g.textPNG(p.address, addressLayout) }},
			{"security-code.png", func() ([]byte, error) { return digitsPNG(p.securityCode) }},
			{"number.png", func() ([]byte, error) { return digitsPNG(p.number) }},
			{"face.jp2", func() ([]byte, error) { return encodeJP2(drawFace(p.face)) }},
		}
		for _, f := range files {
			path := filepath.Join(dir, f.name)
			if !o.force && exists(path) {
				fmt.Fprintf(o.log, "kept  %s\n", path)
				continue
			}
			data, err := f.make()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if err := writeFile(path, data); err != nil {
				return err
			}
			fmt.Fprintf(o.log, "wrote %s (%d bytes)\n", path, len(data))
		}
		if err := g.cardFaces(dir); err != nil {
			return err
		}
	}
	return nil
}

// cardFaces renders card-front.png and card-back.png from dir/profile.json
// (after the images it names were written); a directory without profile.json
// gets none.
func (g *generator) cardFaces(dir string) error {
	var p *myna.Profile
	for _, side := range []cardimage.Side{cardimage.Front, cardimage.Back} {
		path := filepath.Join(dir, "card-"+string(side)+".png")
		if !g.force && exists(path) {
			fmt.Fprintf(g.log, "kept  %s\n", path)
			continue
		}
		if p == nil {
			if !exists(filepath.Join(dir, "profile.json")) {
				fmt.Fprintf(g.log, "no profile.json in %s: no card faces\n", dir)
				return nil
			}
			var err error
			if p, err = myna.LoadProfile(filepath.Join(dir, "profile.json")); err != nil {
				return err
			}
		}
		if g.cards == nil {
			r, err := cardimage.New(g.fontPath)
			if err != nil {
				return err
			}
			g.cards = r
		}
		data, err := g.cards.PNG(p, side)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := writeFile(path, data); err != nil {
			return err
		}
		fmt.Fprintf(g.log, "wrote %s (%d bytes)\n", path, len(data))
	}
	return nil
}

// keys makes the key file at path with one key per role, or checks the
// existing one when it is to be kept.
func (g *generator) keys(path string, roles []string) error {
	if exists(path) && (!g.force || g.keepKeys) {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, err := parseKeys(data, roles); err != nil {
			return fmt.Errorf("%s: existing key file is invalid (rerun with -force to replace it): %w", path, err)
		}
		fmt.Fprintf(g.log, "kept  %s\n", path)
		return nil
	}
	data, err := generateKeys(roles)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := writeFile(path, data); err != nil {
		return err
	}
	fmt.Fprintf(g.log, "wrote %s (%d keys)\n", path, len(roles))
	return nil
}

// textPNG renders s with layout l as a 1-bit PNG, loading the font first if
// needed.
func (g *generator) textPNG(s string, l textLayout) ([]byte, error) {
	if g.text == nil {
		path := g.fontPath
		if path == "" {
			var err error
			if path, err = findFont(); err != nil {
				return nil, err
			}
		}
		t, err := newTextRenderer(path)
		if err != nil {
			return nil, err
		}
		g.text = t
	}
	b, err := g.text.render(s, l)
	if err != nil {
		return nil, err
	}
	return b.encodePNG(), nil
}

// digitsPNG renders a digit string in the small bitmap font as a 1-bit PNG.
func digitsPNG(s string) ([]byte, error) {
	b, err := renderDigits(s)
	if err != nil {
		return nil, err
	}
	return b.encodePNG(), nil
}

// exists reports whether path names an existing file.
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// writeFile writes data to path through a temporary file and a rename, so an
// interrupted run never leaves a half-written file.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".gen-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
