package emulator

import (
	"bytes"

	"github.com/taimen-dev/taimen/apdu"
	"github.com/taimen-dev/taimen/myna"
)

// applyFiller rewrites the padding after a file's outer TLV with the profile's filler byte
// (behaviour.filler): myna/layout pads with FF, a card of p06's kind pads with 00. Files that
// are not one TLV (EF 0006 token info, EF 0008 flags, the opaque 16-byte files) keep their bytes.
func applyFiller(ref myna.EFRef, data []byte, filler byte) []byte {
	if ref.App == myna.JPKIAP && (ref.ID == myna.JPKITokenInfo || ref.ID == myna.JPKICertPresence) {
		return data
	}
	if len(data) == 0 || apdu.IsFiller(data) {
		return data
	}
	tlv, rest, err := apdu.ParseTLV(data)
	if err != nil || len(rest) == 0 || !apdu.IsFiller(rest) {
		return data
	}
	out := bytes.Clone(data)
	for i := len(tlv.Raw); i < len(out); i++ {
		out[i] = filler
	}
	return out
}
