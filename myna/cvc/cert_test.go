package cvc

import (
	"bytes"
	"errors"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

var (
	testSurfaceCA = MustKeyID("9000023", "001")
	testTextCA    = MustKeyID("9000033", "001")
	testSubject   = MustKeyID("1310100", "000")
)

// testCert is the golden certificate: test CA 9000023 certifies the card-surface issuer key.
func testCert(t testing.TB) []byte {
	t.Helper()
	b, err := Build(testSurfaceCA, testSubject, &key(t, "cv-issuer-kenkaku").PublicKey, key(t, "cv-ca-kenkaku"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuildGoldenAndParse(t *testing.T) {
	raw := testCert(t)
	golden(t, "ef0004-test-ca-9000023", raw)
	seed(t, "FuzzParse", "valid", raw)
	seed(t, "FuzzParse", "valid-with-filler", cat(raw, repeat(0xFF, 24)))
	seed(t, "FuzzParse", "truncated", raw[:300])

	if len(raw) != Len {
		t.Fatalf("%d bytes, want %d", len(raw), Len)
	}
	for _, part := range []struct {
		off  int
		want []byte
	}{
		{0, h("7F 21 82 02 33 5F 4E 82 01 29")},
		{10, testSurfaceCA[:]},
		{26, testSubject[:]},
		{42, h("90 03 01 00 01 91 82 01 00")},
		{307, h("5F 37 82 01 00")},
	} {
		if got := raw[part.off : part.off+len(part.want)]; !bytes.Equal(got, part.want) {
			t.Errorf("bytes %d..: % X, want % X", part.off, got, part.want)
		}
	}

	c, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != testSurfaceCA || c.Subject != testSubject {
		t.Errorf("issuer %s subject %s", c.Issuer, c.Subject)
	}
	if !c.SubjectKey.Equal(&key(t, "cv-issuer-kenkaku").PublicKey) {
		t.Error("subject key differs")
	}
	if !bytes.Equal(c.Body, raw[10:307]) || !bytes.Equal(c.Signature, raw[312:]) || !bytes.Equal(c.Raw, raw) {
		t.Error("Body, Signature or Raw do not alias the right bytes")
	}
	if err := c.Verify(&key(t, "cv-ca-kenkaku").PublicKey); err != nil {
		t.Errorf("Verify under the signing CA: %v", err)
	}
	err = c.Verify(&key(t, "cv-ca-kenhojo").PublicKey)
	var se *SignatureError
	if !errors.As(err, &se) || !errors.Is(err, ErrSignature) || se.Issuer != testSurfaceCA {
		t.Errorf("Verify under another CA: err = %v, want *SignatureError", err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	raw := testCert(t)
	ca := &key(t, "cv-ca-kenkaku").PublicKey
	for _, off := range []int{10, 25, 26, 41, 60, 306, 312, 567} {
		b := bytes.Clone(raw)
		b[off] ^= 0x01
		c, err := Parse(b)
		if err != nil {
			// Flipping the modulus' lowest bit makes it even: refused at parse time.
			if off == 306 && errors.Is(err, ErrUnsupportedKey) {
				continue
			}
			t.Fatalf("byte %d: %v", off, err)
		}
		if err := c.Verify(ca); !errors.Is(err, ErrSignature) {
			t.Errorf("byte %d flipped: Verify err = %v, want ErrSignature", off, err)
		}
	}
}

func TestParseStrict(t *testing.T) {
	raw := testCert(t)
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(raw)) }
	tests := []struct {
		name        string
		in          []byte
		ok          bool
		unsupported bool
	}{
		{"exact", raw, true, false},
		{"FF filler after", cat(raw, repeat(0xFF, 100)), true, false},
		{"00 filler after", cat(raw, repeat(0x00, 3)), true, false},
		{"data after", cat(raw, h("FF FF 01")), false, false},
		{"wrong outer tag", mod(func(b []byte) []byte { b[1] = 0x4E; return b }), false, false},
		{"outer length 83 form", cat(h("7F 21 83 00 02 33"), raw[5:]), false, false},
		{"outer length too short", mod(func(b []byte) []byte { b[4] = 0x32; return b }), false, false},
		{"body tag 5F4F", mod(func(b []byte) []byte { b[6] = 0x4F; return b }), false, false},
		{"body length 0128", mod(func(b []byte) []byte { b[9] = 0x28; return b }), false, false},
		{"signature tag", mod(func(b []byte) []byte { b[308] = 0x38; return b }), false, false},
		{"signature length", mod(func(b []byte) []byte { b[311] = 0xFF; return b }), false, false},
		{"exponent 01 00 03", mod(func(b []byte) []byte { b[46] = 0x03; return b }), false, true},
		{"modulus tag 92", mod(func(b []byte) []byte { b[47] = 0x92; return b }), false, false},
		{"modulus top bit clear", mod(func(b []byte) []byte { b[51] &= 0x7F; return b }), false, true},
		{"empty", nil, false, false},
		{"too much filler", cat(raw, repeat(0xFF, MaxInputLen)), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *apdu.FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want *apdu.FormatError", err)
			}
			if got := errors.Is(err, ErrUnsupportedKey); got != tc.unsupported {
				t.Errorf("ErrUnsupportedKey = %v, want %v (%v)", got, tc.unsupported, err)
			}
		})
	}
}

func TestParseEveryTruncation(t *testing.T) {
	raw := testCert(t)
	for n := 0; n < len(raw); n++ {
		if _, err := Parse(raw[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%d bytes: err = %v, want ErrMalformed", n, err)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	sub := &key(t, "cv-issuer-kenkaku").PublicKey
	if _, err := Build(testSurfaceCA, testSubject, sub, nil); err == nil {
		t.Error("nil signer accepted")
	}
	bad := *sub
	bad.E = 3
	if _, err := Build(testSurfaceCA, testSubject, &bad, key(t, "cv-ca-kenkaku")); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("exponent 3: err = %v, want ErrUnsupportedKey", err)
	}
}
