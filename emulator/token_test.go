package emulator

import (
	"bytes"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/layout"
)

// The two phone-token profiles: the JPKI application alone, each with its label, the token ATR,
// and its own extended-length behaviour (Android sends and takes extended READ BINARY; the
// iPhone token refuses it, so a reader must read 256 bytes at a time).
func TestTokenProfiles(t *testing.T) {
	for _, tc := range []struct {
		id, label string
		extended  bool
	}{{"p08-android-token", "JPKIAPGPSETOKEN", true}, {"p09-iphone-token", "JPKIAPIOSTOKEN", false}} {
		t.Run(tc.id, func(t *testing.T) {
			s := term{t, newCard(t, tc.id, Options{})}
			if !bytes.Equal(s.c.ATR(), myna.FormJPKITokenAndroid.ATR()) {
				t.Errorf("ATR % X", s.c.ATR())
			}
			for _, app := range append(myna.Apps(), myna.LicenceAP) {
				want := apdu.SWFileNotFound
				if app == myna.JPKIAP {
					want = apdu.SWSuccess
				}
				s.expect(selApp(app), want)
			}
			s.selectApp(myna.JPKIAP)
			info, err := layout.ParseTokenInfo(s.expect(readSFI(myna.JPKITokenInfo, 256), apdu.SWSuccess))
			if err != nil || info.Label != tc.label {
				t.Errorf("token label %q, %v", info.Label, err)
			}
			ext := s.send(apdu.Command{INS: 0xB0, P1: 0x80 | byte(myna.JPKIAuthCert), Ne: apdu.MaxExtendedNe, Extended: true})
			if (ext.SW == apdu.SWSuccess) != tc.extended || (!tc.extended && ext.SW != apdu.SWWrongLength) {
				t.Errorf("extended READ BINARY: %v", ext.SW)
			}
			// 256-byte short reads work on both: a full 256-byte answer, then the rest.
			s.expect(selEF(myna.JPKIAuthCert), apdu.SWSuccess)
			if got := s.expect(apdu.Command{INS: 0xB0, Ne: 256}, apdu.SWSuccess); len(got) != 256 {
				t.Errorf("Le 00 gave %d bytes", len(got))
			}
			if n := len(s.c.Tries()); n != 2 {
				t.Errorf("counters %v: want the JPKI PIN and password only", s.c.Tries())
			}
		})
	}
}
