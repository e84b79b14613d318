package certify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/unicode/norm"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/reader"
)

// PersonalFinding says that a datum of the scenario's card was found in a
// file the reader wrote; it never carries the value.
type PersonalFinding struct {
	// Where is the file as the reader saw it, e.g. "~/.cache/x.jp2" or "{out}/result.json".
	Where string `json:"where"`
	// Datum names what was found, e.g. "face photo", "birth date", "check code B".
	Datum string `json:"datum"`
	// Encoding says how it was written, e.g. "raw", "base64", "Shift_JIS", "YYYYMMDD".
	Encoding string `json:"encoding"`
}

// matchKind says how a form is looked for.
type matchKind uint8

const (
	matchExact  matchKind = iota // the bytes anywhere
	matchFold                    // anywhere, ASCII case folded (hex, era letters)
	matchDigits                  // a whole run of ASCII digits: no digit on either side
)

// form is one encoding of one datum, formed for the search only (wipe clears it).
type form struct {
	datum, encoding string
	value           []byte
	match           matchKind
}

// personalData is what RR-014 looks for: the scenario card's personal data in
// every encoding a program might store it in.
type personalData struct {
	forms []form
	// binary holds the raw bytes of the images and certificates, to find
	// fragments of them in the output tail (see residue).
	binary [][]byte
}

// Data names used in findings.
const (
	datumName      = "name"
	datumAddress   = "address"
	datumBirthDate = "birth date"
	datumNumber    = "individual number"
	datumSerial    = "card serial number"
	datumAuthCert  = "JPKI authentication certificate"
	datumSignCert  = "JPKI signing certificate"
)

// newPersonalData builds the forms of p's personal data. The certificates
// are read from an in-process card personalized from p, as a reader would
// read them.
func newPersonalData(ctx context.Context, p *myna.Profile) (*personalData, error) {
	d := &personalData{}
	per := p.Person
	d.addText(datumName, "", per.Name)
	d.addText(datumName, ", no space", strings.NewReplacer("\u3000", "", " ", "").Replace(per.Name))
	d.addText(datumAddress, "", per.Address)
	d.addText(datumAddress, ", NFKC", norm.NFKC.String(per.Address))
	if err := d.addDate(datumBirthDate, per.BirthDate, per.DateForm); err != nil {
		return nil, err
	}
	d.add(datumNumber, "ASCII digits", per.IndividualNumber.Bytes(), matchDigits)
	d.add(datumSerial, "ASCII digits", []byte(p.Card.Serial), matchDigits)
	for _, im := range []struct {
		datum string
		data  []byte
	}{
		{"face photo", p.Images.Face}, {"name image", p.Images.Name}, {"address image", p.Images.Address},
		{"security-code image", p.Images.SecurityCode}, {"individual-number image", p.Images.Number},
	} {
		d.addBinary(im.datum, im.data)
	}
	auth, sign, err := holderCertificates(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("read the card's certificates: %w", err)
	}
	for _, c := range []struct {
		datum string
		der   []byte
	}{{datumAuthCert, auth}, {datumSignCert, sign}} {
		d.addBinary(c.datum, c.der)
		body := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.der})
		lines := bytes.Split(bytes.TrimSpace(body), []byte("\n"))
		d.add(c.datum, "PEM", bytes.Join(lines[1:len(lines)-1], []byte("\n")), matchExact)
		clear(body)
	}
	// Unset or empty values would match everywhere.
	d.forms = slices.DeleteFunc(d.forms, func(f form) bool { return len(f.value) < 4 })
	return d, nil
}

func (d *personalData) add(datum, encoding string, value []byte, m matchKind) {
	for _, f := range d.forms {
		if f.datum == datum && f.match == m && bytes.Equal(f.value, value) {
			clear(value)
			return // the same bytes under another name (an ASCII name, a form with no space)
		}
	}
	d.forms = append(d.forms, form{datum: datum, encoding: encoding, value: value, match: m})
}

// addText adds a text in UTF-8, UTF-16 (both byte orders) and Shift_JIS;
// variant is appended to the encoding's name (", no space").
func (d *personalData) addText(datum, variant, text string) {
	if text == "" {
		return
	}
	d.add(datum, "UTF-8"+variant, []byte(text), matchExact)
	units := utf16.Encode([]rune(text))
	le, be := make([]byte, 2*len(units)), make([]byte, 2*len(units))
	for i, u := range units {
		le[2*i], le[2*i+1] = byte(u), byte(u>>8)
		be[2*i], be[2*i+1] = byte(u>>8), byte(u)
	}
	d.add(datum, "UTF-16LE"+variant, le, matchExact)
	d.add(datum, "UTF-16BE"+variant, be, matchExact)
	// A character Shift_JIS cannot hold means no program could store the text so.
	if sjis, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(text)); err == nil {
		d.add(datum, "Shift_JIS"+variant, sjis, matchExact)
	}
}

