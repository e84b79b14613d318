package reports

import (
	"fmt"
	"strings"
)

// APDULine says in one line how many APDUs the run sent to the card, in all
// and per area: "1,234 APDUs: checkcodes 120, reads 800, …".
func APDULine(s *Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s APDUs", thousands(s.APDUs))
	for i, a := range s.Areas {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s %s", sep, a.Area, thousands(a.APDUs))
	}
	return b.String()
}

// thousands writes n with a comma every three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
