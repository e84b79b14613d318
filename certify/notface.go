package certify

import (
	"fmt"
	"strings"
)

// checkNotCardFace is RR-017: on a card that is not a My Number Card's face
// the reader sends no VERIFY at all (with or without data: there is no key
// worth asking about), exits non-zero within the deadline, and says why —
// in {out}/result.json (outcome or error), else in a phrase of its output.
func checkNotCardFace(ev *evidence) (bool, string) {
	var sent []string
	for _, e := range ev.trace {
		if e.Event == "" && (e.ins == 0x20 || e.ins == 0x21) {
			sent = append(sent, fmt.Sprintf("#%d", e.Seq))
		}
	}
	switch {
	case len(sent) > 0:
		return false, fmt.Sprintf("sent %d VERIFY command(s) (%s) to a card that is not a My Number Card's face", len(sent), strings.Join(sent, ", "))
	case ev.timedOut:
		return false, "did not finish on a card that is not a My Number Card's face (killed at the deadline)"
	case ev.exitCode == 0:
		return false, "exited 0 on a card that is not a My Number Card's face: the failure was not reported"
	case ev.result != nil && ev.result.saysNotCardFace():
		return true, fmt.Sprintf("%s without a VERIFY; its %s says why (outcome %q)", exitDesc(ev), ResultFile, ev.result.Outcome)
	case notCardFaceText.Match(ev.output()):
		return true, fmt.Sprintf("%s without a VERIFY and said why", exitDesc(ev))
	}
	return false, fmt.Sprintf("%s without a VERIFY but did not say why (neither %s nor the output names a JPKI-only token or a card that is not a My Number Card)", exitDesc(ev), ResultFile)
}
