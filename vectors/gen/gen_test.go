package main

import (
	"bufio"
	"bytes"
	"crypto"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"github.com/taimen-dev/taimen/internal/cardimage"
	"github.com/taimen-dev/taimen/internal/jptext"
	"github.com/taimen-dev/taimen/myna"
)

// profilesDir is the committed profiles directory, relative to this package.
const profilesDir = "../profiles"

// wantProfiles are the profile directories listed in docs/CONTRACTS.md.
var wantProfiles = []string{
	"p01-showa",
	"p02-long-address",
	"p03-foreign-resident",
	"p04-reiwa-boundary",
	"p05-near-expiry",
	"p06-taisho-contactless",
	"p07-licence",
	"p08-android-token",
	"p09-iphone-token",
	"p10-nextgen-provisional", // provisional: AIDs and layout invented
}

// generatedFiles are the files the generator owns in each profile directory.
var generatedFiles = []string{"keys.pem", "face.jp2", "name.png", "address.png", "security-code.png", "number.png", "card-front.png", "card-back.png"}

// TestPeopleMatchContracts checks the generator's table covers exactly the
// profiles of docs/CONTRACTS.md, with well-formed digit strings.
func TestPeopleMatchContracts(t *testing.T) {
	var ids []string
	for _, p := range people {
		ids = append(ids, p.id)
		if len(p.number) != 12 || (len(p.securityCode) != 4) != p.token {
			t.Errorf("%s: number or security code has the wrong length", p.id)
		}
	}
	if !slices.Equal(ids, wantProfiles) {
		t.Errorf("profile ids = %q, want %q", ids, wantProfiles)
	}
}

// TestCommittedFiles checks every committed file of every profile: the PNGs,
// the JP2 face and the key files, and that no key is used twice.
func TestCommittedFiles(t *testing.T) {
	moduli := map[string]string{} // modulus hex → "file role"
	checkKeyFile := func(t *testing.T, path string, roles []string) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := parseKeys(data, roles)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, k := range keys {
			id := fmt.Sprintf("%x", k.key.N.Bytes())
			if prev, ok := moduli[id]; ok {
				t.Errorf("%s role %s reuses the key of %s", path, k.role, prev)
			}
			moduli[id] = path + " " + k.role
		}
	}
	t.Run(setDir, func(t *testing.T) {
		checkKeyFile(t, filepath.Join(profilesDir, setDir, "keys.pem"), setRoles)
	})
	for _, id := range wantProfiles {
		t.Run(id, func(t *testing.T) {
			dir := filepath.Join(profilesDir, id)
			for _, f := range generatedFiles {
				if isToken(id) && f != "keys.pem" {
					if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
						t.Errorf("%s: a phone's token has no printed card, yet %s is committed", id, f)
					}
					continue
				}
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("missing %s: %v", f, err)
				}
			}
			if t.Failed() {
				return
			}
			checkKeyFile(t, filepath.Join(dir, "keys.pem"), cardRoles)
			if isToken(id) {
				return
			}

			for _, tc := range []struct {
				file         string
				w, h         int // exact size; 0 means check the layout instead
				layoutWidth  int
				layoutHeight int // the height must be a multiple of this
			}{
				{file: "name.png", layoutWidth: nameLayout.width, layoutHeight: nameLayout.lineHeight},
				{file: "address.png", layoutWidth: addressLayout.width, layoutHeight: addressLayout.lineHeight},
				{file: "security-code.png", w: 24, h: 12},
				{file: "number.png", w: 72, h: 12},
			} {
				img := checkBilevelPNG(t, filepath.Join(dir, tc.file))
				if img == nil {
					continue
				}
				b := img.Bounds()
				switch {
				case tc.w != 0 && (b.Dx() != tc.w || b.Dy() != tc.h):
					t.Errorf("%s: size %dx%d, want %dx%d", tc.file, b.Dx(), b.Dy(), tc.w, tc.h)
				case tc.w == 0 && (b.Dx() != tc.layoutWidth || b.Dy() == 0 || b.Dy()%tc.layoutHeight != 0):
					t.Errorf("%s: size %dx%d, want width %d and a height that is a multiple of %d",
						tc.file, b.Dx(), b.Dy(), tc.layoutWidth, tc.layoutHeight)
				}
			}
			checkJP2(t, filepath.Join(dir, "face.jp2"))
		})
	}
	t.Run("data signature keys", func(t *testing.T) {
		for _, f := range dataSignatureKeys {
			path := filepath.Join(profilesDir, setDir, f.name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := myna.ParseAlgorithmKeys(data, f.alg, myna.DataSignatureRoles()...)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if a, b := keys[myna.RoleCVCAKenkaku], keys[myna.RoleCVIssuerKenkaku]; a.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(b.Public()) {
				t.Errorf("%s: the CA and the issuer share a key", path)
			}
		}
	})
	t.Run("licence keys", func(t *testing.T) {
		for _, name := range licenceKeys {
			checkKeyFile(t, filepath.Join(profilesDir, setDir, name), []string{myna.RoleLicenceIssuer})
		}
	})
	if want := len(setRoles) + len(licenceKeys) + len(wantProfiles)*len(cardRoles); len(moduli) != want && !t.Failed() {
		t.Errorf("%d distinct keys, want %d", len(moduli), want)
	}
}

