package reports

import (
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
)

// Gomega's renderings that Humanize rewrites.
var (
	// <[]uint8 | len:2, cap:2>: [144, 0]  or  <[]uint8 | len:2, cap:2>: "j\x82"
	gomegaBytes = regexp.MustCompile(`<\[\]uint8 \| len:(\d+), cap:\d+>: (\[[0-9, ]*\]|"(?:[^"\\]|\\.)*")`)
	// <*fmt.wrapError | 0x268c386745e0>
	gomegaPointer = regexp.MustCompile(` \| 0x[0-9a-f]+>`)
	// <uint16>: 27266
	gomegaWord = regexp.MustCompile(`<(uint8|uint16)>: (\d+)\b`)
	// an error's header line: "    <*errors.errorString>: " (the address already dropped)
	gomegaErrorHeader = regexp.MustCompile(`^(\s*)<\*?[A-Za-z0-9_.]+>: $`)
)

// Humanize rewrites a failure message for people: byte slices as upper-case hex instead of
// decimal lists or quoted strings, no pointer addresses, an error shown by its text without the
// dump of its fields, and small unsigned words (status words, bytes) with their hex beside them.
// Text that is not Gomega's is left alone.
func Humanize(msg string) string {
	if !strings.Contains(msg, "<") {
		return msg
	}
	msg = gomegaBytes.ReplaceAllStringFunc(msg, func(m string) string {
		sub := gomegaBytes.FindStringSubmatch(m)
		b, ok := gomegaByteValue(sub[2])
		if !ok {
			return m
		}
		h := strings.ToUpper(hex.EncodeToString(b))
		if len(b) == 0 {
			h = "(empty)"
		}
		return "<" + sub[1] + " bytes>: " + h
	})
	msg = gomegaPointer.ReplaceAllString(msg, ">")
	msg = gomegaWord.ReplaceAllStringFunc(msg, func(m string) string {
		sub := gomegaWord.FindStringSubmatch(m)
		v, err := strconv.ParseUint(sub[2], 10, 16)
		if err != nil {
			return m
		}
		width := 4
		if sub[1] == "uint8" {
			width = 2
		}
		h := strings.ToUpper(strconv.FormatUint(v, 16))
		return m + " (0x" + strings.Repeat("0", max(0, width-len(h))) + h + ")"
	})
	return dropErrorDumps(msg)
}

// gomegaByteValue parses a byte slice as Gomega prints it.
func gomegaByteValue(s string) ([]byte, bool) {
	if strings.HasPrefix(s, `"`) {
		u, err := strconv.Unquote(s)
		return []byte(u), err == nil
	}
	s = strings.Trim(s, "[]")
	if strings.TrimSpace(s) == "" {
		return []byte{}, true
	}
	var out []byte
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 8)
		if err != nil {
			return nil, false
		}
		out = append(out, byte(v))
	}
	return out, true
}

// dropErrorDumps keeps an error's text and drops the dump of its fields that Gomega prints
// after it: "<*T>: " then the text on its own lines, then "{…}" at the same indentation.
func dropErrorDumps(msg string) string {
	lines := strings.Split(msg, "\n")
	out := make([]string, 0, len(lines))
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		m := gomegaErrorHeader.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		indent := m[1]
		// The error text: the lines until the dump opens.
		j := i + 1
		for ; j < len(lines) && !strings.HasPrefix(lines[j], indent+"{"); j++ {
			if !strings.HasPrefix(lines[j], indent) || strings.TrimSpace(lines[j]) == "" {
				break
			}
		}
		if j >= len(lines) || !strings.HasPrefix(lines[j], indent+"{") {
			continue
		}
		out = append(out, lines[i+1:j]...)
		// The dump: one line "{…}", or up to the closing brace at the same indentation.
		end := j
		if !strings.HasSuffix(strings.TrimSpace(lines[j]), "}") {
			for end = j + 1; end < len(lines) && lines[end] != indent+"}"; end++ {
			}
			if end == len(lines) {
				out = append(out, lines[j:]...)
				break
			}
		}
		i = end
	}
	return strings.Join(out, "\n")
}
