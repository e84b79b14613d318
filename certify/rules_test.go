package certify

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/taimen-dev/taimen/emulator"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/vectors"
)

var p01Path = filepath.Join("..", "vectors", "profiles", "p01-showa", "profile.json")

func loadP01(t *testing.T) *myna.Profile {
	t.Helper()
	p, err := myna.LoadProfile(p01Path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stream builds a recorded trace from hex command/response pairs, through the
// recorder's own Observe hook. "power-off" and "reset" are contact events.
type stream struct {
	r *recorder
}

func newStream() *stream { return &stream{r: newRecorder()} }

func (s *stream) apdu(t *testing.T, cmd, rsp string) *stream {
	t.Helper()
	var r []byte
	if rsp != "" {
		r = mustHex(t, rsp)
	}
	s.r.observe(mustHex(t, cmd), r, time.Millisecond)
	return s
}

func (s *stream) event(name string) *stream { s.r.event(name); return s }

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	s = strings.ReplaceAll(s, " ", "")
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case '0' <= c && c <= '9':
				v |= byte(c - '0')
			case 'A' <= c && c <= 'F':
				v |= byte(c-'A') + 10
			default:
				t.Fatalf("bad hex %q", s)
			}
		}
		b[i] = v
	}
	return b
}

const (
	selSurface = "00A4040C0AD3921000310001010402"
	selText    = "00A4040C0AD3921000310001010408"
	selKeyB    = "00A4020C020012"
	query      = "00200080"
	queryB     = "00200092"
	codeGood   = "002000800E3535303231373230333534383231" // 55021720354821
	codeWrong  = "002000800E3535303231373230333534383232"
	codeGoodT  = "002000950E3535303231373230333534383231" // text/0015 by SFI
)

// ev wraps a trace into evidence with the tries the card had before.
func (s *stream) ev(sc string, initial map[string]int) *evidence {
	trace := s.r.finish()
	sce, _ := selectScenarios([]string{sc})
	return &evidence{sc: sce[0], trace: trace, verifies: verifyAttempts(trace, initial, myna.DefaultRetryLimits()), deadline: time.Second}
}

