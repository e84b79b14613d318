package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
)

// Size of the synthetic portrait in pixels.
const (
	faceW = 120
	faceH = 150
)

// jp2Signature is the JPEG 2000 signature box every JP2 file starts with.
var jp2Signature = []byte{0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A}

// opjRate is the compression ratio given to opj_compress (-r); 120×150 8-bit
// samples are 18 000 bytes, so the codestream is about 3.6 kB.
const opjRate = "5"

// opjComment replaces the default "Created by OpenJPEG version …" comment so
// that the output does not depend on the installed OpenJPEG version string.
const opjComment = "taimen synthetic test face"

// hairStyle selects the hair drawn on a synthetic face.
type hairStyle int

// The hair styles of the synthetic faces.
const (
	// hairSidePart is short hair with a side-swept fringe.
	hairSidePart hairStyle = iota
	// hairShort is close-cropped hair.
	hairShort
	// hairLong is centre-parted hair falling to the shoulders.
	hairLong
	// hairBob is a jaw-length bob with straight bangs.
	hairBob
	// hairReceding is thin hair with a receding hairline.
	hairReceding
)

// faceStyle describes one synthetic portrait. Tones are 8-bit grey levels.
type faceStyle struct {
	// hair is the hair style.
	hair hairStyle
	// faceWidth is the half-width of the head in pixels.
	faceWidth float64
	// skin, hairTone, clothes and background are the grey levels of those areas.
	skin, hairTone, clothes, background float64
	// glasses adds a pair of glasses.
	glasses bool
	// child draws a rounder face with larger eyes and narrower shoulders.
	child bool
}

// supersample is the number of samples per pixel along each axis.
const supersample = 4

// drawFace renders the portrait as an 8-bit greyscale image, anti-aliased by
// supersampling.
func drawFace(s faceStyle) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, faceW, faceH))
	for y := 0; y < faceH; y++ {
		for x := 0; x < faceW; x++ {
			var sum float64
			for j := 0; j < supersample; j++ {
				for i := 0; i < supersample; i++ {
					sum += s.shade(float64(x)+(float64(i)+0.5)/supersample, float64(y)+(float64(j)+0.5)/supersample)
				}
			}
			v := math.Round(sum / (supersample * supersample))
			img.Pix[y*img.Stride+x] = uint8(math.Max(0, math.Min(255, v)))
		}
	}
	return img
}

// inEllipse reports whether (x, y) lies inside the axis-aligned ellipse with
// centre (cx, cy) and radii rx, ry.
func inEllipse(x, y, cx, cy, rx, ry float64) bool {
	dx, dy := (x-cx)/rx, (y-cy)/ry
	return dx*dx+dy*dy <= 1
}

