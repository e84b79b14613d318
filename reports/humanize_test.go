package reports

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The inputs are Gomega's own renderings (gomega 1.x, as printed by Expect).
func TestHumanize(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"byte slices as hex",
			"sw of select\nExpected\n    <[]uint8 | len:2, cap:2>: [144, 0]\nto equal\n    <[]uint8 | len:2, cap:2>: \"j\\x82\"",
			"sw of select\nExpected\n    <2 bytes>: 9000\nto equal\n    <2 bytes>: 6A82"},
		{"empty slice", "Expected\n    <[]uint8 | len:0, cap:0>: []\nnot to be empty", "Expected\n    <0 bytes>: (empty)\nnot to be empty"},
		{"error without its dump",
			"Unexpected error:\n    <*fmt.wrapError | 0x268c386745e0>: \n    read EF 0002: card answered 6A82\n    {\n        msg: \"read EF 0002: card answered 6A82\",\n        err: <*errors.errorString | 0x268c3863e570>{\n            s: \"card answered 6A82\",\n        },\n    }\noccurred",
			"Unexpected error:\n    <*fmt.wrapError>: \n    read EF 0002: card answered 6A82\noccurred"},
		{"one-line error dump",
			"Expected\n    <*errors.errorString | 0x268c3863e910>: \n    x\n    {s: \"x\"}\nto match error\n    <string>: y",
			"Expected\n    <*errors.errorString>: \n    x\nto match error\n    <string>: y"},
		{"pointer address", "Expected\n    <*gm.st | 0x268c38674620>: {A: 1}\nto be nil", "Expected\n    <*gm.st>: {A: 1}\nto be nil"},
		{"status word", "Expected\n    <uint16>: 27266\nto equal\n    <uint16>: 36864", "Expected\n    <uint16>: 27266 (0x6A82)\nto equal\n    <uint16>: 36864 (0x9000)"},
		{"byte", "<uint8>: 5", "<uint8>: 5 (0x05)"},
		{"plain text untouched", "card answered 6A80, CARD.md says 63C9", "card answered 6A80, CARD.md says 63C9"},
		{"not a byte list", "<[]uint8 | len:1, cap:1>: [999]", "<[]uint8 | len:1, cap:1>: [999]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, Humanize(tc.in)); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}