func ruleByID(t *testing.T, id string) Rule {
	t.Helper()
	for _, r := range Rules() {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return Rule{}
}

func expect(t *testing.T, id string, ev *evidence, wantOK bool, wantMsg string) {
	t.Helper()
	ok, msg := ruleByID(t, id).check(ev)
	if ok != wantOK || !strings.Contains(msg, wantMsg) {
		t.Errorf("%s: got (%v, %q), want (%v, …%q…)", id, ok, msg, wantOK, wantMsg)
	}
}

func TestAnnotate(t *testing.T) {
	s := newStream().
		apdu(t, selSurface, "9000").
		apdu(t, queryB, "63CA").
		apdu(t, selKeyB, "9000").
		apdu(t, codeGood, "9000").
		apdu(t, "00B08200000000", "AABB9000").
		apdu(t, "00B00000FF", "CC9000").
		event("reset").
		apdu(t, "00B00000FF", "6986").
		apdu(t, "0084000010", "00112233445566778899AABBCCDDEEFF9000").
		apdu(t, "802A000003AABBCC00", "9000")
	tr := s.r.finish()
	want := []struct{ op, object string }{
		{"SELECT", "surface"}, {"VERIFY", "surface/0012"}, {"SELECT", "surface/0012"}, {"VERIFY", "surface/0012"},
		{"READ BINARY", "surface/0002"}, {"READ BINARY", "surface/0002"}, {"", ""}, {"READ BINARY", "mf/?"},
		{"GET CHALLENGE", "mf"}, {"SIGN", "mf"},
	}
	if len(tr) != len(want) {
		t.Fatalf("%d events, want %d", len(tr), len(want))
	}
	for i, w := range want {
		if tr[i].Op != w.op || tr[i].Object != w.object || tr[i].Seq != i+1 {
			t.Errorf("#%d: %q %q, want %q %q", i+1, tr[i].Op, tr[i].Object, w.op, w.object)
		}
	}
	if tr[1].Value != 0 || tr[3].Value != 1 || tr[3].Lc != 14 || tr[4].Le != 65536 || !tr[4].Extended || tr[4].RspLen != 2 {
		t.Errorf("lengths or values: %+v %+v %+v", tr[1], tr[3], tr[4])
	}
	if tr[6].Event != "reset" {
		t.Errorf("event %+v", tr[6])
	}
}

func TestVerifyValuesAreIndexedNotStored(t *testing.T) {
	s := newStream().apdu(t, selSurface, "9000").apdu(t, codeWrong, "63C9").apdu(t, codeGood, "9000").apdu(t, codeWrong, "63C9")
	tr := s.r.finish()
	if tr[1].Value != 1 || tr[2].Value != 2 || tr[3].Value != 1 {
		t.Fatalf("values %d %d %d, want 1 2 1", tr[1].Value, tr[2].Value, tr[3].Value)
	}
	if len(s.r.values) != 0 || s.r.salt != [32]byte{} {
		t.Error("finish must forget the hashes and the salt")
	}
	for _, e := range tr {
		if e.selectData != nil && e.Op != "SELECT" {
			t.Errorf("data kept for %s", e.Op)
		}
	}
}

func TestTriesFirst(t *testing.T) {
	good := newStream().apdu(t, selSurface, "9000").apdu(t, queryB, "63CA").apdu(t, selKeyB, "9000").apdu(t, codeGood, "9000").ev("good", nil)
	expect(t, "RR-001", good, true, "queried")
	bad := newStream().apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeGood, "9000").ev("good", nil)
	expect(t, "RR-001", bad, false, "no empty VERIFY before the first VERIFY with data on surface/0012 (#3)")
	// A query on another key does not count.
	other := newStream().apdu(t, selText, "9000").apdu(t, "00200095", "63CA").apdu(t, selSurface, "9000").apdu(t, queryB[:6]+"91", "63CA").
		apdu(t, selKeyB, "9000").apdu(t, codeGood, "9000").ev("good", nil)
	expect(t, "RR-001", other, false, "surface/0012")
	none := newStream().apdu(t, selSurface, "9000").ev("good", nil)
	expect(t, "RR-001", none, true, "sent no VERIFY with data")
}

func TestNoRepeat(t *testing.T) {
	twice := newStream().apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, query, "63CA").
		apdu(t, codeWrong, "63C9").apdu(t, codeWrong, "63C8").apdu(t, codeWrong, "63C7").ev("wrong-code", nil)
	expect(t, "RR-002", twice, false, "value #1 on surface/0012 (rejected at #4, sent again 2 time(s))")
	// The same rejected value on the other application's key is a repeat too.
	across := newStream().apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeWrong, "63C9").
		apdu(t, selText, "9000").apdu(t, strings.Replace(codeWrong, "00200080", "00200095", 1), "63C9").ev("wrong-code", nil)
	expect(t, "RR-002", across, false, "value #1 on text/0015 (rejected on surface/0012 at #3")
	// Sending the right code after a wrong one, or the same code after a success, is fine.
	fine := newStream().apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeWrong, "63C9").apdu(t, codeGood, "9000").
		apdu(t, codeGood, "9000").ev("wrong-code", nil)
	expect(t, "RR-002", fine, true, "never repeated")
	// A torn VERIFY did not reject anything.
	torn := newStream().apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeGood, "").apdu(t, codeGood, "9000").ev("torn", nil)
	expect(t, "RR-002", torn, true, "never repeated")
}

