package cardimage

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"github.com/taimen-dev/taimen/internal/jptext"
)

// canvas is a card face being drawn.
type canvas struct {
	img   *image.RGBA
	r     *Renderer
	faces map[float64]font.Face
}

// newCanvas returns a blank card: off-white with rounded corners.
func (r *Renderer) newCanvas() *canvas {
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	for y := 0; y < cornerRadius; y++ {
		for x := 0; x < cornerRadius; x++ {
			dx, dy := cornerRadius-x, cornerRadius-y
			if dx*dx+dy*dy > cornerRadius*cornerRadius {
				for _, p := range [][2]int{{x, y}, {Width - 1 - x, y}, {x, Height - 1 - y}, {Width - 1 - x, Height - 1 - y}} {
					img.SetRGBA(p[0], p[1], outside)
				}
			}
		}
	}
	return &canvas{img: img, r: r, faces: map[float64]font.Face{}}
}

// close releases the faces.
func (c *canvas) close() {
	for _, f := range c.faces {
		f.Close()
	}
}

// face returns the face of the given size, made once per canvas.
func (c *canvas) face(size float64) (font.Face, error) {
	if f, ok := c.faces[size]; ok {
		return f, nil
	}
	f, err := c.r.font.Face(size)
	if err != nil {
		return nil, err
	}
	c.faces[size] = f
	return f, nil
}

// text draws s at baseline (x, y) in the given size and colour and returns where it ends.
func (c *canvas) text(size float64, col color.Color, x, y int, s string) (int, error) {
	f, err := c.face(size)
	if err != nil {
		return 0, err
	}
	return jptext.Draw(c.img, f, col, x, y, s), nil
}

// wrapped draws s from baseline (x, y) wrapped to width, in the largest of
// sizes whose lines fit in maxH pixels, and returns the lines drawn.
func (c *canvas) wrapped(sizes []float64, col color.Color, x, y, width, maxH int, s string) (int, error) {
	for i, size := range sizes {
		f, err := c.face(size)
		if err != nil {
			return 0, err
		}
		lines, err := jptext.Wrap(f, s, fixed.I(width))
		if err != nil {
			return 0, err
		}
		lineH := int(size*1.3 + 0.5)
		if len(lines)*lineH > maxH && i < len(sizes)-1 {
			continue
		}
		if len(lines)*lineH > maxH {
			return 0, fmt.Errorf("%d lines do not fit on the card even in %v-pixel type", len(lines), size)
		}
		for j, l := range lines {
			jptext.Draw(c.img, f, col, x, y+j*lineH, l)
		}
		return len(lines), nil
	}
	return 0, nil
}

// fill paints a rectangle.
func (c *canvas) fill(r image.Rectangle, col color.Color) {
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Src)
}

// frame draws a rectangle's outline, w pixels thick, inside r.
func (c *canvas) frame(r image.Rectangle, w int, col color.Color) {
	c.fill(image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+w), col)
	c.fill(image.Rect(r.Min.X, r.Max.Y-w, r.Max.X, r.Max.Y), col)
	c.fill(image.Rect(r.Min.X, r.Min.Y, r.Min.X+w, r.Max.Y), col)
	c.fill(image.Rect(r.Max.X-w, r.Min.Y, r.Max.X, r.Max.Y), col)
}

// photo scales src into r (keeping its aspect ratio, centred) with bilinear filtering.
func (c *canvas) photo(src image.Image, r image.Rectangle) {
	sb := src.Bounds()
	w, h := r.Dx(), sb.Dy()*r.Dx()/sb.Dx()
	if h > r.Dy() {
		w, h = sb.Dx()*r.Dy()/sb.Dy(), r.Dy()
	}
	x0, y0 := r.Min.X+(r.Dx()-w)/2, r.Min.Y+(r.Dy()-h)/2
	xdraw.BiLinear.Scale(c.img, image.Rect(x0, y0, x0+w, y0+h), src, sb, xdraw.Src, nil)
}
