package certify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/japanese"

	"github.com/taimen-dev/taimen/myna"
)

// personalForTest builds the personal data of p01 once per test.
func personalForTest(t *testing.T) (*myna.Profile, *personalData) {
	t.Helper()
	p := loadP01(t)
	d, err := newPersonalData(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.wipe)
	return p, d
}

func utf16Bytes(s string, le bool) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		if le {
			out = append(out, byte(u), byte(u>>8))
		} else {
			out = append(out, byte(u>>8), byte(u))
		}
	}
	return out
}

func sjisBytes(t *testing.T, s string) []byte {
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPersonalEachEncodingFound writes each datum in each encoding into a
// synthetic file, framed by other bytes as a program would write it, and
// expects exactly that datum and encoding to be reported for the file.
func TestPersonalEachEncodingFound(t *testing.T) {
	p, d := personalForTest(t)
	auth, sign, err := holderCertificates(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	per := p.Person
	bd := per.BirthDate
	era, err := myna.ToEra(bd)
	if err != nil {
		t.Fatal(err)
	}
	noSpace := strings.ReplaceAll(per.Name, "\u3000", "")
	face := p.Images.Face
	sum := sha256.Sum256(face)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sign})
	for _, tc := range []struct {
		datum, encoding string
		content         []byte
	}{
		{"name", "UTF-8", []byte(`{"name":"` + per.Name + `"}`)},
		{"name", "UTF-16LE", append([]byte{0xFF, 0xFE}, utf16Bytes(per.Name, true)...)},
		{"name", "UTF-16BE", append([]byte{0xFE, 0xFF}, utf16Bytes(per.Name, false)...)},
		{"name", "Shift_JIS", append([]byte("name="), sjisBytes(t, per.Name)...)},
		{"name", "UTF-8, no space", []byte("name=" + noSpace + "\n")},
		{"name", "Shift_JIS, no space", append([]byte("name="), sjisBytes(t, noSpace)...)},
		{"address", "UTF-8", []byte("addr\t" + per.Address + "\n")},
		{"address", "UTF-16LE", utf16Bytes(per.Address, true)},
		{"address", "Shift_JIS", sjisBytes(t, per.Address)},
		{"birth date", "YYYY-MM-DD", []byte(`{"dob":"` + bd.Format("2006-01-02") + `"}`)},
		{"birth date", "YYYYMMDD", []byte("dob=" + bd.Format("20060102") + ";")},
		{"birth date", "YYYY/MM/DD", []byte("dob " + bd.Format("2006/01/02"))},
		{"birth date", "era letter", []byte(fmt.Sprintf("dob s%d.%d.%d", era.Year, era.Month, era.Day))},
		{"birth date", "era letter", []byte(fmt.Sprintf("dob S%d.%02d.%02d", era.Year, era.Month, era.Day))},
		{"birth date", "era kanji", []byte("生年月日: " + era.String())},
		{"birth date", "YYMMDD", []byte("key=" + era.YYMMDD() + "\n")},
		{"individual number", "ASCII digits", []byte("no:" + per.IndividualNumber.Reveal() + ".")},
		{"card serial number", "ASCII digits", []byte(`{"serial":"` + p.Card.Serial + `"}`)},
		{"face photo", "raw", append([]byte("cache"), face...)},
		{"face photo", "hex", []byte(strings.ToUpper(hex.EncodeToString(face)))},
		{"face photo", "base64", []byte(`{"photo":"` + base64.StdEncoding.EncodeToString(face) + `"}`)},
		// Inside a longer encoding, at each alignment.
		{"face photo", "base64", []byte(base64.StdEncoding.EncodeToString(append([]byte{1}, face...)))},
		{"face photo", "base64", []byte(base64.StdEncoding.EncodeToString(append([]byte{1, 2}, face...)))},
		{"face photo", "base64url", []byte(base64.RawURLEncoding.EncodeToString(append([]byte{1, 2, 3, 4}, face...)))},
		{"face photo", "SHA-256 hex", []byte("seen " + strings.ToUpper(hex.EncodeToString(sum[:])))},
		{"face photo", "SHA-256 digest", append([]byte{0}, sum[:]...)},
		{"name image", "raw", bytes.Clone(p.Images.Name)},
		{"address image", "base64", []byte(base64.StdEncoding.EncodeToString(p.Images.Address))},
		{"security-code image", "raw", bytes.Clone(p.Images.SecurityCode)},
		{"individual-number image", "raw", bytes.Clone(p.Images.Number)},
		{"JPKI signing certificate", "PEM", certPEM},
		{"JPKI signing certificate", "raw", append([]byte{0x30}, sign...)},
		{"JPKI authentication certificate", "base64", []byte(base64.StdEncoding.EncodeToString(auth))},
	} {
		name := tc.datum + "/" + tc.encoding
		got := d.find([]source{{"file ~/.cache/x", tc.content}, {"stdout", tc.content}})
		want := PersonalFinding{Where: "~/.cache/x", Datum: tc.datum, Encoding: tc.encoding}
		if !slices.Contains(got, want) {
			t.Errorf("%s: not found (got %d other findings)", name, len(got))
		}
		for _, f := range got {
			if f.Where != "~/.cache/x" {
				t.Errorf("%s: stdout searched for data at rest: %+v", name, f)
			}
		}
	}
	// A file of other data holds nothing.
	if got := d.find([]source{{"file ~/.cache/other", []byte("history: 2026-12-05T08:52:04Z read ok, 4 tries left")}}); len(got) != 0 {
		t.Errorf("found %v in a clean file", got)
	}
}

