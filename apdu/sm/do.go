package sm

import (
	"fmt"

	"github.com/taimen-dev/taimen/apdu"
)

// Secure-messaging data objects of ISO/IEC 7816-4 (§10.2). An odd tag means
// the object is covered by the cryptographic checksum.
const (
	DO85 apdu.Tag = 0x85 // cryptogram, plain value BER-TLV coded, no padding indicator (odd INS)
	DO86 apdu.Tag = 0x86 // padding-content indicator byte + cryptogram, outside the checksum (text AP)
	DO87 apdu.Tag = 0x87 // padding-content indicator byte + cryptogram, in the checksum (ICAO)
	DO96 apdu.Tag = 0x96 // Le of the unprotected command, outside the checksum (text AP)
	DO97 apdu.Tag = 0x97 // Le of the unprotected command, in the checksum (ICAO)
	DO99 apdu.Tag = 0x99 // processing status SW1 SW2 of the unprotected response
	DO8E apdu.Tag = 0x8E // cryptographic checksum (MAC)
)

// PaddingISO is the padding-content indicator 01: the plaintext was padded with
// ISO/IEC 9797-1 padding method 2 before encryption.
const PaddingISO byte = 0x01

// Objects is the decoded data field of a protected command or response. Each
// kind of object appears at most once; slices alias the parsed input.
type Objects struct {
	CryptoTag  apdu.Tag // DO85, DO86 or DO87; 0 when there is no cryptogram
	Indicator  byte     // padding-content indicator (DO'86' and DO'87' only)
	Cryptogram []byte   // the cryptogram, without the indicator

	LeTag apdu.Tag // DO96 or DO97; 0 when absent
	Le    []byte   // the raw Le value: 0, 1, 2 or 3 (00 hi lo) bytes; see DecodeLe

	HasStatus bool
	Status    apdu.StatusWord // DO'99'

	MAC []byte // value of DO'8E'; nil when absent

	// Covered is set by ParseObjects: the raw encodings of the odd-tag objects
	// before DO'8E', concatenated in order — what the checksum covers.
	Covered []byte
}

// ParseObjects decodes a sequence of secure-messaging data objects. It rejects
// unknown tags, duplicates, two cryptograms or two Le objects, DO'86'/'87'
// without an indicator, a DO'99' that is not two bytes, an undecodable Le,
// and anything after DO'8E'. Errors are *DOError.
func ParseObjects(b []byte) (Objects, error) {
	var o Objects
	tlvs, err := apdu.ParseTLVs(b)
	if err != nil {
		return Objects{}, &DOError{Reason: "not a sequence of BER-TLV objects", Err: err}
	}
	var covered []int // indices into tlvs
	for i, t := range tlvs {
		if o.MAC != nil {
			return Objects{}, &DOError{Tag: t.Tag, Reason: "follows DO'8E'"}
		}
		switch t.Tag {
		case DO85, DO86, DO87:
			if o.CryptoTag != 0 {
				return Objects{}, &DOError{Tag: t.Tag, Reason: "second cryptogram (after " + o.CryptoTag.String() + ")"}
			}
			o.CryptoTag = t.Tag
			o.Cryptogram = t.Value
			if t.Tag != DO85 {
				if len(t.Value) == 0 {
					return Objects{}, &DOError{Tag: t.Tag, Reason: "empty, the padding-content indicator is missing"}
				}
				o.Indicator = t.Value[0]
				o.Cryptogram = t.Value[1:]
			}
		case DO96, DO97:
			if o.LeTag != 0 {
				return Objects{}, &DOError{Tag: t.Tag, Reason: "second Le object (after " + o.LeTag.String() + ")"}
			}
			if _, err := DecodeLe(t.Value); err != nil {
				return Objects{}, &DOError{Tag: t.Tag, Reason: err.Error()}
			}
			o.LeTag, o.Le = t.Tag, t.Value
		case DO99:
			if o.HasStatus {
				return Objects{}, &DOError{Tag: t.Tag, Reason: "second processing status"}
			}
			if len(t.Value) != 2 {
				return Objects{}, &DOError{Tag: t.Tag, Reason: fmt.Sprintf("processing status of %d bytes, want 2", len(t.Value))}
			}
			o.HasStatus = true
			o.Status = apdu.StatusWord(t.Value[0])<<8 | apdu.StatusWord(t.Value[1])
		case DO8E:
			o.MAC = t.Value[:len(t.Value):len(t.Value)]
			if o.MAC == nil {
				o.MAC = []byte{}
			}
			continue
		default:
			return Objects{}, &DOError{Tag: t.Tag, Reason: "not a secure messaging data object"}
		}
		if t.Tag&1 == 1 {
			covered = append(covered, i)
		}
	}
	for _, i := range covered {
		o.Covered = append(o.Covered, tlvs[i].Raw...)
	}
	return o, nil
}

