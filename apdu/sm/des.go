package sm

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"
	"fmt"
)

// desKey holds the ciphers of one two-key 3DES key: 3DES for encryption and
// the two single-DES halves for the retail MAC.
type desKey struct {
	ede    cipher.Block // 3DES K1 K2 K1
	k1, k2 cipher.Block // single DES halves
}

func newDESKey(key []byte) (*desKey, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("sm: two-key 3DES key of %d bytes, want 16", len(key))
	}
	k24 := make([]byte, 0, 24)
	k24 = append(append(k24, key...), key[:8]...)
	ede, err := des.NewTripleDESCipher(k24)
	if err != nil {
		return nil, err
	}
	k1, _ := des.NewCipher(key[:8])
	k2, _ := des.NewCipher(key[8:])
	return &desKey{ede: ede, k1: k1, k2: k2}, nil
}

// mac computes ISO/IEC 9797-1 MAC algorithm 3 (retail MAC) with DES over msg
// after padding method 2.
func (k *desKey) mac(msg []byte) []byte {
	var h, blk [8]byte
	padded := Pad(msg, 8)
	for i := 0; i < len(padded); i += 8 {
		subtle.XORBytes(blk[:], h[:], padded[i:i+8])
		k.k1.Encrypt(h[:], blk[:])
	}
	k.k2.Decrypt(h[:], h[:])
	k.k1.Encrypt(h[:], h[:])
	return h[:]
}

// RetailMAC returns the 8-byte ISO/IEC 9797-1 MAC algorithm 3 (DES, "retail
// MAC") of msg under the 16-byte key K1‖K2, after padding method 2 — the
// checksum of ICAO Doc 9303 Part 11.
func RetailMAC(key, msg []byte) ([]byte, error) {
	k, err := newDESKey(key)
	if err != nil {
		return nil, err
	}
	return k.mac(msg), nil
}

// cbc encrypts or decrypts b (a multiple of 8 bytes) with 3DES-CBC and a zero IV.
func (k *desKey) cbc(b []byte, encrypt bool) []byte {
	out := make([]byte, len(b))
	var iv [8]byte
	if encrypt {
		cipher.NewCBCEncrypter(k.ede, iv[:]).CryptBlocks(out, b)
	} else {
		cipher.NewCBCDecrypter(k.ede, iv[:]).CryptBlocks(out, b)
	}
	return out
}

// AdjustParity sets the least significant bit of every byte of key so that
// each byte has odd parity, as DES keys require; it returns key.
func AdjustParity(key []byte) []byte {
	for i, b := range key {
		b &^= 1
		p := b ^ b>>4
		p ^= p >> 2
		p ^= p >> 1
		key[i] = b | (^p & 1)
	}
	return key
}
