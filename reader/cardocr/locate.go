package cardocr

import (
	"errors"
	"image"
	"image/color"
)

// lightBorder is the mean grey level of an image's border at or above which
// the image is taken as cropped to the card (the card's off-white edge, or a
// scan on white); below it the card is looked for on the darker surface.
const lightBorder = 160

// ID-1 is 85.60 × 53.98 mm: width/height ≈ 1.586. A located card's box may
// be off by a little (shadows, blur).
const minAspect, maxAspect = 1.45, 1.75

// errNoCard is returned when a photo's border is dark but no card-shaped light area is in it.
var errNoCard = errors.New("card image: no card found: photograph the card's front on a darker surface, or crop the photo to the card")

// locate returns where the card is in img: the whole image when its border
// is light, else the bounding box of the light pixels (brighter than halfway
// between the surface and white) in the rows and columns most covered by
// them, which must have the ID-1 shape.
func locate(img image.Image) (image.Rectangle, error) {
	b := img.Bounds()
	lum := func(x, y int) int { return int(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y) }
	var sum, n int
	for x := b.Min.X; x < b.Max.X; x++ {
		sum, n = sum+lum(x, b.Min.Y)+lum(x, b.Max.Y-1), n+2
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		sum, n = sum+lum(b.Min.X, y)+lum(b.Max.X-1, y), n+2
	}
	bg := sum / n
	if bg >= lightBorder {
		return b, nil
	}
	thr := bg + (255-bg)/2
	rows, cols := make([]int, b.Dy()), make([]int, b.Dx())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if lum(x, y) > thr {
				rows[y-b.Min.Y]++
				cols[x-b.Min.X]++
			}
		}
	}
	y0, y1 := span(rows)
	x0, x1 := span(cols)
	r := image.Rect(b.Min.X+x0, b.Min.Y+y0, b.Min.X+x1, b.Min.Y+y1)
	if r.Dy() == 0 {
		return image.Rectangle{}, errNoCard
	}
	if a := float64(r.Dx()) / float64(r.Dy()); a < minAspect || a > maxAspect {
		return image.Rectangle{}, errNoCard
	}
	return r, nil
}

// span returns the first and one past the last index whose count is at least
// half the largest count (0, 0 when all are zero).
func span(counts []int) (first, end int) {
	top := 0
	for _, c := range counts {
		top = max(top, c)
	}
	if top == 0 {
		return 0, 0
	}
	first, end = -1, 0
	for i, c := range counts {
		if 2*c >= top {
			if first < 0 {
				first = i
			}
			end = i + 1
		}
	}
	return first, end
}
