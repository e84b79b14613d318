package certify

import (
	"testing"

	"github.com/taimen-dev/taimen/myna"
)

// TestAnnotateNamesFromMyna checks that certification traces name every
// instruction, of both classes, from the one table in myna (the reader's
// redacted traces use it too).
func TestAnnotateNamesFromMyna(t *testing.T) {
	for _, cla := range []byte{0x00, 0x80} {
		for i := 0; i < 256; i++ {
			ex := []Exchange{{cla: cla, ins: byte(i), answered: true}}
			annotate(ex)
			if want := myna.InstructionName(cla, byte(i)); ex[0].Op != want {
				t.Errorf("%02X %02X is named %q, myna.InstructionName says %q", cla, i, ex[0].Op, want)
			}
		}
	}
}
