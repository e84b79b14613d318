package reader

import (
	"context"
	"errors"
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// KeyStatus is the tries left of one PIN or check code.
type KeyStatus struct {
	App     string `json:"app"`     // e.g. "surface"
	Key     string `json:"key"`     // file ID, e.g. "0012"
	Secret  string `json:"secret"`  // e.g. "check code B"
	NameJA  string `json:"name_ja"` // e.g. "照合番号B"
	Tries   int    `json:"tries"`
	Blocked bool   `json:"blocked"`
}

// Status reads the tries left of every PIN and check code of every
// application with empty VERIFY commands: no try is ever spent. An
// application that answers 6A82 to its SELECT (the driving-licence one on most
// cards, all but JPKI on a phone's token, two of the four on the provisional
// next-generation card) is left out.
func Status(ctx context.Context, s *Session) ([]KeyStatus, error) {
	var out []KeyStatus
	apps := myna.Applications()
	for _, a := range myna.OptionalApps() {
		d, _ := a.Application()
		apps = append(apps, d)
	}
	for _, app := range apps {
		refs := app.KeyRefs()
		if len(refs) == 0 {
			continue
		}
		if err := s.SelectApp(ctx, app.App); err != nil {
			var se *StatusError
			if errors.As(err, &se) && se.SW == apdu.SWFileNotFound {
				continue // not on this card: the licence application, all but JPKI on a phone's token, or an application of another card generation
			}
			return nil, err
		}
		for _, k := range refs {
			n, err := s.Tries(ctx, k.ID)
			if err != nil {
				return nil, fmt.Errorf("status: %w", err)
			}
			st := KeyStatus{App: app.App.String(), Key: k.ID.String(), Secret: k.Name, Tries: n, Blocked: n == 0}
			if k.Secret.Valid() {
				st.Secret, st.NameJA = k.Secret.String(), k.Secret.NameJA()
			}
			out = append(out, st)
		}
	}
	return out, nil
}