// shade returns the grey level of the scene at (x, y), painting layers from
// back to front: background, back hair, body, neck, ears, head, front hair,
// features and glasses.
func (s faceStyle) shade(x, y float64) float64 {
	const cx = 60.0
	cy, rx, ry := 62.0, s.faceWidth, s.faceWidth*1.3
	bodyRX, bodyTop := 62.0, 114.0
	eyeDX, eyeY, eyeRX, eyeRY := rx*0.4, cy+ry*0.02, 5.8, 2.7
	if s.child {
		cy, ry = 66, s.faceWidth*1.12
		bodyRX, bodyTop = 52, 110
		eyeY, eyeRX, eyeRY = cy+ry*0.1, 6.2, 3.3
	}
	v := s.background

	// Back hair, behind the head and over the shoulders.
	switch s.hair {
	case hairLong:
		if inEllipse(x, y, cx, cy+4, rx+9, ry+8) || (y > cy && y < 140 && math.Abs(x-cx) < rx+9-(y-cy)*0.05) {
			v = s.hairTone
		}
	case hairBob:
		if inEllipse(x, y, cx, cy+2, rx+8, ry+5) && y < cy+ry*0.72 {
			v = s.hairTone
		}
	}

	// Shoulders and clothes.
	if inEllipse(x, y, cx, bodyTop+40, bodyRX, 40) {
		v = s.clothes
		if s.hair == hairLong || s.child {
			// Round neckline.
			if inEllipse(x, y, cx, bodyTop, rx*0.55, 9) {
				v = s.skin * 0.9
			}
		} else {
			// Suit: a white shirt in a V with a dark tie.
			if y > bodyTop-4 && math.Abs(x-cx) < (y-bodyTop+4)*0.55 {
				v = 236
				if y > bodyTop+2 && math.Abs(x-cx) < 2.2+(y-bodyTop-2)*0.1 {
					v = 45
				}
			}
		}
	}
	if s.hair == hairLong && y > cy && y < 140 && math.Abs(x-cx) > rx*0.55 && math.Abs(x-cx) < rx+9-(y-cy)*0.05 {
		v = s.hairTone // hair falls in front of the shoulders
	}

	// Neck.
	if y > cy && y < bodyTop+6 && math.Abs(x-cx) < rx*0.45 {
		v = s.skin * 0.84
		if y > cy+ry*0.85 && y < cy+ry*0.95 {
			v = s.skin * 0.74 // shadow under the chin
		}
	}

	// Ears.
	if inEllipse(x, y, cx-rx+0.5, eyeY+5, 4, 7.5) || inEllipse(x, y, cx+rx-0.5, eyeY+5, 4, 7.5) {
		v = s.skin * 0.9
	}

	// Head: an egg shape, narrower at the chin, darker towards the edges.
	hrx := rx
	if y > cy {
		hrx = rx * (1 - 0.18*(y-cy)/ry)
	}
	if inEllipse(x, y, cx, cy, hrx, ry) {
		dx, dy := (x-cx)/hrx, (y-cy)/ry
		v = s.skin * (1 - 0.14*(dx*dx+dy*dy))
	}

	// Front hair: inside the hair volume and above the hairline.
	if inEllipse(x, y, cx, cy-4, rx+4.5, ry+4) && y < cy+s.hairline((x-cx)/rx)*ry {
		v = s.hairTone
	}

	// Eyebrows.
	for _, ex := range []float64{cx - eyeDX, cx + eyeDX} {
		u := (x - ex) / 6.5
		if math.Abs(u) < 1 {
			by := eyeY - 7 - 1.8*(1-u*u)
			if math.Abs(y-by) < 1.1 {
				v = math.Min(s.hairTone, 60)
			}
		}
	}

	// Eyes: white, iris, pupil, catchlight and upper lid.
	for _, ex := range []float64{cx - eyeDX, cx + eyeDX} {
		if inEllipse(x, y, ex, eyeY, eyeRX+0.9, eyeRY+1.1) && y < eyeY {
			v = 60 // upper lid line
		}
		if inEllipse(x, y, ex, eyeY, eyeRX, eyeRY) {
			v = 232
			ir := eyeRY * 0.95
			if inEllipse(x, y, ex, eyeY, ir, ir) {
				v = 55
			}
			if inEllipse(x, y, ex, eyeY, ir*0.45, ir*0.45) {
				v = 18
			}
			if inEllipse(x, y, ex+0.9, eyeY-0.9, 0.6, 0.6) {
				v = 235
			}
		}
	}

	// Nose: a soft shadow down one side and two nostrils.
	if inEllipse(x, y, cx+2, cy+ry*0.3, 2.2, ry*0.17) {
		v = s.skin * 0.88
	}
	if inEllipse(x, y, cx-2.8, cy+ry*0.44, 1.6, 1.0) || inEllipse(x, y, cx+2.8, cy+ry*0.44, 1.6, 1.0) {
		v = s.skin * 0.55
	}

	// Mouth: lips and a slightly smiling line.
	my := cy + ry*0.64
	mw := rx * 0.3
	if inEllipse(x, y, cx, my, mw, 2.6) {
		v = s.skin * 0.72
	}
	if u := (x - cx) / mw; math.Abs(u) < 1 && math.Abs(y-(my-0.8+0.9*u*u)) < 0.6 {
		v = 70
	}

	// Glasses: two rounded frames, a bridge and the temples.
	if s.glasses {
		for _, ex := range []float64{cx - eyeDX, cx + eyeDX} {
			d := roundRectDist(x-ex, y-eyeY-1, 8.5, 6.2, 3)
			if math.Abs(d) < 0.7 {
				v = 28
			}
		}
		if math.Abs(y-eyeY+1) < 0.6 && math.Abs(x-cx) < eyeDX-8.5 {
			v = 28
		}
		if math.Abs(y-eyeY+1) < 0.6 && math.Abs(x-cx) > eyeDX+8.5 && math.Abs(x-cx) < rx+1 {
			v = 28
		}
	}
	return v
}