// addDate adds a date written the common ways; the era forms come from
// myna's era conversion, the six digits in both the era and the card's form f.
func (d *personalData) addDate(datum string, t time.Time, f myna.DateForm) error {
	if t.IsZero() {
		return nil
	}
	d.add(datum, "YYYY-MM-DD", []byte(t.Format("2006-01-02")), matchExact)
	d.add(datum, "YYYYMMDD", []byte(t.Format("20060102")), matchDigits)
	d.add(datum, "YYYY/MM/DD", []byte(t.Format("2006/01/02")), matchExact)
	era, err := myna.ToEra(t)
	if err != nil {
		return fmt.Errorf("%s: %w", datum, err)
	}
	letter := string(era.Era.Letter())
	d.add(datum, "era letter", fmt.Appendf(nil, "%s%d.%d.%d", letter, era.Year, era.Month, era.Day), matchFold)
	d.add(datum, "era letter", fmt.Appendf(nil, "%s%02d.%02d.%02d", letter, era.Year, era.Month, era.Day), matchFold)
	d.add(datum, "era kanji", []byte(era.String()), matchExact)
	d.add(datum, "era kanji", fmt.Appendf(nil, "%s%d年%d月%d日", era.Era.Kanji(), era.Year, era.Month, era.Day), matchExact)
	d.add(datum, "YYMMDD", []byte(era.YYMMDD()), matchDigits)
	if card, err := f.YYMMDD(t); err == nil {
		d.add(datum, "YYMMDD", []byte(card), matchDigits)
	}
	return nil
}

// addBinary adds bytes as raw, hex, base64 (standard and URL alphabets, at
// each of the three alignments within a longer encoding, with or without
// padding) and by SHA-256 (hex and raw digest).
func (d *personalData) addBinary(datum string, data []byte) {
	if len(data) == 0 {
		return
	}
	data = bytes.Clone(data) // wipe clears the forms, not the profile's images
	d.binary = append(d.binary, data)
	d.add(datum, "raw", data, matchExact)
	d.add(datum, "hex", []byte(hex.EncodeToString(data)), matchFold)
	for _, e := range []struct {
		name string
		enc  *base64.Encoding
	}{{"base64", base64.RawStdEncoding}, {"base64url", base64.RawURLEncoding}} {
		for k := range 3 {
			// Only whole 3-byte groups: they encode the same wherever the data starts on a group.
			part := data[k:]
			part = part[:len(part)/3*3]
			if len(part) >= 12 {
				d.add(datum, e.name, []byte(e.enc.EncodeToString(part)), matchExact)
			}
		}
	}
	sum := sha256.Sum256(data)
	d.add(datum, "SHA-256 hex", []byte(hex.EncodeToString(sum[:])), matchFold)
	d.add(datum, "SHA-256 digest", sum[:], matchExact)
}

// wipe clears every formed value.
func (d *personalData) wipe() {
	if d == nil {
		return
	}
	for i := range d.forms {
		clear(d.forms[i].value)
	}
	d.forms, d.binary = nil, nil
}

// holderCertificates reads the JPKI authentication and signing certificates
// (DER) from a card personalized from p, as a reader reads them.
func holderCertificates(ctx context.Context, p *myna.Profile) (auth, sign []byte, err error) {
	card, err := emulator.New(p, emulator.Options{})
	if err != nil {
		return nil, nil, err
	}
	t := reader.NewEmulated(card)
	defer t.Close()
	j, err := reader.ReadJPKI(ctx, reader.NewSession(t, reader.DefaultGuard), reader.JPKIOptions{SignPassword: p.SignPassword()})
	if err != nil {
		return nil, nil, err
	}
	return j.AuthCert.Raw, j.SignCert.Raw, nil
}

// find searches the file sources (those named "file …") for every form.
func (d *personalData) find(srcs []source) []PersonalFinding {
	var out []PersonalFinding
	for _, src := range srcs {
		where, ok := strings.CutPrefix(src.where, "file ")
		if !ok {
			continue
		}
		for _, f := range d.search(src.data) {
			pf := PersonalFinding{Where: where, Datum: f.datum, Encoding: f.encoding}
			if !slices.Contains(out, pf) {
				out = append(out, pf)
			}
		}
	}
	return out
}

// search returns the forms found in data.
func (d *personalData) search(data []byte) []form {
	var folded []byte
	var out []form
	for _, f := range d.forms {
		var hit bool
		switch f.match {
		case matchExact:
			hit = bytes.Contains(data, f.value)
		case matchFold:
			if folded == nil {
				folded = foldASCII(data)
			}
			hit = bytes.Contains(folded, foldASCII(f.value))
		case matchDigits:
			hit = containsDigitToken(data, f.value)
		}
		if hit {
			out = append(out, f)
		}
	}
	return out
}

// foldASCII returns a copy of b with ASCII letters in lower case (other bytes unchanged).
func foldASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

// containsDigitToken reports whether v occurs in b with no ASCII digit
// directly before or after it (so "550217" is not found in "1733550217123").
func containsDigitToken(b, v []byte) bool { return containsToken(b, v, isDigitByte) }

// containsToken reports whether v occurs in b with no byte that joins it
// directly before or after it.
func containsToken(b, v []byte, joins func(byte) bool) bool {
	for off := 0; ; {
		i := bytes.Index(b[off:], v)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(v)
		if (start == 0 || !joins(b[start-1])) && (end == len(b) || !joins(b[end])) {
			return true
		}
		off = start + 1
	}
}

// splitRecords separates the findings under the record store (a path as the
// reader sees it, e.g. "{out}/records" or "~/records"; "" declares none) from
// the others.
func splitRecords(fs []PersonalFinding, records string) (atRest, kept []PersonalFinding) {
	for _, f := range fs {
		if underDir(f.Where, records) {
			kept = append(kept, f)
		} else {
			atRest = append(atRest, f)
		}
	}
	return atRest, kept
}

// underDir reports whether the file p lies in dir (both as the reader saw them).
func underDir(p, dir string) bool {
	if strings.TrimSpace(dir) == "" {
		return false
	}
	d := strings.TrimSuffix(path.Clean(dir), "/") + "/"
	return strings.HasPrefix(path.Clean(p), d)
}