// TestPersonalValueNeverInFinding: neither the findings (as the JSON report
// stores them) nor RR-014's message hold any value searched for.
func TestPersonalValueNeverInFinding(t *testing.T) {
	p, d := personalForTest(t)
	content := []byte(p.Person.Name + "\n" + p.Person.Address + "\n" + p.Person.BirthDate.Format("2006-01-02") + " " +
		p.Person.IndividualNumber.Reveal() + " " + p.Card.Serial + "\n" + base64.StdEncoding.EncodeToString(p.Images.Face))
	found, kept := atRest(d, nil, []source{{"file {out}/result.json", content}}, "")
	if len(found) < 6 || len(kept) != 0 {
		t.Fatalf("found %d, kept %d", len(found), len(kept))
	}
	js, err := json.Marshal(found)
	if err != nil {
		t.Fatal(err)
	}
	ok, msg := checkAtRest(&evidence{personal: found})
	if ok {
		t.Fatal("RR-014 passed with personal data in {out}")
	}
	for _, f := range d.forms {
		if len(f.value) < 4 {
			continue
		}
		for _, out := range []string{string(js), msg} {
			if strings.Contains(out, string(f.value)) {
				t.Errorf("the %s of the %s is in the report", f.encoding, f.datum)
			}
		}
	}
	if !strings.Contains(msg, "in {out}/result.json") || !strings.Contains(msg, "birth date (YYYY-MM-DD)") {
		t.Errorf("message does not say what was found where: %q", msg)
	}
}

// TestPersonalWholeToken: the six-digit birth date, the individual number and
// the serial are not found inside a longer run of digits (a timestamp).
func TestPersonalWholeToken(t *testing.T) {
	p, d := personalForTest(t)
	era, _ := myna.ToEra(p.Person.BirthDate)
	yymmdd := era.YYMMDD()
	for _, tc := range []struct {
		content string
		found   bool
	}{
		{"ts=17" + yymmdd + "123\n", false},                           // Unix milliseconds
		{"20261205" + yymmdd + "\n", false},                           // a compact date and time
		{"id " + p.Person.IndividualNumber.Reveal() + "7 ok", false},  // a longer number
		{"0" + p.Card.Serial + " ok", false},                          // a longer number
		{"key=" + yymmdd + "\n", true},                                // a token
		{"\"t\":\"" + yymmdd + "\"", true},                            // a JSON string
		{"no " + p.Person.IndividualNumber.Reveal() + "\n", true},     // a token
		{"2026-12-05T" + yymmdd[:2] + ":" + yymmdd[2:4] + "Z", false}, // a time with separators
	} {
		got := d.find([]source{{"file /tmp/log.txt", []byte(tc.content)}})
		if (len(got) > 0) != tc.found {
			t.Errorf("case %q: found %v, want found=%v", strings.NewReplacer(yymmdd, "<YYMMDD>", p.Person.IndividualNumber.Reveal(), "<number>", p.Card.Serial, "<serial>").Replace(tc.content), got, tc.found)
		}
	}
}