func TestLastTry(t *testing.T) {
	preset := map[string]int{"surface/0012": 1, "text/0015": 1}
	spent := newStream().apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, codeGood, "9000").ev("one-try-left", preset)
	expect(t, "RR-003", spent, false, "one try left (#3)")
	// Without a preset, the card's 63C1 tells the reader.
	told := newStream().apdu(t, selSurface, "9000").apdu(t, queryB, "63C1").apdu(t, "002000920E3535303231373230333534383231", "9000").ev("one-try-left", nil)
	expect(t, "RR-003", told, false, "surface/0012")
	refused := newStream().apdu(t, selSurface, "9000").apdu(t, queryB, "63C1").ev("one-try-left", preset)
	expect(t, "RR-003", refused, true, "did not send")
	// Two tries left: a wrong code leaves one, and the reader must then stop.
	two := newStream().apdu(t, selSurface, "9000").apdu(t, selKeyB, "9000").apdu(t, query, "63C2").apdu(t, codeWrong, "63C1").
		apdu(t, codeGood, "9000").ev("one-try-left", map[string]int{"surface/0012": 2})
	expect(t, "RR-003", two, false, "(#5)")
}

func TestBlocked(t *testing.T) {
	base := func() *stream { return newStream().apdu(t, selSurface, "9000").apdu(t, queryB, "63C0") }
	ok := base().ev("blocked", nil)
	ok.exitCode = 4
	expect(t, "RR-004", ok, true, "exited 4")
	zero := base().ev("blocked", nil)
	expect(t, "RR-004", zero, false, "exited 0 on a blocked card")
	s := base()
	for range 3 {
		s.apdu(t, "002000920E3535303231373230333534383231", "6984")
	}
	looping := s.ev("blocked", nil)
	looping.exitCode = 1
	expect(t, "RR-004", looping, false, "sent 3 VERIFY commands with data to blocked surface/0012")
	s = base()
	for range maxVerifyOnBlocked {
		s.apdu(t, queryB, "63C0")
	}
	queries := s.ev("blocked", nil)
	queries.exitCode = 1
	expect(t, "RR-004", queries, false, "looping")
	hung := base().ev("blocked", nil)
	hung.timedOut, hung.exitCode = true, -1
	expect(t, "RR-004", hung, false, "did not finish")
}

func TestRejectsAndLiveness(t *testing.T) {
	nonce := func(b byte) string { // 80 2A 00 00 over a SHA-256 DigestInfo of 32 bytes b
		return "802A000033" + "3031300D060960864801650304020105000420" + strings.Repeat(fmt.Sprintf("%02X", b), 32) + "00"
	}
	live := func(b byte) *stream {
		return newStream().apdu(t, selSurface, "9000").apdu(t, nonce(b), "AA9000")
	}
	good := live(1).ev("good", nil)
	expect(t, "RR-007", good, true, "the card signed fresh data")
	challenged := newStream().apdu(t, selSurface, "9000").apdu(t, "0084000010", "00112233445566778899AABBCCDDEEFF9000").
		apdu(t, nonce(2), "AA9000").ev("good", nil)
	expect(t, "RR-007", challenged, true, "the card signed fresh data")
	none := newStream().apdu(t, selSurface, "9000").apdu(t, "0084000010", "00112233445566778899AABBCCDDEEFF9000").ev("good", nil)
	expect(t, "RR-007", none, false, "liveness was not proved")
	short := newStream().apdu(t, selSurface, "9000").apdu(t, "802A000003AABBCC00", "AA9000").ev("good", nil)
	expect(t, "RR-007", short, false, "fewer than the 16 of an unpredictable nonce")
	refused := newStream().apdu(t, selSurface, "9000").apdu(t, nonce(3), "6982").ev("good", nil)
	expect(t, "RR-007", refused, false, "liveness was not proved")

	// A constant nonce: the data signed in an earlier scenario comes again.
	seen := map[[32]byte]string{}
	rememberSigned(seen, "good", live(4).r.finish())
	replay := live(4).ev("clone", nil)
	replay.signedBefore, replay.exitCode = seen, 6
	expect(t, "RR-007", replay, false, "same data as in scenario good")
	twice := live(5).apdu(t, nonce(5), "AA9000").ev("good", nil)
	expect(t, "RR-007", twice, true, "#2") // the first signature was fresh
	fresh := live(6).ev("clone", nil)
	fresh.signedBefore = seen
	expect(t, "RR-007", fresh, false, "accepted a clone")
	fresh.exitCode = 6
	expect(t, "RR-007", fresh, true, "rejected a clone")

	forged := newStream().ev("forged-data", nil)
	expect(t, "RR-005", forged, false, "accepted forged data")
	forged.stdout = []byte("signature  FAIL  DF28 does not verify\n")
	expect(t, "RR-005", forged, true, "said the card is not authentic")
	ca := newStream().ev("unknown-ca", nil)
	ca.stdout = []byte(`{"authentic": false}`)
	expect(t, "RR-006", ca, true, "not authentic")
	ca.stdout = []byte(`{"authentic": true}`)
	expect(t, "RR-006", ca, false, "accepted a certificate from an unknown CA")
	ca.timedOut = true
	expect(t, "RR-006", ca, false, "did not finish")
}

