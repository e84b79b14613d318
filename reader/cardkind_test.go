package reader_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// A face-to-face read of a card that is not a My Number Card's face fails
// before any VERIFY and says what the card is.
func TestReadFaceNotACardFace(t *testing.T) {
	p, err := myna.LoadProfile(profilePath)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		form myna.Form
		kind reader.CardKind
		says string
	}{
		{myna.FormJPKITokenAndroid, reader.KindJPKIToken, "JPKI-only token"},
		{myna.FormJPKITokenIOS, reader.KindJPKIToken, "no card-surface application"},
		{myna.FormNotMyNumber, reader.KindNotMyNumber, "not a My Number Card"},
	}
	for _, tc := range cases {
		for _, code := range []myna.Secret{p.CheckCodeB(), p.CheckCodeA()} {
			t.Run(tc.form.String()+"/"+code.Kind().String(), func(t *testing.T) {
				var ins []byte
				card, err := emulator.New(p, emulator.Options{Form: tc.form, Observe: func(cmd, _ []byte, _ time.Duration) { ins = append(ins, cmd[1]) }})
				if err != nil {
					t.Fatal(err)
				}
				s := reader.NewSession(reader.NewEmulated(card), reader.Guard{AllowLastTry: true})
				_, err = reader.ReadFace(context.Background(), s, code, reader.ReadOptions{})
				var nf *reader.NotFaceError
				if !errors.As(err, &nf) || nf.Kind != tc.kind || !errors.Is(err, reader.ErrNoCardSurface) {
					t.Fatalf("error %v, want a %s", err, tc.kind)
				}
				if !strings.Contains(err.Error(), tc.says) {
					t.Errorf("%q does not say %q", err, tc.says)
				}
				for i, b := range ins {
					if b != 0xA4 {
						t.Errorf("command %d has INS %02X: only SELECT may be sent", i+1, b)
					}
				}
				if len(ins) < 2 {
					t.Errorf("%d commands", len(ins))
				}
			})
		}
	}
}