// checkBilevelPNG decodes a PNG, checks that it is stored with 1 bit per pixel
// (greyscale or a 2-colour grey palette) and holds only black and white, and
// returns it; it returns nil after reporting an error.
func checkBilevelPNG(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return nil
	}
	if len(data) < 33 || !bytes.Equal(data[:8], pngSignature) || string(data[12:16]) != "IHDR" {
		t.Errorf("%s: not a PNG", path)
		return nil
	}
	depth, ctype := data[24], data[25]
	if depth != 1 || (ctype != 0 && ctype != 3) {
		t.Errorf("%s: bit depth %d colour type %d, want 1-bit greyscale or 1-bit palette", path, depth, ctype)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return nil
	}
	b := img.Bounds()
	var black int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			switch {
			case r != g || g != bl || (r != 0 && r != 0xffff):
				t.Errorf("%s: pixel (%d,%d) is neither black nor white", path, x, y)
				return nil
			case r == 0:
				black++
			}
		}
	}
	if black == 0 || black == b.Dx()*b.Dy() {
		t.Errorf("%s: image is blank", path)
	}
	return img
}

// checkJP2 checks the JP2 signature, the greyscale 8-bit header and colour
// specification boxes and, when opj_decompress is installed, that the file
// decodes to a greyscale image of the expected size.
func checkJP2(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	if !bytes.HasPrefix(data, jp2Signature) {
		t.Errorf("%s: no JP2 signature box", path)
		return
	}
	// ihdr: HEIGHT(4) WIDTH(4) NC(2) BPC(1) C(1) UnkC(1) IPR(1).
	if i := bytes.Index(data, []byte("ihdr")); i < 0 || len(data) < i+4+14 {
		t.Errorf("%s: no ihdr box", path)
	} else {
		h := binary.BigEndian.Uint32(data[i+4:])
		w := binary.BigEndian.Uint32(data[i+8:])
		nc := binary.BigEndian.Uint16(data[i+12:])
		bpc := data[i+14]
		if w != faceW || h != faceH || nc != 1 || bpc != 7 {
			t.Errorf("%s: ihdr %dx%d, %d components, bpc %d; want %dx%d, 1 component, 8-bit unsigned (7)", path, w, h, nc, bpc, faceW, faceH)
		}
	}
	// colr: METH(1) PREC(1) APPROX(1) EnumCS(4); 17 is greyscale.
	if i := bytes.Index(data, []byte("colr")); i < 0 || len(data) < i+4+7 {
		t.Errorf("%s: no colr box", path)
	} else if meth, cs := data[i+4], binary.BigEndian.Uint32(data[i+7:]); meth != 1 || cs != 17 {
		t.Errorf("%s: colr method %d colour space %d, want 1 and 17 (greyscale)", path, meth, cs)
	}

	opj, err := exec.LookPath("opj_decompress")
	if err != nil {
		t.Log("opj_decompress not installed; skipping the decode check")
		return
	}
	out := filepath.Join(t.TempDir(), "face.pgm")
	if msg, err := exec.Command(opj, "-i", path, "-o", out).CombinedOutput(); err != nil {
		t.Errorf("%s: opj_decompress: %v: %s", path, err, msg)
		return
	}
	f, err := os.Open(out)
	if err != nil {
		t.Errorf("%s: opj_decompress wrote no PGM: %v", path, err)
		return
	}
	defer f.Close()
	magic, w, h, maxval, err := readPNMHeader(bufio.NewReader(f))
	if err != nil {
		t.Errorf("%s: decoded PGM: %v", path, err)
		return
	}
	if magic != "P5" || w != faceW || h != faceH || maxval != 255 {
		t.Errorf("%s: decoded to %s %dx%d maxval %d, want P5 (greyscale) %dx%d maxval 255", path, magic, w, h, maxval, faceW, faceH)
	}
}

