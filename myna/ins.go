package myna

import "fmt"

// interindustryIns names the ISO/IEC 7816-4 and 7816-8 instructions (class
// byte with b8 = 0) that readers send to the card.
var interindustryIns = map[byte]string{
	0x20: "VERIFY", 0x21: "VERIFY", 0x24: "CHANGE REFERENCE DATA",
	0x2A: "PERFORM SECURITY OPERATION", 0x2C: "RESET RETRY COUNTER",
	0x84: "GET CHALLENGE", 0x88: "INTERNAL AUTHENTICATE", 0xA4: "SELECT",
	0xB0: "READ BINARY", 0xB1: "READ BINARY", 0xB2: "READ RECORD", 0xB3: "READ RECORD",
	0xC0: "GET RESPONSE", 0xCA: "GET DATA", 0xCB: "GET DATA",
}

// proprietaryIns names the card's proprietary instructions (class byte 80):
// 80 2A is the JPKI and application signature, 80 32 changes a 共通/住基
// PIN, 80 A2 carries a terminal CV certificate and 80 AE the secure
// messaging session key (CARD.md).
var proprietaryIns = map[byte]string{
	0x20: "VERIFY", 0x24: "CHANGE REFERENCE DATA", 0x2A: "SIGN", 0x32: "CHANGE KEY",
	0xA2: "SET PUBLIC IC KEY", 0xAE: "SET SESSION KEY",
}

// InstructionName names a command by its class and instruction bytes for
// traces and reports, e.g. "VERIFY" for 00 20, "SIGN" for 80 2A, or "INS E2"
// for an instruction the card does not define.
func InstructionName(cla, ins byte) string {
	names := interindustryIns
	if cla&0x80 != 0 {
		names = proprietaryIns
	}
	if n, ok := names[ins]; ok {
		return n
	}
	return fmt.Sprintf("INS %02X", ins)
}