func TestSaysNotAuthentic(t *testing.T) {
	for _, s := range []string{"verdict: NOT AUTHENTIC", "Forged card!", "certificate: untrusted issuer", "invalid signature",
		"chain verification failed", "券面の偽造を検出", "真正性: NG", "data does not verify"} {
		if !saysNotAuthentic([]byte(s), nil) {
			t.Errorf("%q not recognised", s)
		}
	}
	for _, s := range []string{"authentic: yes", "verdict: AUTHENTIC", "signature OK", "card face: 5224 bytes", `{"authentic": true}`} {
		if saysNotAuthentic([]byte(s), []byte(s)) {
			t.Errorf("%q taken for a rejection", s)
		}
	}
}

func TestUnsignedPresentedAsVerified(t *testing.T) {
	const exp = "20350217"
	for _, tc := range []struct {
		stdout string
		bad    bool
	}{
		// taimen's JSON: expiry and security code are not signed.
		{`{"fields":[{"name":"expiry","value":"[masked]","signed":false,"note":"not covered"},{"name":"security code","value":"PNG","signed":false},{"name":"name","signed":true}],"authentic":true}`, false},
		{`{"fields":[{"name":"expiry","value":"[masked]","signed":true}]}`, true},
		{`{"fields":[{"name":"security code","value":"PNG, 117 bytes","verified":true}]}`, true},
		{`{"expiry":{"value":"2035-02-17","verified":true}}`, true},
		{`{"expiry":"2035-02-17","expiry_verified":true}`, true},
		{`{"card":{"valid_until":"2035/02/17","signed":true}}`, true},
		{`{"items":[{"label":"x","text":"2035-02-17","authentic":true}]}`, true},
		{`{"expiry":"2035-02-17","expiry_signed":false}`, false},
		// JSON Lines.
		{"{\"event\":\"start\"}\n{\"field\":\"expiry\",\"trusted\":true}\n", true},
		// Text.
		{"  ✓ name      PNG\n    expiry    2035-02-17  ⚠ not covered by the signature\n", false},
		{"  ✓ expiry    2035-02-17\n", true},
		{"有効期限: 2035年2月17日 (検証済)\n", true},
		{"有効期限: 2035年2月17日 (未検証)\n", false},
		{"Expiry date verified: 20350217\n", true},
		{"expiry: 20350217 (unsigned)\n", false},
		{"authentic: yes\nexpiry: 20350217\n", false}, // claims on another line are not seen
		{"verdict: AUTHENTIC\n", false},
	} {
		bad, where := unsignedPresentedAsVerified([]byte(tc.stdout), nil, exp)
		if bad != tc.bad {
			t.Errorf("%q: got %v (%s), want %v", tc.stdout, bad, where, tc.bad)
		}
	}
	if bad, where := unsignedPresentedAsVerified(nil, []byte("x\nsecurity code ✔\n"), exp); !bad || where != "line 2 of stderr" {
		t.Errorf("stderr: %v %q", bad, where)
	}
}