// readPNMHeader reads the magic number, width, height and maximum value of a
// PNM header, skipping comment lines.
func readPNMHeader(r *bufio.Reader) (magic string, w, h, maxval int, err error) {
	var fields []string
	for len(fields) < 4 {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", 0, 0, 0, fmt.Errorf("short header: %w", err)
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields = append(fields, strings.Fields(line)...)
	}
	magic = fields[0]
	if _, err := fmt.Sscan(strings.Join(fields[1:4], " "), &w, &h, &maxval); err != nil {
		return "", 0, 0, 0, fmt.Errorf("bad header: %w", err)
	}
	return magic, w, h, maxval, nil
}

// TestRerunChangesNothing runs the generator over a copy of the committed
// files and checks that it keeps every file byte for byte, without needing the
// font or opj_compress.
func TestRerunChangesNothing(t *testing.T) {
	dir := t.TempDir()
	want := map[string][]byte{}
	copyFile := func(rel string) {
		data, err := os.ReadFile(filepath.Join(profilesDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
		want[rel] = data
	}
	copyFile(filepath.Join(setDir, "keys.pem"))
	for _, name := range licenceKeys {
		copyFile(filepath.Join(setDir, name))
	}
	for _, f := range dataSignatureKeys {
		copyFile(filepath.Join(setDir, f.name))
	}
	for _, p := range people {
		for _, f := range generatedFiles {
			if p.token && f != "keys.pem" {
				continue // a phone's token: keys only
			}
			copyFile(filepath.Join(p.id, f))
		}
	}
	for _, p := range people {
		if !p.cardKeyAlg.IsRSA() {
			copyFile(filepath.Join(p.id, cardKeyFile))
		}
	}
	if err := run(options{out: dir, fontPath: "/nonexistent/font.ttf", log: io.Discard}); err != nil {
		t.Fatalf("run: %v", err)
	}
	for rel, data := range want {
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s changed", rel)
		}
	}
	entries, err := filepath.Glob(filepath.Join(dir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("%d files after the run, want %d", len(entries), len(want))
	}
}

// TestRunRejectsBadKeyFile checks that an existing but wrong key file is an
// error rather than silently kept.
func TestRunRejectsBadKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, setDir, "keys.pem")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("not a key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(options{out: dir, log: io.Discard}); err == nil {
		t.Fatal("run accepted an invalid key file")
	}
}

// TestParseKeysRejects checks parseKeys on files with missing, extra and
// duplicate roles.
func TestParseKeysRejects(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(profilesDir, wantProfiles[0], "keys.pem"))
	if err != nil {
		t.Fatal(err)
	}
	firstBlock := data[:bytes.Index(data, []byte("-----END PRIVATE KEY-----"))+len("-----END PRIVATE KEY-----\n")]
	for _, tc := range []struct {
		name  string
		data  []byte
		roles []string
	}{
		{"empty", nil, cardRoles},
		{"missing role", firstBlock, cardRoles},
		{"unexpected role", data, cardRoles[1:]},
		{"duplicate role", append(slices.Clone(data), firstBlock...), cardRoles},
		{"wrong type", bytes.ReplaceAll(firstBlock, []byte("PRIVATE KEY"), []byte("RSA PRIVATE KEY")), cardRoles[:1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseKeys(tc.data, tc.roles); err == nil {
				t.Error("parseKeys accepted the file")
			}
		})
	}
}

// TestRenderDigits checks the digit bitmap sizes and the rejection of
// non-digits.
func TestRenderDigits(t *testing.T) {
	for _, tc := range []struct {
		in      string
		w, h    int
		wantErr bool
	}{
		{in: "4821", w: 24, h: 12},
		{in: "123456789018", w: 72, h: 12},
		{in: "12a4", wantErr: true},
	} {
		b, err := renderDigits(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("renderDigits(%d chars): err = %v, want error %v", len(tc.in), err, tc.wantErr)
			continue
		}
		if err == nil && (b.w != tc.w || b.h != tc.h) {
			t.Errorf("renderDigits(%d chars): %dx%d, want %dx%d", len(tc.in), b.w, b.h, tc.w, tc.h)
		}
	}
	// Every glyph is 5 columns of '.' or '#' and the ten glyphs differ.
	seen := map[string]bool{}
	for d, g := range digitGlyphs {
		key := strings.Join(g[:], "/")
		if seen[key] {
			t.Errorf("glyph %d duplicates another", d)
		}
		seen[key] = true
		for _, row := range g {
			if len(row) != 5 || strings.Trim(row, ".#") != "" {
				t.Errorf("glyph %d: bad row %q", d, row)
			}
		}
	}
}

