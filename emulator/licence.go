package emulator

import (
	"fmt"

	"github.com/taimen-dev/taimen/myna"
)

// licenceApp builds the driving-licence application (docs/LICENCE.md) of a profile that
// carries a licence: EF 001A (PIN-setting flag, free), EF 001B (licence data) and EF 001C (the
// issuing prefecture's signature over EF 001B), both opened by the PIN in EF 0006 (10 tries;
// "****" when the holder set none). It returns nil for a profile without a licence, or a form
// that is not the card.
func licenceApp(p *myna.Profile, form myna.Form, faults faultSet) (*application, error) {
	l := p.Licence
	if l == nil || !form.IsCard() {
		return nil, nil
	}
	desc, _ := myna.LicenceAP.Application()
	data, err := myna.BuildLicenceData(l)
	if err != nil {
		return nil, err
	}
	sig, err := myna.BuildLicenceSignature(data, l.IssuerKey(), l.Commission)
	if err != nil {
		return nil, err
	}
	if faults.has(FaultForgedLicence) {
		// The expiry pushed five years on after signing: the data parses, the signature fails.
		forged := *l
		forged.Expiry = l.Expiry.AddDate(5, 0, 0)
		if data, err = myna.BuildLicenceData(&forged); err != nil {
			return nil, err
		}
	}
	contents := map[myna.FileID][]byte{
		myna.LicencePINSetting: myna.BuildPINSetting(l.PINSet()),
		myna.LicenceData:       data,
		myna.LicenceSignature:  sig,
	}
	app := &application{id: desc.App.String(), aid: []byte(desc.AID), ssk: sskRefused}
	for _, d := range desc.EFs {
		e := &ef{fid: uint16(d.ID)}
		switch d.Kind {
		case myna.EFTransparent:
			e.kind, e.data, e.read = efBinary, contents[d.ID], toAccess(d.Access)
			if d.ID == myna.LicenceSignature && p.Behaviour.Licence.SignatureFree {
				e.read = access{free: true}
			}
		case myna.EFKeyRef:
			pin := l.PIN()
			e.kind, e.key = efKeyRef, &keyRef{
				state: myna.EFRef{App: myna.LicenceAP, ID: d.ID}.String(), label: d.Secret.String(), kind: d.Secret,
				ref: pin.Bytes(), limit: d.Secret.DefaultRetryLimit(),
				validate: func(b []byte) error { _, err := myna.ParseLicencePIN(string(b)); return err },
			}
		default:
			return nil, fmt.Errorf("licence EF %s: unexpected kind %s", d.ID, d.Kind)
		}
		app.efs[e.fid] = e
	}
	return app, nil
}