// TestRR014RecordsExemptButListed: personal data under the record store
// passes RR-014 and is listed; the same outside it fails.
func TestRR014RecordsExemptButListed(t *testing.T) {
	p, d := personalForTest(t)
	photo := bytes.Clone(p.Images.Face)
	srcs := []source{
		{"stdout", []byte(p.Person.Name)},
		{"file {out}/records/2026-12-05.json", []byte(`{"name":"` + p.Person.Name + `"}`)},
		{"file {out}/records-old/x.jp2", photo}, // not under {out}/records
		{"file ~/.local/state/app/history.jsonl", []byte(`{"outcome":"ok"}`)},
	}
	for _, tc := range []struct {
		records   string
		pass      bool
		found     []string // files failing RR-014
		keptFiles []string
	}{
		{"", false, []string{"{out}/records/2026-12-05.json", "{out}/records-old/x.jp2"}, nil},
		{"{out}/records", false, []string{"{out}/records-old/x.jp2"}, []string{"{out}/records/2026-12-05.json"}},
		{"{out}/records/", false, []string{"{out}/records-old/x.jp2"}, []string{"{out}/records/2026-12-05.json"}},
		{"{out}", true, nil, []string{"{out}/records/2026-12-05.json", "{out}/records-old/x.jp2"}},
		{"~/records", false, []string{"{out}/records/2026-12-05.json", "{out}/records-old/x.jp2"}, nil},
	} {
		found, kept := atRest(d, nil, srcs, tc.records)
		files := func(fs []PersonalFinding) []string {
			var out []string
			for _, f := range fs {
				if !slices.Contains(out, f.Where) {
					out = append(out, f.Where)
				}
			}
			return out
		}
		if !slices.Equal(files(found), tc.found) || !slices.Equal(files(kept), tc.keptFiles) {
			t.Errorf("records %q: at rest %v, kept %v", tc.records, files(found), files(kept))
		}
		ok, msg := checkAtRest(&evidence{personal: found, kept: kept})
		if ok != tc.pass {
			t.Errorf("records %q: RR-014 pass=%v (%s)", tc.records, ok, msg)
		}
		if ok && !strings.Contains(msg, "record store") {
			t.Errorf("records %q: the pass does not mention the record store: %s", tc.records, msg)
		}
	}
}

// TestRR014CodesAndPINsInFiles: a check code or PIN RR-011 found in a file
// also fails RR-014; one found only on stdout does not.
func TestRR014CodesAndPINsInFiles(t *testing.T) {
	_, d := personalForTest(t)
	leaks := []Leak{{Secret: "text PIN", Form: "base64", Where: "file /tmp/pin.txt"}, {Secret: "check code B", Form: "ASCII", Where: "stdout"}}
	found, _ := atRest(d, leaks, nil, "")
	if want := []PersonalFinding{{Where: "/tmp/pin.txt", Datum: "text PIN", Encoding: "base64"}}; !slices.Equal(found, want) {
		t.Fatalf("found %v, want %v", found, want)
	}
	if ok, msg := checkAtRest(&evidence{personal: found}); ok || msg != "kept personal data at rest: text PIN (base64) in /tmp/pin.txt" {
		t.Errorf("RR-014: %v %q", ok, msg)
	}
}

// TestPersonalWipeKeepsProfile: wiping the search forms clears them, not the
// profile's own images or personal data.
func TestPersonalWipeKeepsProfile(t *testing.T) {
	p := loadP01(t)
	face, name := bytes.Clone(p.Images.Face), p.Person.Name
	d, err := newPersonalData(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	forms := slices.Clone(d.forms)
	d.wipe()
	if !bytes.Equal(p.Images.Face, face) || p.Person.Name != name {
		t.Fatal("wipe changed the profile")
	}
	for _, f := range forms {
		if slices.ContainsFunc(f.value, func(b byte) bool { return b != 0 }) {
			t.Errorf("the %s of the %s was not cleared", f.encoding, f.datum)
		}
	}
}

// TestRR014HTMLTables: the HTML report shows RR-014's findings and the record
// store's content as tables (file, data kind, encoding), and neither heading
// when there is nothing to show.
func TestRR014HTMLTables(t *testing.T) {
	sc := ScenarioResult{Scenario: Scenario{Name: "good"},
		PersonalData: []PersonalFinding{{Where: "~/.cache/x.jp2", Datum: "face photo", Encoding: "raw"}},
		Records:      []PersonalFinding{{Where: "{out}/records/a.json", Datum: "name", Encoding: "UTF-8"}}}
	for _, tc := range []struct {
		rep  *Report
		want []string
		not  []string
	}{
		{&Report{Verdict: VerdictFail, Records: "{out}/records", Rules: Rules(), Scenarios: []ScenarioResult{sc}},
			[]string{"<h2>Personal data at rest (RR-014)</h2>", "<td>good</td><td><code>~/.cache/x.jp2</code></td><td>face photo</td><td>raw</td>",
				"<h2>Record store <code>{out}/records</code></h2>", "<td>good</td><td><code>{out}/records/a.json</code></td><td>name</td><td>UTF-8</td>"}, nil},
		{&Report{Verdict: VerdictPass, Rules: Rules(), Scenarios: []ScenarioResult{{Scenario: Scenario{Name: "good"}}}},
			nil, []string{"Personal data at rest", "Record store"}},
	} {
		var b bytes.Buffer
		if err := tc.rep.WriteHTML(&b); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("no %q", w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(b.String(), n) {
				t.Errorf("%q shown with nothing to show", n)
			}
		}
	}
}
