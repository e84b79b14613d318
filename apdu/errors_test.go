package apdu

import (
	"errors"
	"testing"
)

func TestFormatError(t *testing.T) {
	cause := &SyntaxError{What: "TLV", Offset: 3, Reason: "length runs past the end"}
	tests := []struct {
		err     *FormatError
		want    string
		isCause bool
	}{
		{&FormatError{What: "certificate", Offset: 7, Reason: "no body"}, "malformed certificate at byte 7: no body", false},
		{&FormatError{What: "text AP EF 0002 (basic four)", Offset: 12, Tag: 0xDF22, Reason: "empty", Err: cause},
			"malformed text AP EF 0002 (basic four) at byte 12 (DF22): empty: malformed TLV at byte 3: length runs past the end", true},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !errors.Is(tt.err, ErrMalformed) {
			t.Errorf("%v: errors.Is(ErrMalformed) is false", tt.err)
		}
		var se *SyntaxError
		if got := errors.As(tt.err, &se); got != tt.isCause {
			t.Errorf("%v: errors.As(*SyntaxError) = %v, want %v", tt.err, got, tt.isCause)
		}
	}
}
