package reader

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type step struct {
	cmd, rsp string // hex; rsp "" with err set for a transport failure
	err      error
}

func TestRedactor(t *testing.T) {
	const (
		selKenkaku = "00A4040C0AD3921000310001010402"
		selKenhojo = "00A4040C0AD3921000310001010408"
		selJPKI    = "00A4040C0AD392F000260100000001"
		selCommon  = "00A4040C0AD3921000310001010100"
		selISD     = "00A4040C07A0000001510000"
	)
	big := strings.Repeat("AB", 256)
	tests := []struct {
		name   string
		reveal bool
		steps  []step
		want   []Entry
	}{
		{
			name:  "public file after SELECT EF is shown",
			steps: []step{{selJPKI, "9000", nil}, {"00A4020C020006", "9000", nil}, {"00B0000004", "4A504B499000", nil}},
			want: []Entry{
				{Op: "SELECT", Object: "jpki", Command: selJPKI, SW: "9000"},
				{Op: "SELECT", Object: "jpki/0006", Command: "00A4020C020006", SW: "9000"},
				{Op: "READ BINARY", Object: "jpki/0006", Command: "00B0000004", Response: "4A504B49", SW: "9000"},
			},
		},
		{
			name: "AP information and CV certificates name the municipality: masked with that reason",
			steps: []step{
				{selKenkaku, "9000", nil}, {"00A4020C020004", "9000", nil}, {"00B0000004", "7F2182029000", nil}, {"00B0830000", "FF3082019000", nil},
				{selKenhojo, "9000", nil}, {"00B0840000", "7F219000", nil}, {"00B0850000", "FF409000", nil},
			},
			want: []Entry{
				{Op: "SELECT", Object: "surface", Command: selKenkaku, SW: "9000"},
				{Op: "SELECT", Object: "surface/0004", Command: "00A4020C020004", SW: "9000"},
				{Op: "READ BINARY", Object: "surface/0004", Command: "00B0000004", Response: "[redacted 4 bytes]", SW: "9000", RedactedResponse: ReasonMunicipality},
				{Op: "READ BINARY", Object: "surface/0003", Command: "00B0830000", Response: "[redacted 4 bytes]", SW: "9000", RedactedResponse: ReasonMunicipality},
				{Op: "SELECT", Object: "text", Command: selKenhojo, SW: "9000"},
				{Op: "READ BINARY", Object: "text/0004", Command: "00B0840000", Response: "[redacted 2 bytes]", SW: "9000", RedactedResponse: ReasonMunicipality},
				{Op: "READ BINARY", Object: "text/0005", Command: "00B0850000", Response: "[redacted 2 bytes]", SW: "9000", RedactedResponse: ReasonMunicipality},
			},
		},
		{
			name:  "SFI reads follow the file named in P1",
			steps: []step{{selJPKI, "9000", nil}, {"00B08A0000", "308204" + "9000", nil}, {"00B08B0000", "3082" + "9000", nil}, {"00B0000002", "30829000", nil}},
			want: []Entry{
				{Op: "SELECT", Object: "jpki", Command: selJPKI, SW: "9000"},
				{Op: "READ BINARY", Object: "jpki/000A", Command: "00B08A0000", Response: "[redacted 3 bytes]", SW: "9000", RedactedResponse: ReasonPersonal},
				{Op: "READ BINARY", Object: "jpki/000B", Command: "00B08B0000", Response: "3082", SW: "9000"},
				{Op: "READ BINARY", Object: "jpki/000B", Command: "00B0000002", Response: "3082", SW: "9000"},
			},
		},
		{
			name:  "failed SELECT EF makes the current EF unknown",
			steps: []step{{selKenkaku, "9000", nil}, {"00A4020C020004", "9000", nil}, {"00A4020C020099", "6A82", nil}, {"00B0000002", "7F219000", nil}},
			want: []Entry{
				{Op: "SELECT", Object: "surface", Command: selKenkaku, SW: "9000"},
				{Op: "SELECT", Object: "surface/0004", Command: "00A4020C020004", SW: "9000"},
				{Op: "SELECT", Object: "surface/0099", Command: "00A4020C020099", SW: "6A82"},
				{Op: "READ BINARY", Object: "surface/?", Command: "00B0000002", Response: "[redacted 2 bytes]", SW: "9000", RedactedResponse: ReasonNotPublic},
			},
		},
		{
			name:  "unknown AID and path SELECT are not followed",
			steps: []step{{"00A4040C03D39210", "9000", nil}, {"00A4020C020004", "9000", nil}, {"00B0000002", "7F219000", nil}, {selKenkaku, "9000", nil}, {"00A4080C0400040004", "9000", nil}, {"00B0000002", "7F219000", nil}},
			want: []Entry{
				{Op: "SELECT", Object: "AID D39210", Command: "00A4040C03D39210", SW: "9000"},
				{Op: "SELECT", Object: "?/0004", Command: "00A4020C020004", SW: "9000"},
				{Op: "READ BINARY", Object: "?/0004", Command: "00B0000002", Response: "[redacted 2 bytes]", SW: "9000", RedactedResponse: ReasonNotPublic},
				{Op: "SELECT", Object: "surface", Command: selKenkaku, SW: "9000"},
				{Op: "SELECT", Object: "?", Command: "00A4080C0400040004", SW: "9000"},
				{Op: "READ BINARY", Object: "?/?", Command: "00B0000002", Response: "[redacted 2 bytes]", SW: "9000", RedactedResponse: ReasonNotPublic},
			},
		},
		{
			name: "GET RESPONSE inherits the redaction of the command it continues",
			steps: []step{
				{selJPKI, "9000", nil}, {"00B08A0000", "6104", nil}, {"00C0000004", "313233349000", nil},
				{"00B08B0000", "6102", nil}, {"00C0000002", "30829000", nil}, {"00C0000002", "7F219000", nil},
			},
			want: []Entry{
				{Op: "SELECT", Object: "jpki", Command: selJPKI, SW: "9000"},
				{Op: "READ BINARY", Object: "jpki/000A", Command: "00B08A0000", SW: "6104"},
				{Op: "GET RESPONSE", Object: "jpki/000A", Command: "00C0000004", Response: "[redacted 4 bytes]", SW: "9000", RedactedResponse: ReasonPersonal},
				{Op: "READ BINARY", Object: "jpki/000B", Command: "00B08B0000", SW: "6102"},
				{Op: "GET RESPONSE", Object: "jpki/000B", Command: "00C0000002", Response: "3082", SW: "9000"},
				{Op: "GET RESPONSE", Command: "00C0000002", Response: "[redacted 2 bytes]", SW: "9000", RedactedResponse: ReasonNotPublic},
			},
		},
		{
			name: "secrets in VERIFY, CHANGE REFERENCE DATA, CHANGE KEY, SET SESSION KEY keep their length",
			steps: []step{
				{selKenhojo, "9000", nil}, {"00A4020C020011", "9000", nil}, {"00200080", "63C3", nil},
				{"0020008004" + "35393331", "9000", nil}, {"0024018004" + "31323334", "9000", nil},
				{"08200094" + "13" + "8611" + "01" + strings.Repeat("EE", 16), "9000", nil},
				{"8032008004" + "31323334", "9000", nil}, {"80AE0000000100" + big, "6982", nil},
				{"002000910435393331", "9000", nil},
			},
			want: []Entry{
				{Op: "SELECT", Object: "text", Command: selKenhojo, SW: "9000"},
				{Op: "SELECT", Object: "text/0011", Command: "00A4020C020011", SW: "9000"},
				{Op: "VERIFY", Object: "text/0011", Command: "00200080", SW: "63C3"},
				{Op: "VERIFY", Object: "text/0011", Command: "0020008004[redacted 4 bytes]", SW: "9000", RedactedCommand: ReasonSecret},
				{Op: "CHANGE REFERENCE DATA", Object: "text/0011", Command: "0024018004[redacted 4 bytes]", SW: "9000", RedactedCommand: ReasonSecret},
				{Op: "VERIFY", Object: "text/0014", Command: "0820009413[redacted 19 bytes]", SW: "9000", RedactedCommand: ReasonSecret},
				{Op: "CHANGE KEY", Object: "text/?", Command: "8032008004[redacted 4 bytes]", SW: "9000", RedactedCommand: ReasonSecret},
				{Op: "SET SESSION KEY", Object: "text/?", Command: "80AE0000000100[redacted 256 bytes]", SW: "6982", RedactedCommand: ReasonSecret},
				{Op: "VERIFY", Object: "text/0011", Command: "0020009104[redacted 4 bytes]", SW: "9000", RedactedCommand: ReasonSecret},
			},
		},
		{
			name:   "Reveal shows everything",
			reveal: true,
			steps:  []step{{selKenhojo, "9000", nil}, {"0020008004" + "35393331", "9000", nil}, {"00B0820000", "FF209000", nil}},
			want: []Entry{
				{Op: "SELECT", Object: "text", Command: selKenhojo, SW: "9000", Revealed: true},
				{Op: "VERIFY", Object: "text", Command: "002000800435393331", SW: "9000", Revealed: true},
				{Op: "READ BINARY", Object: "text/0002", Command: "00B0820000", Response: "FF20", SW: "9000", Revealed: true},
			},
		},
		{
			name: "GET DATA: card number, municipality, expiry and unknown tags are masked",
			steps: []step{
				{selISD, "9000", nil}, {"00CA004500", "3132339000", nil}, {"00CA00F000", "31333130319000", nil},
				{"00CA00F200", "32303335303231379000", nil}, {"00CA006600", "73019000", nil}, {"00CA00AB00", "01029000", nil},
			},
			want: []Entry{
				{Op: "SELECT", Object: "isd", Command: selISD, SW: "9000"},
				{Op: "GET DATA", Object: "DO 0045", Command: "00CA004500", Response: "[redacted 3 bytes]", SW: "9000", RedactedResponse: ReasonPersonal},
				{Op: "GET DATA", Object: "DO 00F0", Command: "00CA00F000", Response: "[redacted 5 bytes]", SW: "9000", RedactedResponse: ReasonPersonal},
				{Op: "GET DATA", Object: "DO 00F2", Command: "00CA00F200", Response: "[redacted 8 bytes]", SW: "9000", RedactedResponse: ReasonPersonal},
				{Op: "GET DATA", Object: "DO 0066", Command: "00CA006600", Response: "7301", SW: "9000"},
				{Op: "GET DATA", Object: "DO 00AB", Command: "00CA00AB00", Response: "[redacted 2 bytes]", SW: "9000", RedactedResponse: ReasonNotPublic},
			},
		},
		{
			name: "records, JPKI certificates, MF-level reads",
			steps: []step{
				{selCommon, "9000", nil}, {"00B2010C00", "011C31329000", nil},
				{selJPKI, "9000", nil}, {"00B08A0004", "308204009000", nil}, {"00B08B0004", "308203009000", nil},
				{"00A4020C020006", "9000", nil}, {"00B0000004", "4A504B499000", nil},
				{"00A4020C023F00", "9000", nil}, {"00B0000004", "010203049000", nil},
			},
			want: []Entry{
				{Op: "SELECT", Object: "common", Command: selCommon, SW: "9000"},
				{Op: "READ RECORD", Object: "common/0001", Command: "00B2010C00", Response: "[redacted 4 bytes]", SW: "9000", RedactedResponse: ReasonPersonal},
				{Op: "SELECT", Object: "jpki", Command: selJPKI, SW: "9000"},
				{Op: "READ BINARY", Object: "jpki/000A", Command: "00B08A0004", Response: "[redacted 4 bytes]", SW: "9000", RedactedResponse: ReasonPersonal},
				{Op: "READ BINARY", Object: "jpki/000B", Command: "00B08B0004", Response: "30820300", SW: "9000"},
				{Op: "SELECT", Object: "jpki/0006", Command: "00A4020C020006", SW: "9000"},
				{Op: "READ BINARY", Object: "jpki/0006", Command: "00B0000004", Response: "4A504B49", SW: "9000"},
				{Op: "SELECT", Object: "mf", Command: "00A4020C023F00", SW: "9000"},
				{Op: "READ BINARY", Object: "mf", Command: "00B0000004", Response: "[redacted 4 bytes]", SW: "9000", RedactedResponse: ReasonNotPublic},
			},
		},
		{
			name: "transport failure, other channels, malformed and unknown commands lose the state",
			steps: []step{
				{selKenkaku, "9000", nil}, {"00A4020C020004", "9000", nil}, {"00B0000002", "", errors.New("boom")},
				{"00B0000002", "7F219000", nil},
				{"01B0000002", "7F219000", nil},
				{"0020008005313233", "6700", nil},
				{selKenkaku, "9000", nil}, {"00A4020C020004", "9000", nil}, {"00E2000003010203", "9000", nil}, {"00B0000002", "7F219000", nil},
				{"00B0000002", "90", nil},
			},
			want: []Entry{
				{Op: "SELECT", Object: "surface", Command: selKenkaku, SW: "9000"},
				{Op: "SELECT", Object: "surface/0004", Command: "00A4020C020004", SW: "9000"},
				{Op: "READ BINARY", Object: "surface/0004", Command: "00B0000002", Err: "boom"},
				{Op: "READ BINARY", Object: "?/?", Command: "00B0000002", Response: "[redacted 2 bytes]", SW: "9000", RedactedResponse: ReasonNotPublic},
				{Op: "READ BINARY", Object: "?", Command: "01B0000002", Response: "[redacted 2 bytes]", SW: "9000", RedactedResponse: ReasonNotPublic},
				{Op: "VERIFY", Object: "?/?", Command: "00200080[redacted 4 bytes]", SW: "6700", RedactedCommand: ReasonMalformed},
				{Op: "SELECT", Object: "surface", Command: selKenkaku, SW: "9000"},
				{Op: "SELECT", Object: "surface/0004", Command: "00A4020C020004", SW: "9000"},
				{Op: "INS E2", Command: "00E2000003[redacted 3 bytes]", SW: "9000", RedactedCommand: ReasonNotPublic},
				{Op: "READ BINARY", Object: "?/?", Command: "00B0000002", Response: "[redacted 2 bytes]", SW: "9000", RedactedResponse: ReasonNotPublic},
				{Op: "READ BINARY", Object: "?/?", Command: "00B0000002", Response: "[redacted 1 byte]", RedactedResponse: ReasonNotPublic},
			},
		},
		{
			name: "signatures and challenges are shown; a message the card hashes is not",
			steps: []step{
				{selKenkaku, "9000", nil}, {"0084000004", "A1B2C3D49000", nil},
				{"802A00000430313233" + "00", "CAFE9000", nil}, {"802A039A04" + "41424344" + "00", "BEEF9000", nil},
			},
			want: []Entry{
				{Op: "SELECT", Object: "surface", Command: selKenkaku, SW: "9000"},
				{Op: "GET CHALLENGE", Command: "0084000004", Response: "A1B2C3D4", SW: "9000"},
				{Op: "SIGN", Command: "802A0000043031323300", Response: "CAFE", SW: "9000"},
				{Op: "SIGN", Object: "surface/001A", Command: "802A039A04[redacted 4 bytes]00", Response: "BEEF", SW: "9000", RedactedCommand: ReasonNotPublic},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRedactor(tc.reveal)
			var got []Entry
			for _, s := range tc.steps {
				var rsp []byte
				if s.rsp != "" {
					rsp = mustHex(s.rsp)
				}
				got = append(got, r.Redact(mustHex(s.cmd), rsp, s.err))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}