// hairline returns, for a horizontal position u in head half-widths from the
// centre, the lower edge of the front hair in head half-heights from the
// centre (negative is above the centre).
func (s faceStyle) hairline(u float64) float64 {
	a := math.Abs(u)
	switch s.hair {
	case hairSidePart:
		if a > 0.9 {
			return -0.05 - 2*(a-0.9) // sideburns, cut on a slant
		}
		return -0.5 + 0.25*u*u + 0.1*u
	case hairShort:
		if a > 0.92 {
			return -0.15 - 2*(a-0.92)
		}
		return -0.58 + 0.2*u*u
	case hairLong:
		if a > 0.78 {
			return 0.7
		}
		return -0.62 + 0.6*a
	case hairBob:
		if a > 0.82 {
			return 0.72
		}
		return -0.22
	case hairReceding:
		if a > 0.9 {
			return -0.1 - 2*(a-0.9)
		}
		// A widow's peak with receding temples.
		return -0.58 - 0.16*math.Exp(-math.Pow((a-0.55)/0.2, 2)) + 0.35*math.Max(0, a-0.75)
	}
	return -0.5
}

// roundRectDist returns the signed distance from (x, y) to a rectangle centred
// at the origin with half-sizes hw, hh and corner radius r.
func roundRectDist(x, y, hw, hh, r float64) float64 {
	qx, qy := math.Abs(x)-hw+r, math.Abs(y)-hh+r
	outside := math.Hypot(math.Max(qx, 0), math.Max(qy, 0))
	return outside + math.Min(math.Max(qx, qy), 0) - r
}

// encodePGM returns a binary (P5) PGM of a greyscale image.
func encodePGM(g *image.Gray) []byte {
	var b bytes.Buffer
	r := g.Bounds()
	fmt.Fprintf(&b, "P5\n%d %d\n255\n", r.Dx(), r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		b.Write(g.Pix[(y-r.Min.Y)*g.Stride : (y-r.Min.Y)*g.Stride+r.Dx()])
	}
	return b.Bytes()
}

// errNoOpenJPEG reports that opj_compress is not installed.
var errNoOpenJPEG = errors.New("opj_compress not found: install Debian's libopenjp2-tools to make face.jp2 (committed images are reused otherwise)")

// encodeJP2 compresses a greyscale image to a JP2 file with opj_compress,
// going through a temporary PGM.
func encodeJP2(g *image.Gray) ([]byte, error) {
	opj, err := exec.LookPath("opj_compress")
	if err != nil {
		return nil, errNoOpenJPEG
	}
	dir, err := os.MkdirTemp("", "taimen-face-")
	if err != nil {
		return nil, fmt.Errorf("encode JP2: %w", err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "face.pgm"), filepath.Join(dir, "face.jp2")
	if err := os.WriteFile(in, encodePGM(g), 0o600); err != nil {
		return nil, fmt.Errorf("encode JP2: %w", err)
	}
	cmd := exec.Command(opj, "-i", in, "-o", out, "-r", opjRate, "-C", opjComment)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("opj_compress: %w: %s", err, bytes.TrimSpace(msg))
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("encode JP2: %w", err)
	}
	if !bytes.HasPrefix(data, jp2Signature) {
		return nil, errors.New("opj_compress output lacks the JP2 signature box")
	}
	return data, nil
}