func TestShortFallback(t *testing.T) {
	s := newStream().apdu(t, selSurface, "9000").apdu(t, "00B08200000000", "6700").apdu(t, "00A4020C020002", "9000").apdu(t, "00B0000000", "AA9000")
	ev := s.ev("no-extended", nil)
	expect(t, "RR-009", ev, true, "fell back to short reads after 1 refused")
	ev.exitCode = 1
	expect(t, "RR-009", ev, false, "the read failed after the card refused extended length (exited 1)")
	s = newStream().apdu(t, selSurface, "9000")
	for range maxExtendedRefused + 1 {
		s.apdu(t, "00B08200000000", "6700")
	}
	expect(t, "RR-009", s.ev("no-extended", nil), false, "kept sending extended-length commands: 4 refused")
	expect(t, "RR-009", newStream().apdu(t, "00B0000000", "AA9000").ev("no-extended", nil), true, "short APDUs only")
	if r := ruleByID(t, "RR-009"); r.Severity != Should {
		t.Errorf("RR-009 is %s", r.Severity)
	}
}

func TestExitRules(t *testing.T) {
	ev := newStream().ev("torn", nil)
	expect(t, "RR-013", ev, false, "exited 0 although the card was pulled mid-read")
	ev.exitCode = 5
	expect(t, "RR-013", ev, true, "exited 5 after the card was pulled")
	ev = newStream().ev("wrong-code", nil)
	ev.exitCode = 3
	expect(t, "RR-013", ev, true, "the card rejected the code")
	ev = newStream().ev("slow", nil)
	expect(t, "RR-012", ev, true, "read the card")
	ev.exitCode = 5
	expect(t, "RR-012", ev, false, "did not read a genuine card: exited 5")
	expect(t, "RR-010", ev, true, "within the deadline")
	ev.timedOut, ev.exitCode = true, -1
	expect(t, "RR-010", ev, false, "did not finish within 1s; its process group was killed")
}

func TestFindLeaks(t *testing.T) {
	p := loadP01(t)
	b := p.CheckCodeB().Reveal()
	hexB := ""
	for _, c := range []byte(b) {
		hexB += strings.ToUpper(string("0123456789abcdef"[c>>4])) + string("0123456789ABCDEF"[c&15]) + ":"
	}
	secrets := []namedSecret{{"check code B", p.CheckCodeB()}, {"check code A", p.CheckCodeA()}}
	for _, tc := range []struct {
		text string
		want []Leak
	}{
		{"code " + b + "\n", []Leak{{"check code B", "ASCII", "stdout"}}},
		{"code " + b[:6] + " " + b[6:10] + "-" + b[10:] + "\n", []Leak{{"check code B", "ASCII", "stdout"}}},
		{"> 00 20 00 80 0E " + strings.ReplaceAll(hexB, ":", " ") + "\n", []Leak{{"check code B", "hex", "stdout"}}},
		{hexB, []Leak{{"check code B", "hex", "stdout"}}},
		{strings.ToLower(strings.ReplaceAll(hexB, ":", "")), []Leak{{"check code B", "hex", "stdout"}}},
		{"number " + p.CheckCodeA().Reveal(), []Leak{{"check code A", "ASCII", "stdout"}}},
		{"tries left 10, " + b[:13] + "x", nil},
	} {
		got := findLeaks(secrets, []source{{"stdout", []byte(tc.text)}})
		if !slices.Equal(got, tc.want) {
			t.Errorf("%d bytes of text: got %+v, want %+v", len(tc.text), got, tc.want)
		}
		for _, l := range got {
			if strings.Contains(l.Secret+l.Form+l.Where, b) {
				t.Error("a leak report carries the value")
			}
		}
	}
}

