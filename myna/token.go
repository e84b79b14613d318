package myna

// formImages loads the card-surface images of a card, and refuses them on a form without the
// card-surface application (a phone's JPKI-only token): such a profile has no card-surface
// section, and its absence is no error.
func (v *validator) formImages(p *Profile, f *imagesFile, dir string) {
	if form := p.Card.Form; !form.Has(CardSurfaceAP) && form != "" {
		if f != nil {
			v.fail("images", "a %s has no card-surface application, so no card-surface images: remove the images section (or set card.form \"card\")", form)
		}
		return
	}
	v.images(p, f, dir)
}
