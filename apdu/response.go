package apdu

import (
	"encoding/hex"
	"fmt"
)

// Response is a response APDU: optional data and a status word.
type Response struct {
	Data []byte
	SW   StatusWord
}

// ParseResponse decodes a response APDU; Data aliases b.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, syntaxErr("response APDU", len(b), "%d bytes, a status word needs 2", len(b))
	}
	n := len(b) - 2
	return Response{Data: b[:n:n], SW: StatusWord(b[n])<<8 | StatusWord(b[n+1])}, nil
}

// Append appends the encoding of r to dst.
func (r Response) Append(dst []byte) []byte {
	dst = append(dst, r.Data...)
	return append(dst, r.SW.SW1(), r.SW.SW2())
}

// Bytes returns the encoding of r.
func (r Response) Bytes() []byte { return r.Append(make([]byte, 0, len(r.Data)+2)) }

// Err returns nil for 9000 and the status word as an error otherwise.
func (r Response) Err() error {
	if r.SW.OK() {
		return nil
	}
	return r.SW
}

// String formats r as hex data followed by the status word.
func (r Response) String() string {
	if len(r.Data) == 0 {
		return fmt.Sprintf("%04X", uint16(r.SW))
	}
	return fmt.Sprintf("%s %04X", hex.EncodeToString(r.Data), uint16(r.SW))
}
