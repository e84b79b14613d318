package sm

import "fmt"

// Pad returns a copy of b padded with ISO/IEC 9797-1 padding method 2 (ISO/IEC
// 7816-4: one 80 byte, then 00 bytes up to a multiple of blockSize). Padding is
// always added: an aligned input grows by a whole block. A blockSize below 1 is
// taken as 1.
func Pad(b []byte, blockSize int) []byte {
	return appendPad(make([]byte, 0, paddedLen(len(b), blockSize)), b, blockSize)
}

// paddedLen returns the length of n bytes after padding method 2.
func paddedLen(n, blockSize int) int {
	blockSize = max(blockSize, 1)
	return (n/blockSize + 1) * blockSize
}

// appendPad appends b and its padding to dst.
func appendPad(dst, b []byte, blockSize int) []byte {
	n := paddedLen(len(b), blockSize)
	dst = append(dst, b...)
	dst = append(dst, 0x80)
	for i := len(b) + 1; i < n; i++ {
		dst = append(dst, 0)
	}
	return dst
}

// Unpad removes ISO/IEC 9797-1 padding method 2 from b, whose length must be a
// positive multiple of blockSize. The marker 80 must lie in the last block with
// only 00 bytes after it. The result aliases b. Errors wrap ErrBadPadding.
func Unpad(b []byte, blockSize int) ([]byte, error) {
	blockSize = max(blockSize, 1)
	if len(b) == 0 || len(b)%blockSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes are not a positive multiple of the %d-byte block", ErrBadPadding, len(b), blockSize)
	}
	i := len(b) - 1
	for i > len(b)-blockSize && b[i] == 0 {
		i--
	}
	if b[i] != 0x80 {
		return nil, fmt.Errorf("%w: no 80 marker followed by 00 bytes in the last block", ErrBadPadding)
	}
	return b[:i:i], nil
}
