package cardimage

import (
	"fmt"
	"image"

	"github.com/taimen-dev/taimen/myna"
)

// back draws the card's back: the individual number, the name and birth date, and the chip.
func (r *Renderer) back(p *myna.Profile) (image.Image, error) {
	birth, err := PrintedBirthDate(p.Person.BirthDate, p.Person.DateForm)
	if err != nil {
		return nil, fmt.Errorf("card image: %w", err)
	}
	c := r.newCanvas()
	defer c.close()
	c.fill(image.Rect(0, 40, Width, 140), band)
	for _, s := range []struct {
		size float64
		x, y int
		text string
		ink  bool
	}{
		{labelSize, marginX, 92, "個人番号", false},
		{60, marginX + 130, 110, groupedNumber(p.Person.IndividualNumber.Reveal()), true},
		{labelSize, marginX, 262, "氏名", false},
		{40, valueX, 264, p.Person.Name, true},
		{labelSize, marginX, 332, "生年月日", false},
		{34, valueX + 40, 332, birth, true},
	} {
		col := labelInk
		if s.ink {
			col = ink
		}
		if _, err := c.text(s.size, col, s.x, s.y, s.text); err != nil {
			return nil, fmt.Errorf("card image: %w", err)
		}
	}
	// The contact chip: a gold pad with its contact areas.
	chip := image.Rect(100, 400, 250, 520)
	c.fill(chip, chipGold)
	c.frame(chip, 2, chipLines)
	for _, y := range []int{440, 480} {
		c.fill(image.Rect(chip.Min.X, y-1, chip.Max.X, y+1), chipLines)
	}
	c.fill(image.Rect(174, chip.Min.Y, 176, chip.Max.Y), chipLines)
	return c.img, nil
}
