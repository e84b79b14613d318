package certify

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/myna/layout"
)

// writeVariant writes a copy of the profile p's file into dir with its ef_sizes replaced by
// sizes (nil: none), and loads it. myna resolves the image and key paths of a profile relative
// to its file and refuses absolute ones, so the copy names the original files on disk by paths
// relative to dir; the files of a profile loaded from an fs.FS (embedded in the binary) are
// copied into dir beside it.
func writeVariant(p *myna.Profile, dir string, sizes map[string]int) (*myna.Profile, error) {
	src := p.Path
	raw, err := myna.ReadProfileFile(p, src)
	if err != nil {
		return nil, err
	}
	var f map[string]json.RawMessage
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("profile %s: %w", src, err)
	}
	dstDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	srcDir, err := filepath.Abs(filepath.Dir(src))
	if err != nil {
		return nil, err
	}
	rel := func(field, name string) (string, error) {
		r, err := filepath.Rel(dstDir, filepath.Join(srcDir, filepath.FromSlash(name)))
		return filepath.ToSlash(r), err
	}
	if p.FS != nil {
		rel = func(field, name string) (string, error) {
			b, err := myna.ReadProfileFile(p, path.Join(path.Dir(src), name))
			if err != nil {
				return "", err
			}
			copied := strings.ReplaceAll(field, ".", "-") + path.Ext(name)
			return copied, os.WriteFile(filepath.Join(dir, copied), b, 0o600)
		}
	}
	var images map[string]string
	if err := json.Unmarshal(f["images"], &images); err != nil {
		return nil, fmt.Errorf("profile %s: images: %w", src, err)
	}
	for k, p := range images {
		if images[k], err = rel("images."+k, p); err != nil {
			return nil, err
		}
	}
	keyPaths := map[string]string{"keys": myna.DefaultCardKeys, "ca_keys": myna.DefaultCAKeys}
	for field, def := range keyPaths {
		p := def
		if v, ok := f[field]; ok {
			if err := json.Unmarshal(v, &p); err != nil {
				return nil, fmt.Errorf("profile %s: %s: %w", src, field, err)
			}
		}
		r, err := rel(field, p)
		if err != nil {
			return nil, err
		}
		f[field], _ = json.Marshal(r)
	}
	f["images"], _ = json.Marshal(images)
	if err := relGenerationKey(f, src, rel); err != nil {
		return nil, err
	}
	delete(f, "ef_sizes")
	if len(sizes) > 0 {
		f["ef_sizes"], _ = json.Marshal(sizes)
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "profile.json")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		return nil, err
	}
	return myna.LoadProfile(file)
}

// probeFace personalizes a throw-away card from p with the given faults and
// reads its card-surface file in process (short reads, check code B): it
// returns the file's physical size and the expiry date it carries.
func probeFace(p *myna.Profile, faults []emulator.FaultSetting) (size int, expiry string, err error) {
	card, err := emulator.New(p, emulator.Options{Faults: faults})
	if err != nil {
		return 0, "", err
	}
	card.PowerOn()
	send := func(c apdu.Command) (apdu.Response, error) {
		raw, err := c.Bytes()
		if err != nil {
			return apdu.Response{}, err
		}
		rsp := card.Transmit(raw)
		if rsp == nil {
			return apdu.Response{}, errors.New("the card gave no answer")
		}
		return apdu.ParseResponse(rsp)
	}
	steps := []apdu.Command{
		{INS: 0xA4, P1: 0x04, P2: 0x0C, Data: myna.CardSurfaceAP.AID()},
		myna.Verify(myna.SurfaceCheckCodeBRef, p.CheckCodeB().Bytes()),
		{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(myna.SurfaceFace >> 8), byte(myna.SurfaceFace)}},
	}
	for _, c := range steps {
		r, err := send(c)
		if err != nil {
			return 0, "", err
		}
		if r.SW != apdu.SWSuccess {
			return 0, "", fmt.Errorf("probe: %02X %02X: card answered %s", c.INS, c.P1, r.SW.String())
		}
	}
	var file []byte
	for off := 0; off <= 0x7FFF; off += 256 {
		r, err := send(apdu.Command{INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: 256})
		if err != nil {
			return 0, "", err
		}
		if r.SW != apdu.SWSuccess {
			break // at the end of a file whose size is a multiple of 256
		}
		file = append(file, r.Data...)
		if len(r.Data) < 256 {
			break
		}
	}
	face, err := layout.ParseCardFace(file)
	if err != nil {
		return 0, "", fmt.Errorf("probe: card face: %w", err)
	}
	return len(file), face.Unsigned.Expiry, nil
}
