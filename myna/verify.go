package myna

import "github.com/taimen-dev/taimen/apdu"

// Verify builds VERIFY 00 20 00 80|SFI, presenting value to key reference EF
// key of the current application by its short EF identifier. An empty value
// makes it the tries query, which answers 63Cx and spends nothing (CARD.md).
func Verify(key FileID, value []byte) apdu.Command {
	return VerifyP2(0x80|byte(key&0x1F), value)
}

// TriesQuery is the empty VERIFY of key reference EF key: it reads the tries
// left without spending one.
func TriesQuery(key FileID) apdu.Command { return Verify(key, nil) }

// VerifySelected builds VERIFY 00 20 00 80 for the key reference EF selected
// last (SELECT EF, then VERIFY); an empty value reads its tries.
func VerifySelected(value []byte) apdu.Command { return VerifyP2(0x80, value) }

// VerifyP2 builds VERIFY 00 20 00 P2 with the reference in P2 as given, for a
// P2 taken from another command or one a test wants the card to refuse.
func VerifyP2(p2 byte, value []byte) apdu.Command {
	return apdu.Command{INS: 0x20, P2: p2, Data: value}
}