// TestEncodePNGRoundTrip checks the 1-bit greyscale encoder against the
// standard decoder, for widths that do and do not fill whole bytes.
func TestEncodePNGRoundTrip(t *testing.T) {
	for _, w := range []int{1, 7, 8, 9, 24, 337} {
		b := newBitmap(w, 5)
		for i := range b.ink {
			b.ink[i] = (i*7+i/3)%5 < 2
		}
		data := b.encodePNG()
		if data[24] != 1 || data[25] != 0 {
			t.Fatalf("width %d: bit depth %d colour type %d, want 1 and 0", w, data[24], data[25])
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("width %d: %v", w, err)
		}
		for y := 0; y < b.h; y++ {
			for x := 0; x < b.w; x++ {
				got := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y == 0
				if got != b.at(x, y) {
					t.Fatalf("width %d: pixel (%d,%d) black = %v, want %v", w, x, y, got, b.at(x, y))
				}
			}
		}
	}
}

// TestWrap checks that the long address wraps onto several lines that fit
// the field and lose nothing but spaces at line starts.
func TestWrap(t *testing.T) {
	path, err := findFont()
	if err != nil {
		t.Skip(err)
	}
	r, err := newTextRenderer(path)
	if err != nil {
		t.Fatal(err)
	}
	face, err := r.font.Face(addressLayout.size)
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	maxW := fixed.I(addressLayout.width - 2*addressLayout.margin)
	for _, p := range people {
		lines, err := jptext.Wrap(face, p.address, maxW)
		if err != nil {
			t.Fatalf("%s: %v", p.id, err)
		}
		for i, l := range lines {
			if w := font.MeasureString(face, l); w > maxW {
				t.Errorf("%s: line %d is %v wide, more than %v", p.id, i, w, maxW)
			}
		}
		strip := func(s string) string { return strings.NewReplacer(" ", "", "\u3000", "").Replace(s) }
		if strip(strings.Join(lines, "")) != strip(p.address) {
			t.Errorf("%s: wrapped lines do not add up to the address", p.id)
		}
		if p.id == "p02-long-address" && len(lines) < 3 {
			t.Errorf("%s: %d lines, want the long address on 3 or more", p.id, len(lines))
		}
	}
	// A Latin word stays whole when it fits on the next line.
	lines, err := jptext.Wrap(face, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAA BBBBBBBBBB", maxW)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[1] != "BBBBBBBBBB" {
		t.Errorf("wrap split a Latin word: %q", lines)
	}
}

// TestFacesDiffer checks that the five synthetic portraits are distinct and
// not blank.
func TestFacesDiffer(t *testing.T) {
	var pix [][]byte
	for _, p := range people {
		if p.token {
			continue // a phone's token has no face
		}
		g := drawFace(p.face)
		if g.Bounds().Dx() != faceW || g.Bounds().Dy() != faceH {
			t.Fatalf("%s: face is %v", p.id, g.Bounds())
		}
		for _, q := range pix {
			if bytes.Equal(q, g.Pix) {
				t.Errorf("%s: face identical to an earlier one", p.id)
			}
		}
		pix = append(pix, g.Pix)
	}
}

// TestCardImagesMatchRenderer renders every profile's card front and back
// from its profile.json and checks that the committed card-front.png and
// card-back.png are byte for byte what internal/cardimage draws now (a stale
// file means: rerun `go run ./vectors/gen -force -keep-keys`). It needs IPA
// Gothic and opj_decompress, and skips without them except under CI.
func TestCardImagesMatchRenderer(t *testing.T) {
	r, err := cardimage.New("")
	if err == nil {
		_, err = exec.LookPath("opj_decompress")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	for _, id := range wantProfiles {
		if isToken(id) {
			continue // a phone's token has no card to draw
		}
		t.Run(id, func(t *testing.T) {
			p, err := myna.LoadProfile(filepath.Join(profilesDir, id, "profile.json"))
			if err != nil {
				t.Fatal(err)
			}
			for _, side := range []cardimage.Side{cardimage.Front, cardimage.Back} {
				name := "card-" + string(side) + ".png"
				got, err := r.PNG(p, side)
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(filepath.Join(profilesDir, id, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from what the renderer draws now: rerun go run ./vectors/gen -force -keep-keys", name)
				}
				img, err := png.Decode(bytes.NewReader(want))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if b := img.Bounds(); b.Dx() != cardimage.Width || b.Dy() != cardimage.Height {
					t.Errorf("%s: %dx%d, want %dx%d (ID-1 at %d dpi)", name, b.Dx(), b.Dy(), cardimage.Width, cardimage.Height, cardimage.DPI)
				}
			}
		})
	}
}

// isToken says whether profile id is a phone's JPKI-only token (keys only, nothing printed).
func isToken(id string) bool {
	for _, p := range people {
		if p.id == id {
			return p.token
		}
	}
	return false
}
