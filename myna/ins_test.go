package myna

import "testing"

func TestInstructionName(t *testing.T) {
	tests := []struct {
		cla, ins byte
		want     string
	}{
		{0x80, 0x2A, "SIGN"}, // CARD.md: 80 2A P1 P2 is the JPKI and application signature
		{0x00, 0x2A, "PERFORM SECURITY OPERATION"},
		{0x00, 0x20, "VERIFY"},
		{0x80, 0x20, "VERIFY"},
		{0x0C, 0x20, "VERIFY"}, // secure messaging keeps the interindustry name
		{0x00, 0xA4, "SELECT"},
		{0x00, 0xB0, "READ BINARY"},
		{0x80, 0x32, "CHANGE KEY"},
		{0x00, 0x32, "INS 32"},
		{0x80, 0xA2, "SET PUBLIC IC KEY"},
		{0x80, 0xAE, "SET SESSION KEY"},
		{0x00, 0xE2, "INS E2"},
		{0x80, 0xA4, "INS A4"},
	}
	for _, tt := range tests {
		if got := InstructionName(tt.cla, tt.ins); got != tt.want {
			t.Errorf("InstructionName(%02X, %02X) = %q, want %q", tt.cla, tt.ins, got, tt.want)
		}
	}
}