func TestWrongCheckCodeB(t *testing.T) {
	p := loadP01(t)
	w, err := wrongCheckCodeB(p)
	if err != nil {
		t.Fatal(err)
	}
	if w.Reveal() == p.CheckCodeB().Reveal() || len(w.Reveal()) != 14 || w.Reveal()[:10] != p.CheckCodeB().Reveal()[:10] {
		t.Fatal("the wrong code must differ from the right one in the security code only")
	}
	if _, err := myna.ParseCheckCodeB(w.Reveal()); err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
}

// TestVariants: the scenario variants of a profile on disk and of one embedded in the binary
// (its files copied beside the variant).
func TestVariants(t *testing.T) {
	embedded, err := vectors.LoadProfile("p01-showa")
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*myna.Profile{"on disk": loadP01(t), "embedded": embedded} {
		t.Run(name, func(t *testing.T) {
			base, expiry, err := probeFace(p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if expiry != p.Card.ExpiryDigits() {
				t.Errorf("expiry %s", expiry)
			}
			e := &engine{o: Options{Profile: p}}
			dir := t.TempDir()
			large, err := e.profileFor(Scenario{Variant: variantLarger}, filepath.Join(dir, "large"))
			if err != nil {
				t.Fatal(err)
			}
			n, _, err := probeFace(large, nil)
			if err != nil {
				t.Fatal(err)
			}
			if n < base+extraFiller || n%256 != 0 {
				t.Errorf("larger card face: %d bytes (base %d)", n, base)
			}
			small, err := e.profileFor(Scenario{Variant: variantSmaller}, filepath.Join(dir, "small"))
			if err != nil {
				t.Fatal(err)
			}
			if len(small.EFSizes) != 0 || small.CheckCodeB().Reveal() != p.CheckCodeB().Reveal() {
				t.Errorf("smaller: ef_sizes %v", small.EFSizes)
			}
			if !bytes.Equal(small.Images.Face, p.Images.Face) || !bytes.Equal(large.Images.Number, p.Images.Number) {
				t.Error("a variant's images are not its profile's")
			}
			if _, exp, err := probeFace(p, cardFaults(mustFaults(t, "changed-expiry", "slow=1ms"))); err != nil || exp == expiry {
				t.Errorf("changed expiry: %s %v", exp, err)
			}
		})
	}
}

func TestScenariosAndRulesAreConsistent(t *testing.T) {
	names := map[string]bool{}
	for _, s := range Scenarios() {
		if names[s.Name] {
			t.Errorf("duplicate scenario %s", s.Name)
		}
		names[s.Name] = true
		for _, f := range s.Faults {
			mustFaults(t, f)
		}
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	prev := 0
	for i, r := range Rules() {
		// IDs are RR-NNN, increasing.
		var n int
		if _, err := fmt.Sscanf(r.ID, "RR-%03d", &n); err != nil || r.ID != fmt.Sprintf("RR-%03d", n) || n <= prev {
			t.Errorf("rule %d is %s, after RR-%03d", i, r.ID, prev)
		}
		prev = n
		for _, s := range r.Scenarios {
			if !names[s] {
				t.Errorf("%s names unknown scenario %s", r.ID, s)
			}
		}
		if !regexp.MustCompile(`//\s+` + r.ID + `\s+` + string(r.Severity) + `\s`).Match(doc) {
			t.Errorf("doc.go does not list %s as %s", r.ID, r.Severity)
		}
	}
	for n := range names {
		if !regexp.MustCompile(`//\s+` + regexp.QuoteMeta(n) + `\s`).Match(doc) {
			t.Errorf("doc.go does not list scenario %s", n)
		}
	}
	if _, err := selectScenarios([]string{"nope"}); err == nil {
		t.Error("unknown scenario accepted")
	}
	got, _ := selectScenarios([]string{"torn", "good"})
	if len(got) != 2 || got[0].Name != "good" {
		t.Errorf("selection %v", got)
	}
}

func mustFaults(t *testing.T, names ...string) []emulator.FaultSetting {
	t.Helper()
	var out []emulator.FaultSetting
	for _, n := range names {
		f, err := emulator.ParseFault(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}
