package apdu

import "fmt"

// StatusWord is the two trailing bytes SW1 SW2 of a response APDU.
type StatusWord uint16

// Status words used by the My Number Card and by taimen's emulator.
const (
	SWSuccess                  StatusWord = 0x9000
	SWMoreData                 StatusWord = 0x6100 // 61xx: xx more bytes available (GET RESPONSE)
	SWWarning                  StatusWord = 0x6200 // no information given, state unchanged
	SWEndOfFile                StatusWord = 0x6282 // end of file reached before Le bytes
	SWNoRetryLimit             StatusWord = 0x6300 // verification failed, no retry counter
	SWRetries                  StatusWord = 0x63C0 // 63Cx: verification failed or queried, x tries left
	SWMemoryFailure            StatusWord = 0x6581
	SWKeyDeliveryNotConfigured StatusWord = 0x66F1 // SET SESSION KEY on an application without key delivery
	SWWrongLength              StatusWord = 0x6700
	SWChannelNotSupported      StatusWord = 0x6881
	SWSMNotSupported           StatusWord = 0x6882
	SWCommandNotAllowed        StatusWord = 0x6900
	SWIncompatibleFile         StatusWord = 0x6981
	SWSecurityNotSatisfied     StatusWord = 0x6982
	SWAuthMethodBlocked        StatusWord = 0x6983
	SWReferenceDataBlocked     StatusWord = 0x6984 // reference data not usable: a blocked key answers this
	SWConditionsNotSatisfied   StatusWord = 0x6985
	SWNoCurrentEF              StatusWord = 0x6986
	SWSMObjectsMissing         StatusWord = 0x6987
	SWSMObjectsIncorrect       StatusWord = 0x6988
	SWSMSessionClosed          StatusWord = 0x69FC // text AP: the SM session died after a counter error
	SWWrongData                StatusWord = 0x6A80
	SWFunctionNotSupported     StatusWord = 0x6A81
	SWFileNotFound             StatusWord = 0x6A82
	SWRecordNotFound           StatusWord = 0x6A83
	SWNotEnoughMemory          StatusWord = 0x6A84
	SWLcInconsistentWithTLV    StatusWord = 0x6A85
	SWIncorrectP1P2            StatusWord = 0x6A86
	SWLcInconsistentWithP1P2   StatusWord = 0x6A87
	SWReferenceNotFound        StatusWord = 0x6A88
	SWWrongP1P2                StatusWord = 0x6B00 // also: offset beyond the end of the EF
	SWWrongLe                  StatusWord = 0x6C00 // 6Cxx: resend with Le = xx
	SWINSNotSupported          StatusWord = 0x6D00
	SWCLANotSupported          StatusWord = 0x6E00
	SWNoPreciseDiagnosis       StatusWord = 0x6F00
)

var swNames = map[StatusWord]string{
	SWSuccess:                  "success",
	SWWarning:                  "warning, state unchanged",
	SWEndOfFile:                "end of file reached before Le bytes",
	SWNoRetryLimit:             "verification failed, no retry limit",
	SWMemoryFailure:            "memory failure",
	SWKeyDeliveryNotConfigured: "no key delivery configured",
	SWWrongLength:              "wrong length",
	SWChannelNotSupported:      "logical channel not supported",
	SWSMNotSupported:           "secure messaging not supported",
	SWCommandNotAllowed:        "command not allowed",
	SWIncompatibleFile:         "command incompatible with file structure",
	SWSecurityNotSatisfied:     "security status not satisfied",
	SWAuthMethodBlocked:        "authentication method blocked",
	SWReferenceDataBlocked:     "reference data not usable (blocked)",
	SWConditionsNotSatisfied:   "conditions of use not satisfied",
	SWNoCurrentEF:              "command not allowed, no current EF",
	SWSMObjectsMissing:         "expected secure messaging data objects missing",
	SWSMObjectsIncorrect:       "secure messaging data objects incorrect",
	SWSMSessionClosed:          "secure messaging session closed",
	SWWrongData:                "incorrect parameters in the data field",
	SWFunctionNotSupported:     "function not supported",
	SWFileNotFound:             "file or application not found",
	SWRecordNotFound:           "record not found",
	SWNotEnoughMemory:          "not enough memory space in the file",
	SWLcInconsistentWithTLV:    "Lc inconsistent with TLV structure",
	SWIncorrectP1P2:            "incorrect parameters P1-P2",
	SWLcInconsistentWithP1P2:   "Lc inconsistent with P1-P2",
	SWReferenceNotFound:        "referenced data not found",
	SWWrongP1P2:                "wrong parameters P1-P2 (offset outside the EF)",
	SWINSNotSupported:          "instruction not supported",
	SWCLANotSupported:          "class not supported",
	SWNoPreciseDiagnosis:       "no precise diagnosis",
}

// SW1 returns the first status byte.
func (s StatusWord) SW1() byte { return byte(s >> 8) }

// SW2 returns the second status byte.
func (s StatusWord) SW2() byte { return byte(s) }

// OK reports whether s is 9000.
func (s StatusWord) OK() bool { return s == SWSuccess }

// RetriesLeft returns the status word 63Cx for n tries left (n is clamped to 0..15).
func RetriesLeft(n int) StatusWord {
	n = max(0, min(n, 15))
	return SWRetries | StatusWord(n)
}

// Retries returns x of a 63Cx status word.
func (s StatusWord) Retries() (n int, ok bool) {
	if s&0xFFF0 == SWRetries {
		return int(s & 0x0F), true
	}
	return 0, false
}

// MoreData returns the number of bytes announced by a 61xx status word (00 means 256).
func (s StatusWord) MoreData() (n int, ok bool) {
	if s&0xFF00 != SWMoreData {
		return 0, false
	}
	if n = int(s & 0xFF); n == 0 {
		n = 256
	}
	return n, true
}

// CorrectLe returns the Le a 6Cxx status word asks for (00 means 256).
func (s StatusWord) CorrectLe() (n int, ok bool) {
	if s&0xFF00 != SWWrongLe {
		return 0, false
	}
	if n = int(s & 0xFF); n == 0 {
		n = 256
	}
	return n, true
}

// Name returns a short description, or "" for an unnamed status word.
func (s StatusWord) Name() string {
	if n, ok := swNames[s]; ok {
		return n
	}
	switch {
	case s&0xFFF0 == SWRetries:
		return fmt.Sprintf("verification failed, %d tries left", s&0x0F)
	case s&0xFF00 == SWMoreData:
		return "more data available"
	case s&0xFF00 == SWWrongLe:
		return fmt.Sprintf("wrong Le, exact length %d", s&0xFF)
	}
	return ""
}

// String formats s as hex followed by its name, e.g. "6984 (reference data not usable (blocked))".
func (s StatusWord) String() string {
	if n := s.Name(); n != "" {
		return fmt.Sprintf("%04X (%s)", uint16(s), n)
	}
	return fmt.Sprintf("%04X", uint16(s))
}

// Error makes a status word usable as an error value: callers branch with errors.As.
func (s StatusWord) Error() string { return "card answered " + s.String() }
