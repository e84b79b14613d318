package cardocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Character whitelists: tesseract keeps to them (its LSTM engine too, since 4.1).
const (
	digits         = "0123456789"
	birthWhitelist = "明治大正昭和平成令和元年月日生0123456789"
)

// tesseract runs the tesseract program.
type tesseract struct {
	path    string
	timeout time.Duration
}

// newTesseract finds tesseract and checks it has the jpn and eng languages.
func newTesseract(ctx context.Context, o Options) (*tesseract, error) {
	path := o.Tesseract
	if path == "" {
		path = "tesseract"
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return nil, fmt.Errorf("card image: %w", ErrNoTesseract)
	}
	t := &tesseract{path: p, timeout: o.Timeout}
	if t.timeout <= 0 {
		t.timeout = 30 * time.Second
	}
	out, err := t.run(ctx, nil, "--list-langs")
	if err != nil {
		return nil, fmt.Errorf("card image: tesseract --list-langs: %w", err)
	}
	have := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		have[l] = true
	}
	for _, l := range []string{"jpn", "eng"} {
		if !have[l] {
			return nil, fmt.Errorf("card image: %w (no %q)", ErrNoLanguage, l)
		}
	}
	return t, nil
}

// ocr reads one line of text from img in the given language, keeping to whitelist.
func (t *tesseract) ocr(ctx context.Context, img image.Image, lang, whitelist string) (string, error) {
	var in bytes.Buffer
	if err := png.Encode(&in, img); err != nil {
		return "", fmt.Errorf("card image: %w", err)
	}
	out, err := t.run(ctx, &in, "stdin", "stdout", "-l", lang, "--psm", "7", "--dpi", "300",
		"-c", "tessedit_char_whitelist="+whitelist)
	if err != nil {
		return "", fmt.Errorf("card image: tesseract: %w", err)
	}
	return string(out), nil
}

// run runs tesseract with args and stdin, one thread (the machine is shared), returning stdout.
func (t *tesseract) run(ctx context.Context, stdin *bytes.Buffer, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.path, args...)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("no answer within %s", t.timeout)
		}
		return nil, fmt.Errorf("%w: %s", err, lastLine(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// lastLine returns the last non-empty line of s, at most 200 bytes.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	l := lines[len(lines)-1]
	if len(l) > 200 {
		l = l[:200]
	}
	return l
}
