package cvc

import (
	"bytes"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add(h("7F 21 82 02 33 5F 4E 82 01 29"))
	f.Add([]byte{})
	f.Add(h("7F 21 82 00 ED 5F 4E 82 00 83"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		n, sigLen := Len, SignatureLen
		if c.SubjectKeyEC != nil {
			n, sigLen = ECLen, ECSignatureLen
		}
		if len(c.Raw) != n || !bytes.Equal(c.Raw, b[:n]) {
			t.Fatalf("Raw is %d bytes, not the input's first %d", len(c.Raw), n)
		}
		if (c.SubjectKey == nil) == (c.SubjectKeyEC == nil) {
			t.Fatal("want exactly one of SubjectKey and SubjectKeyEC")
		}
		// The body re-encodes to exactly the bytes that were parsed (the form is fixed).
		body := append(append(c.Issuer[:], c.Subject[:]...), mustEncode(t, c)...)
		if !bytes.Equal(body, c.Body) {
			t.Fatal("body does not re-encode to the parsed bytes")
		}
		if len(c.Signature) != sigLen {
			t.Fatalf("signature of %d bytes", len(c.Signature))
		}
	})
}

func mustEncode(t *testing.T, c *Certificate) []byte {
	if c.SubjectKeyEC != nil {
		enc, err := EncodeECPublicKey(c.SubjectKeyEC)
		if err != nil {
			t.Fatalf("a parsed EC key does not encode: %v", err)
		}
		return enc
	}
	enc, err := EncodePublicKey(c.SubjectKey)
	if err != nil {
		t.Fatalf("a parsed key does not encode: %v", err)
	}
	return enc
}
