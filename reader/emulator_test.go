package reader_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

var _ reader.Card = (*emulator.Card)(nil)

const profilePath = "../vectors/profiles/p01-showa/profile.json"

// TestTraceOfEmulatedFaceToFace runs a face-to-face reading against the real emulator and checks
// that the trace's JSON holds none of the profile's secrets or personal data, in any form.
func TestTraceOfEmulatedFaceToFace(t *testing.T) {
	card, err := emulator.Load(profilePath, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := myna.LoadProfile(profilePath)
	if err != nil {
		t.Fatal(err)
	}
	tr := reader.NewTrace(reader.NewEmulated(card), reader.TraceOptions{})
	defer tr.Close()
	ctx := context.Background()
	send := func(c apdu.Command) apdu.Response {
		t.Helper()
		r, err := apdu.Exchange(ctx, tr, c, apdu.ExchangeLimits{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	expect := func(c apdu.Command, want apdu.StatusWord) apdu.Response {
		t.Helper()
		r := send(c)
		if r.SW != want {
			t.Fatalf("%02X %02X: %s, want %s", c.INS, c.P2, r.SW, want)
		}
		return r
	}
	selectAID := func(a myna.App) { expect(apdu.Command{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: a.AID()}, apdu.SWSuccess) }
	selectEF := func(id myna.FileID) {
		expect(apdu.Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(id >> 8), byte(id)}}, apdu.SWSuccess)
	}
	readAll := func(sfi byte) []byte {
		var out []byte
		for off := 0; ; off += 256 {
			c := apdu.Command{INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: 256}
			if sfi != 0 {
				if off > 255 {
					t.Fatal("SFI read beyond 8-bit offset")
				}
				c.P1 = 0x80 | sfi
			}
			r := send(c)
			if r.SW == apdu.SWWrongP1P2 || r.SW == apdu.SWEndOfFile && len(r.Data) == 0 {
				return out
			}
			if !r.SW.OK() && r.SW != apdu.SWEndOfFile {
				t.Fatalf("READ BINARY at %d: %s", off, r.SW)
			}
			out = append(out, r.Data...)
			if len(r.Data) < 256 {
				return out
			}
		}
	}
	codeB := p.CheckCodeB().Bytes()

	selectAID(myna.CardSurfaceAP)
	selectEF(myna.SurfaceCheckCodeBRef)
	send(myna.VerifySelected(nil)) // tries left
	wrong := bytes.Clone(codeB)
	wrong[13] = '0' + (wrong[13]-'0'+1)%10
	send(myna.VerifySelected(wrong))
	expect(myna.VerifySelected(codeB), apdu.SWSuccess)
	selectEF(myna.SurfaceFace)
	face := readAll(0)
	selectEF(myna.SurfaceCVCert)
	cv := readAll(0)
	selectAID(myna.TextAP)
	expect(myna.Verify(myna.TextCheckCodeBRef, codeB), apdu.SWSuccess)
	four := readAll(byte(myna.TextBasicFour))
	selectAID(myna.GPISD)
	var objects [][]byte
	for _, tag := range []uint16{0x0045, 0x00F0, 0x00F2} {
		r := send(apdu.Command{INS: 0xCA, P1: byte(tag >> 8), P2: byte(tag), Ne: 256})
		objects = append(objects, r.Data)
	}
	if len(face) < 1000 || len(four) < 50 || len(cv) != 568 {
		t.Fatalf("read %d, %d, %d bytes: the flow did not read the files", len(face), len(four), len(cv))
	}

	js, err := json.Marshal(tr.Entries())
	if err != nil {
		t.Fatal(err)
	}
	var forms []string
	for _, s := range []string{
		string(codeB), string(wrong), p.Person.BirthDateDigits(), p.Card.Expiry.Format("20060102"),
		p.Person.Name, p.Person.Address, p.Person.IndividualNumber.Reveal(), p.Card.SecurityCode, p.Card.Serial,
		p.Person.MunicipalityCode,
	} {
		forms = append(forms, reader.HexUpper([]byte(s)), hex.EncodeToString([]byte(s)))
		if len(s) >= 8 || strings.Trim(s, "0123456789") != "" {
			forms = append(forms, s) // a short number as text would match inside timestamps and durations
		}
	}
	for _, file := range append([][]byte{face, four}, objects...) {
		for i := 0; i+8 <= len(file); i++ {
			w := file[i : i+8]
			if bytes.Count(w, w[:1]) == 8 || bytes.Contains(cv, w) { // filler runs, structure shared with public data
				continue
			}
			forms = append(forms, reader.HexUpper(w))
		}
	}
	for _, f := range forms {
		if strings.Contains(string(js), f) {
			t.Fatalf("trace JSON contains a secret or personal datum (a form %d characters long)", len(f))
		}
	}
	if strings.Contains(string(js), reader.HexUpper(cv[:64])) {
		t.Error("the CV certificate, which names the issuing municipality, is in the trace")
	}
	if got := fmt.Sprint(len(tr.Entries())); got == "0" {
		t.Error("empty trace")
	}
}
