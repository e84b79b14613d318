package cardocr

import "image"

type imageRGBA = image.RGBA

func newRGBA(w, h int) *image.RGBA { return image.NewRGBA(image.Rect(0, 0, w, h)) }
