package main

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
)

// bitmap is a black-on-white 1-bit image, as printed on the card.
type bitmap struct {
	// w and h are the size in pixels.
	w, h int
	// ink holds one entry per pixel, row-major; true is black.
	ink []bool
}

// newBitmap returns an all-white bitmap of the given size.
func newBitmap(w, h int) *bitmap {
	return &bitmap{w: w, h: h, ink: make([]bool, w*h)}
}

// set blackens the pixel at (x, y); points outside the bitmap are ignored.
func (b *bitmap) set(x, y int) {
	if x >= 0 && y >= 0 && x < b.w && y < b.h {
		b.ink[y*b.w+x] = true
	}
}

// at reports whether the pixel at (x, y) is black.
func (b *bitmap) at(x, y int) bool {
	return b.ink[y*b.w+x]
}

// threshold converts a greyscale image to a bitmap: pixels darker than
// mid-grey become black.
func threshold(g *image.Gray) *bitmap {
	r := g.Bounds()
	b := newBitmap(r.Dx(), r.Dy())
	for y := 0; y < b.h; y++ {
		for x := 0; x < b.w; x++ {
			if g.GrayAt(r.Min.X+x, r.Min.Y+y).Y < 128 {
				b.set(x, y)
			}
		}
	}
	return b
}

// pngSignature is the eight bytes every PNG file starts with.
var pngSignature = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}

// encodePNG writes the bitmap as a 1-bit greyscale PNG (colour type 0, bit
// depth 1, sample 0 = black), the format of the card-face images. The standard
// library encoder cannot write 1-bit greyscale, so the few chunks are built here.
func (b *bitmap) encodePNG() []byte {
	var out bytes.Buffer
	out.Write(pngSignature)

	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(b.w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(b.h))
	ihdr[8] = 1  // bit depth
	ihdr[9] = 0  // colour type: greyscale
	ihdr[10] = 0 // compression: deflate
	ihdr[11] = 0 // filter method 0
	ihdr[12] = 0 // no interlace
	writeChunk(&out, "IHDR", ihdr)

	stride := (b.w + 7) / 8
	raw := make([]byte, 0, b.h*(1+stride))
	for y := 0; y < b.h; y++ {
		raw = append(raw, 0) // filter type None
		row := make([]byte, stride)
		for x := 0; x < b.w; x++ {
			if !b.at(x, y) {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		// Padding bits of the last byte are white too, which compresses better.
		for x := b.w; x < stride*8; x++ {
			row[x/8] |= 0x80 >> (x % 8)
		}
		raw = append(raw, row...)
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression) // the level is valid, so no error
	zw.Write(raw)                                          // writes to a bytes.Buffer cannot fail
	zw.Close()
	writeChunk(&out, "IDAT", z.Bytes())
	writeChunk(&out, "IEND", nil)
	return out.Bytes()
}

// writeChunk appends one PNG chunk (length, type, data, CRC) to w.
func writeChunk(w *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	w.Write(n[:])
}