// Count returns the number of data objects in o.
func (o Objects) Count() int {
	n := 0
	for _, present := range []bool{o.CryptoTag != 0, o.LeTag != 0, o.HasStatus, o.MAC != nil} {
		if present {
			n++
		}
	}
	return n
}

// AppendCovered appends the encodings of the checksum-covered objects (odd
// tags, DO'8E' excluded) in the order Append writes them.
func (o Objects) AppendCovered(dst []byte) []byte {
	return o.appendObjects(dst, true)
}

// Append appends the encoding of o: cryptogram, Le, status, then DO'8E', each
// with a minimal length.
func (o Objects) Append(dst []byte) []byte {
	dst = o.appendObjects(dst, false)
	if o.MAC != nil {
		dst = apdu.AppendTLV(dst, DO8E, o.MAC)
	}
	return dst
}

func (o Objects) appendObjects(dst []byte, coveredOnly bool) []byte {
	want := func(t apdu.Tag) bool { return t != 0 && (!coveredOnly || t&1 == 1) }
	if want(o.CryptoTag) {
		dst = o.CryptoTag.Append(dst)
		n := len(o.Cryptogram)
		if o.CryptoTag != DO85 {
			n++
		}
		dst, _ = apdu.AppendLength(dst, n, apdu.LengthMinimal)
		if o.CryptoTag != DO85 {
			dst = append(dst, o.Indicator)
		}
		dst = append(dst, o.Cryptogram...)
	}
	if want(o.LeTag) {
		dst = apdu.AppendTLV(dst, o.LeTag, o.Le)
	}
	if o.HasStatus {
		dst = apdu.AppendTLV(dst, DO99, []byte{o.Status.SW1(), o.Status.SW2()})
	}
	return dst
}

// DecodeLe decodes the value of DO'96'/'97': empty (no Le), one byte (00 = 256),
// two bytes (0000 = 65536) or three bytes 00 hi lo as the text AP sends
// (0000 = 65536).
func DecodeLe(v []byte) (int, error) {
	switch len(v) {
	case 0:
		return 0, nil
	case 1:
		if v[0] == 0 {
			return apdu.MaxShortNe, nil
		}
		return int(v[0]), nil
	case 3:
		if v[0] != 0 {
			return 0, fmt.Errorf("three-byte Le must start with 00, not %02X", v[0])
		}
		v = v[1:]
		fallthrough
	case 2:
		n := int(v[0])<<8 | int(v[1])
		if n == 0 {
			return apdu.MaxExtendedNe, nil
		}
		return n, nil
	}
	return 0, fmt.Errorf("Le of %d bytes", len(v))
}

// EncodeLe returns the value of DO'96'/'97' for ne in the given width: 1 (short,
// ne ≤ 256), 2 (extended) or 3 (00 hi lo, the text AP's form). Width 0 picks
// 1 or 2 bytes. ne 0 gives an empty value.
func EncodeLe(ne, width int) ([]byte, error) {
	if ne < 0 || ne > apdu.MaxExtendedNe {
		return nil, fmt.Errorf("sm: Ne %d outside 0..%d", ne, apdu.MaxExtendedNe)
	}
	if ne == 0 {
		return []byte{}, nil
	}
	if width == 0 {
		width = 1
		if ne > apdu.MaxShortNe {
			width = 2
		}
	}
	switch width {
	case 1:
		if ne > apdu.MaxShortNe {
			return nil, fmt.Errorf("sm: Ne %d does not fit a one-byte Le", ne)
		}
		return []byte{byte(ne)}, nil // 256 → 00
	case 2:
		return []byte{byte(ne >> 8), byte(ne)}, nil // 65536 → 0000
	case 3:
		return []byte{0, byte(ne >> 8), byte(ne)}, nil
	}
	return nil, fmt.Errorf("sm: Le width %d, want 1, 2 or 3", width)
}
