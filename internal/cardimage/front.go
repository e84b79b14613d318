package cardimage

import (
	"fmt"
	"image"

	"github.com/taimen-dev/taimen/myna"
)

// front draws the card's front.
func (r *Renderer) front(p *myna.Profile) (image.Image, error) {
	birth, err := PrintedBirthDate(p.Person.BirthDate, p.Person.DateForm)
	if err != nil {
		return nil, fmt.Errorf("card image: %w", err)
	}
	if len(p.Images.Face) == 0 {
		return nil, fmt.Errorf("card image: the profile has no face photo")
	}
	face, err := decodeJP2(p.Images.Face)
	if err != nil {
		return nil, fmt.Errorf("card image: %w", err)
	}
	c := r.newCanvas()
	defer c.close()

	// The pale band at the bottom with the title.
	c.fill(image.Rect(0, 536, Width, 614), band)
	steps := []func() error{
		func() error { _, err := c.text(labelSize, labelInk, marginX, nameBase-6, "氏名"); return err },
		func() error { _, err := c.text(nameSize, ink, valueX, nameBase, p.Person.Name); return err },
		func() error { _, err := c.text(labelSize, labelInk, marginX, addressBase, "住所"); return err },
		func() error {
			_, err := c.wrapped([]float64{32, 28, 24, 20}, ink, valueX, addressBase, photoLeft-24-valueX, addressMaxH, p.Person.Address)
			return err
		},
		func() error { _, err := c.text(birthSize, ink, marginX, birthBase, birth); return err },
		func() error {
			if p.Generation.SexOnChipOnly { // the next-generation face prints no sex
				return nil
			}
			x, err := c.text(labelSize, labelInk, sexX, birthBase, "性別")
			if err != nil {
				return err
			}
			_, err = c.text(birthSize, ink, x+14, birthBase, printedSex(p.Person.Sex))
			return err
		},
		func() error {
			c.fill(expiryFrame, boxFill)
			c.frame(expiryFrame, 2, accent)
			_, err := c.text(expirySize, ink, expiryX, expiryBase, PrintedExpiry(p.Card.Expiry))
			return err
		},
		func() error {
			_, err := c.text(titleSize, accent, marginX, titleBase, "個人番号カード")
			return err
		},
		func() error {
			c.photo(face, image.Rect(photoLeft, photoTop, photoLeft+photoWidth, photoTop+photoHeight))
			c.frame(image.Rect(photoLeft-2, photoTop-2, photoLeft+photoWidth+2, photoTop+photoHeight+2), 2, labelInk)
			return nil
		},
		func() error {
			c.fill(codeFrame, white)
			c.frame(codeFrame, 3, ink)
			if _, err := c.text(20, labelInk, codeFrame.Min.X, codeFrame.Min.Y-8, "セキュリティコード"); err != nil {
				return err
			}
			code := p.Card.SecurityCode
			x := codeFrame.Min.X + (codeFrame.Dx()-codePitch*len(code))/2 + 6
			for i, d := range code {
				if _, err := c.text(codeSize, ink, x+i*codePitch, codeFrame.Max.Y-20, string(d)); err != nil {
					return err
				}
			}
			return nil
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, fmt.Errorf("card image: %w", err)
		}
	}
	return c.img, nil
}
