package sm

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/taimen-dev/taimen/apdu"
)

// h decodes hex with optional spaces; it panics on bad constants.
func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// X formats bytes as upper-case hex, as the vectors are written.
func X(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

func mustCommand(t testing.TB, s string) apdu.Command {
	t.Helper()
	c, err := apdu.ParseCommand(h(s))
	if err != nil {
		t.Fatalf("command %s: %v", s, err)
	}
	return c
}

func mustResponse(t testing.TB, s string) apdu.Response {
	t.Helper()
	r, err := apdu.ParseResponse(h(s))
	if err != nil {
		t.Fatalf("response %s: %v", s, err)
	}
	return r
}

func encode(t testing.TB, c apdu.Command) string {
	t.Helper()
	b, err := c.Bytes()
	if err != nil {
		t.Fatalf("encode %+v: %v", c, err)
	}
	return X(b)
}

// appendixD is vectors/sm/icao9303-part11-appD.json.
type appendixD struct {
	Schema string `json:"schema"`
	Source string `json:"source"`
	URL    string `json:"url"`
	Note   string `json:"note"`
	MRZ    struct {
		DocumentNumber, BirthDate, ExpiryDate, MRZInformation, SHA1, KeySeed string
	} `json:"mrz"`
	DocumentKeys struct {
		SHA1Enc, EncNoParity, Enc, SHA1Mac, MacNoParity, Mac string
	} `json:"documentKeys"`
	BAC struct {
		GetChallengeCommand, GetChallengeResponse    string
		RndIC, RndIFD, KIFD, S, EIFD, MIFD           string
		MutualAuthenticateCommand                    string
		KIC, R, EIC, MIC, MutualAuthenticateResponse string
		SessionKeySeed, KSEnc, KSMac, SSC            string
	} `json:"bac"`
	SecureMessaging []struct {
		Name, PlainCommand, CommandSSC, DO87, DO97, M, N, CommandMAC, ProtectedCommand string
		ResponseSSC, K, ResponseMAC, ProtectedResponse, PlainResponse                  string
	} `json:"secureMessaging"`
	EFCOM string `json:"efCOM"`
}

const appendixDPath = "../../vectors/sm/icao9303-part11-appD.json"

func loadAppendixD(t testing.TB) *appendixD {
	t.Helper()
	b, err := os.ReadFile(appendixDPath)
	if err != nil {
		t.Fatalf("golden file: %v", err)
	}
	var v appendixD
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("golden file %s: %v", appendixDPath, err)
	}
	if v.Schema != "taimen.sm-vectors/v1" || !strings.Contains(v.Source, "Doc 9303") || len(v.SecureMessaging) != 3 {
		t.Fatalf("golden file %s: unexpected schema/source/steps", appendixDPath)
	}
	return &v
}
