package layout

import (
	"bytes"
	"crypto/rsa"
	"encoding/hex"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/internal/fixture"
)

var update = flag.Bool("update", false, "rewrite golden files and fuzz seed corpora under testdata")

// key returns the fixed RSA-2048 test key of role in testdata/keys.pem.
func key(t testing.TB, role string) *rsa.PrivateKey {
	t.Helper()
	return fixture.Key(t, filepath.Join("testdata", "keys.pem"), role)
}

func pub(t testing.TB, role string) *rsa.PublicKey { return &key(t, role).PublicKey }

// golden compares got with testdata/golden/<name>.hexdump, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	fixture.Hexdump(t, filepath.Join("testdata", "golden", name+".hexdump"), got, *update)
}

// seed writes a fuzz seed corpus file with -update.
func seed(t *testing.T, fuzzName, name string, data []byte) {
	t.Helper()
	fixture.FuzzSeed(t, fuzzName, name, data, *update)
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func repeat(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

// fakeImage returns n bytes: the given signature, then a deterministic pattern. The
// package checks only the signature, so these stand in for real PNG/JP2 files.
func fakeImage(magic []byte, n int, salt byte) []byte {
	b := bytes.Clone(magic)
	for i := len(b); i < n; i++ {
		b = append(b, byte(i*7)^salt)
	}
	return b
}

func fakePNG(n int, salt byte) []byte { return fakeImage(pngMagic, n, salt) }
func fakeJP2(n int, salt byte) []byte { return fakeImage(jp2Magic, n, salt) }

// sameFields compares decoded structures and reports only the paths that differ,
// never the values (they are personal data, even if synthetic).
func sameFields(t *testing.T, what string, got, want any) {
	t.Helper()
	var r pathReporter
	cmp.Equal(got, want, cmp.Reporter(&r),
		cmp.Comparer(func(a, b *rsa.PublicKey) bool { return a.Equal(b) }),
		cmpopts.IgnoreUnexported(CardFace{}, AgeRecord{}, MyNumberImage{}, BasicFourFile{}, Integrity{}, SignedCardKey{}),
		cmpopts.IgnoreFields(CardFace{}, "Raw"),
	)
	if len(r.diffs) > 0 {
		t.Errorf("%s: fields differ: %s", what, strings.Join(r.diffs, ", "))
	}
}

type pathReporter struct {
	path  cmp.Path
	diffs []string
}

func (r *pathReporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }
func (r *pathReporter) PopStep()                 { r.path = r.path[:len(r.path)-1] }
func (r *pathReporter) Report(rs cmp.Result) {
	if !rs.Equal() {
		r.diffs = append(r.diffs, r.path.GoString())
	}
}

// A synthetic person (p01-showa of docs/CONTRACTS.md; all data fictional).
const (
	p01Name         = "番号　太郎"
	p01Address      = "東京都千代田区試験町一丁目２番３号"
	p01BirthDate    = "19800217"
	p01Sex          = '1'
	p01Number       = "123456789018"
	p01Expiry       = "20350217"
	p01Municipality = "13101"
)

// cardFaceInput is the golden card face: image sizes chosen so that the four images
// exercise the short (DF2A, 90 B), 81 (DF25, 200 B) and 82 (DF26, DF27) length forms.
func cardFaceInput(t testing.TB) (CardFaceSigned, CardFaceUnsigned) {
	return CardFaceSigned{
			BirthDate:  p01BirthDate,
			Sex:        p01Sex,
			CardKey:    pub(t, "card"),
			NamePNG:    fakePNG(200, 0x11),
			AddressPNG: fakePNG(300, 0x22),
			PhotoJP2:   fakeJP2(1500, 0x33),
		}, CardFaceUnsigned{
			Expiry:          p01Expiry,
			SecurityCodePNG: fakePNG(90, 0x44),
		}
}

func buildTestCardFace(t testing.TB, size int) []byte {
	t.Helper()
	s, u := cardFaceInput(t)
	b, err := BuildCardFace(s, u, key(t, "cv-issuer-kenkaku"), size)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reassemble rebuilds outerTag{ offsetsTag <offsets of objs>, objs… } with the outer
// length in the 82 form, so that tests can change objects and keep DF21 right.
func reassemble(outerTag, offsetsTag uint32, objs ...[]byte) []byte {
	const hdr = 5 // outer tag (2) + 82 hh ll
	offLen := 3 + 2*len(objs)
	offsets := make([]byte, 0, 2*len(objs))
	pos := hdr + offLen
	body := offLen
	for _, o := range objs {
		offsets = append(offsets, byte(pos>>8), byte(pos))
		pos += len(o)
		body += len(o)
	}
	out := []byte{byte(outerTag >> 8), byte(outerTag), 0x82, byte(body >> 8), byte(body)}
	out = append(out, byte(offsetsTag>>8), byte(offsetsTag), byte(len(offsets)))
	out = append(out, offsets...)
	for _, o := range objs {
		out = append(out, o...)
	}
	return out
}

// rawChildren returns the raw encodings of the objects inside a file's outer TLV.
func rawChildren(t testing.TB, file []byte) [][]byte {
	t.Helper()
	outer, _, err := apdu.ParseTLV(file)
	if err != nil {
		t.Fatal(err)
	}
	kids, err := outer.Children()
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(kids))
	for i, k := range kids {
		out[i] = bytes.Clone(k.Raw)
	}
	return out
}
