package cvc

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"math/big"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

func TestPublicKeyRoundTrip(t *testing.T) {
	k := &key(t, "cv-issuer-kenkaku").PublicKey
	enc, err := EncodePublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) != PublicKeyLen {
		t.Fatalf("%d bytes, want %d", len(enc), PublicKeyLen)
	}
	if want := h("90 03 01 00 01 91 82 01 00"); !bytes.Equal(enc[:9], want) {
		t.Errorf("header % X, want % X", enc[:9], want)
	}
	got, err := ParsePublicKey(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(k) {
		t.Error("decoded key differs")
	}
}

func TestParsePublicKeyErrors(t *testing.T) {
	k := &key(t, "cv-issuer-kenkaku").PublicKey
	mod := k.N.FillBytes(make([]byte, 256))
	small := new(big.Int).Rsh(k.N, 8) // 2040 bits, odd or not
	small.SetBit(small, 0, 1)
	even := new(big.Int).SetBit(k.N, 0, 0)

	tests := []struct {
		name        string
		in          []byte
		unsupported bool // want ErrUnsupportedKey (and ErrMalformed)
		ok          bool
	}{
		{"canonical", cat(h("90 03 010001 91 82 0100"), mod), false, true},
		{"non-minimal lengths accepted", cat(h("90 81 03 010001 91 83 000100"), mod), false, true},
		{"exponent 3", cat(h("90 01 03 91 82 0100"), mod), true, false},
		{"exponent with leading zero", cat(h("90 04 00010001 91 82 0100"), mod), true, false},
		{"modulus 255 bytes", cat(h("90 03 010001 91 81 FF"), mod[1:]), true, false},
		{"modulus 257 bytes", cat(h("90 03 010001 91 82 0101 00"), mod), true, false},
		{"modulus 2040 bits in 256 bytes", cat(h("90 03 010001 91 82 0100"), small.FillBytes(make([]byte, 256))), true, false},
		{"even modulus", cat(h("90 03 010001 91 82 0100"), even.FillBytes(make([]byte, 256))), true, false},
		{"tags swapped", cat(h("91 82 0100"), mod, h("90 03 010001")), false, false},
		{"exponent missing", cat(h("91 82 0100"), mod), false, false},
		{"extra TLV", cat(h("90 03 010001 91 82 0100"), mod, h("92 00")), false, false},
		{"trailing filler", cat(h("90 03 010001 91 82 0100"), mod, h("FF")), false, false},
		{"truncated modulus", cat(h("90 03 010001 91 82 0100"), mod[:200]), false, false},
		{"empty", nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePublicKey(tc.in)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if !got.Equal(k) {
					t.Error("decoded key differs")
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			var fe *apdu.FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want a *apdu.FormatError wrapping ErrMalformed", err)
			}
			if got := errors.Is(err, ErrUnsupportedKey); got != tc.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupportedKey) = %v, want %v (err %v)", got, tc.unsupported, err)
			}
		})
	}
}

func TestEncodePublicKeyRejects(t *testing.T) {
	k := &key(t, "cv-issuer-kenkaku").PublicKey
	for name, bad := range map[string]*rsa.PublicKey{
		"nil":        nil,
		"exponent 3": {N: k.N, E: 3},
		"1024 bits":  {N: new(big.Int).Rsh(k.N, 1024), E: 65537},
	} {
		if _, err := EncodePublicKey(bad); !errors.Is(err, ErrUnsupportedKey) {
			t.Errorf("%s: err = %v, want ErrUnsupportedKey", name, err)
		}
	}
}
