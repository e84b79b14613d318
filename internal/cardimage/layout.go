package cardimage

import (
	"image"
	"image/color"
)

// Where the front prints the fields a reader photographs for check code B,
// in pixels of a Width × Height image. A photo cropped to the card scales
// them by its own size (see Scale).
var (
	// BirthDateBox holds the birth date line, e.g. "昭和55年 2月17日生".
	BirthDateBox = image.Rect(36, 314, 484, 376)
	// ExpiryYearBox holds the four digits of the expiry year, the start of the
	// expiry line (drawn from x = 60 in 34-pixel type: 17-pixel digits, so 年 starts at 128).
	ExpiryYearBox = image.Rect(48, 400, 130, 454)
	// SecurityCodeBox is the inside of the security-code box under the photo.
	SecurityCodeBox = image.Rect(722, 414, 962, 476)
)

// Scale maps a rectangle of the Width × Height layout onto an image of the
// card with the given bounds.
func Scale(r image.Rectangle, bounds image.Rectangle) image.Rectangle {
	sx := func(x int) int { return bounds.Min.X + x*bounds.Dx()/Width }
	sy := func(y int) int { return bounds.Min.Y + y*bounds.Dy()/Height }
	return image.Rect(sx(r.Min.X), sy(r.Min.Y), sx(r.Max.X), sy(r.Max.Y))
}

// The front's layout: text baselines and sizes in pixels.
const (
	marginX     = 48
	valueX      = 130 // where the name and the address start
	photoLeft   = 716
	photoTop    = 48
	photoWidth  = 252
	photoHeight = 315

	labelSize   = 24
	nameSize    = 46
	nameBase    = 84
	addressBase = 150
	addressMaxH = 4 * 42 // four lines of 32-pixel type
	birthSize   = 36
	birthBase   = 360
	sexX        = 520
	expirySize  = 34
	expiryBase  = 441
	expiryX     = 60
	codeSize    = 48
	codePitch   = 44
	titleSize   = 44
	titleBase   = 590
)

// expiryFrame is the frame around the expiry line.
var expiryFrame = image.Rect(40, 394, 652, 462)

// codeFrame is the security-code box.
var codeFrame = image.Rect(716, 408, 968, 482)

// Colours of the printed card.
var (
	paper     = color.RGBA{0xfb, 0xf7, 0xf0, 0xff} // the card's off-white
	outside   = color.RGBA{0xff, 0xff, 0xff, 0xff} // around the rounded corners
	ink       = color.RGBA{0x1c, 0x1c, 0x1c, 0xff} // printed text
	labelInk  = color.RGBA{0x55, 0x55, 0x55, 0xff} // field labels
	accent    = color.RGBA{0xc8, 0x3c, 0x6e, 0xff} // the title and frames
	band      = color.RGBA{0xf6, 0xe1, 0xe8, 0xff} // the pale band behind the title
	boxFill   = color.RGBA{0xee, 0xf2, 0xfa, 0xff} // behind the expiry line
	white     = color.RGBA{0xff, 0xff, 0xff, 0xff}
	chipGold  = color.RGBA{0xd4, 0xaf, 0x37, 0xff}
	chipLines = color.RGBA{0x8a, 0x6d, 0x1a, 0xff}
)

// cornerRadius is the ID-1 corner radius (3.18 mm) at 300 dpi.
const cornerRadius = 38
