package cardimage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoOpenJPEG is wrapped when opj_decompress is not installed.
var ErrNoOpenJPEG = errors.New("opj_decompress not found: install Debian's libopenjp2-tools to render the face photo")

// decodeJP2 decodes a greyscale or colour JP2 with opj_decompress, through a
// private temporary directory that is removed at once (opj_decompress cannot
// read a pipe).
func decodeJP2(data []byte) (image.Image, error) {
	opj, err := exec.LookPath("opj_decompress")
	if err != nil {
		return nil, ErrNoOpenJPEG
	}
	dir, err := os.MkdirTemp("", "taimen-cardimage-")
	if err != nil {
		return nil, fmt.Errorf("face photo: %w", err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "face.jp2"), filepath.Join(dir, "face.pnm")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, fmt.Errorf("face photo: %w", err)
	}
	if msg, err := exec.Command(opj, "-i", in, "-o", out, "-quiet").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("face photo: opj_decompress: %w: %s", err, bytes.TrimSpace(msg))
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, fmt.Errorf("face photo: opj_decompress wrote nothing: %w", err)
	}
	defer f.Close()
	img, err := readPNM(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("face photo: %w", err)
	}
	return img, nil
}

// readPNM reads a binary 8-bit PGM (P5) or PPM (P6), what opj_decompress writes.
func readPNM(r *bufio.Reader) (image.Image, error) {
	var fields []string
	for len(fields) < 4 {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("decoded image: short header: %w", err)
		}
		if len(line) > 0 && line[0] == '#' {
			continue
		}
		fields = append(fields, strings.Fields(line)...)
	}
	return decodePNMBody(r, fields)
}

func decodePNMBody(r io.Reader, f []string) (image.Image, error) {
	w, err1 := strconv.Atoi(f[1])
	h, err2 := strconv.Atoi(f[2])
	maxval, err3 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil || err3 != nil || w <= 0 || h <= 0 || w > 4096 || h > 4096 || maxval != 255 {
		return nil, errors.New("decoded image: unsupported PNM header")
	}
	switch f[0] {
	case "P5":
		g := image.NewGray(image.Rect(0, 0, w, h))
		if _, err := io.ReadFull(r, g.Pix); err != nil {
			return nil, fmt.Errorf("decoded image: %w", err)
		}
		return g, nil
	case "P6":
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		row := make([]byte, 3*w)
		for y := 0; y < h; y++ {
			if _, err := io.ReadFull(r, row); err != nil {
				return nil, fmt.Errorf("decoded image: %w", err)
			}
			for x := 0; x < w; x++ {
				i := m.PixOffset(x, y)
				copy(m.Pix[i:i+3], row[3*x:3*x+3])
				m.Pix[i+3] = 0xff
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("decoded image: unsupported PNM type %q", f[0])
}
