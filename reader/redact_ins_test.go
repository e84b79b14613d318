package reader

import (
	"testing"

	"github.com/taimen-dev/taimen/myna"
)

// TestRedactorNamesFromMyna checks that traces name every instruction, of
// both classes, from the one table in myna (certify's traces use it too).
func TestRedactorNamesFromMyna(t *testing.T) {
	for _, cla := range []byte{0x00, 0x80} {
		for i := 0; i < 256; i++ {
			ins := byte(i)
			e := NewRedactor(false).Redact([]byte{cla, ins, 0x00, 0x00}, []byte{0x90, 0x00}, nil)
			if want := myna.InstructionName(cla, ins); e.Op != want {
				t.Errorf("%02X %02X 00 00 is named %q, myna.InstructionName says %q", cla, ins, e.Op, want)
			}
		}
	}
}
