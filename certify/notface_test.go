package certify

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func resultOf(t *testing.T, s string) *readResult {
	t.Helper()
	r := parseResult([]byte(s))
	if r == nil {
		t.Fatalf("%s not parsed", s)
	}
	return r
}

func TestNotCardFace(t *testing.T) {
	selJPKI := "00A4040C0AD392F000260100000001"
	refused := func(sc string) *evidence {
		return newStream().apdu(t, selSurface, "6A82").apdu(t, selJPKI, "9000").ev(sc, nil)
	}
	cases := []struct {
		name   string
		ev     func() *evidence
		wantOK bool
		msg    string
	}{
		{"says why", func() *evidence {
			ev := refused(scenarioJPKIToken)
			ev.exitCode, ev.stderr = 10, []byte("taimen: this is a JPKI-only token, such as a smartphone's My Number Card function")
			return ev
		}, true, "exited 10 without a VERIFY and said why"},
		{"says why in Japanese", func() *evidence {
			ev := refused(scenarioNotMyNumber)
			ev.exitCode, ev.stdout = 1, []byte("エラー: マイナンバーカードではありません")
			return ev
		}, true, "said why"},
		{"result.json says why", func() *evidence {
			ev := refused(scenarioNotMyNumber)
			ev.exitCode, ev.result = 3, resultOf(t, `{"schema":"taimen.read/v1","authentic":false,"outcome":"not-my-number-card"}`)
			return ev
		}, true, `its result.json says why (outcome "not-my-number-card")`},
		{"result.json error says why", func() *evidence {
			ev := refused(scenarioJPKIToken)
			ev.exitCode, ev.result = 1, resultOf(t, `{"schema":"taimen.read/v1","authentic":false,"outcome":"error","error":"no card-surface application"}`)
			return ev
		}, true, "result.json says why"},
		{"silent", func() *evidence {
			ev := refused(scenarioJPKIToken)
			ev.exitCode, ev.stderr = 1, []byte("select: 6A82")
			ev.result = resultOf(t, `{"schema":"taimen.read/v1","authentic":false,"outcome":"error","error":"select: 6A82"}`)
			return ev
		}, false, "did not say why"},
		{"verify with data", func() *evidence {
			ev := newStream().apdu(t, selSurface, "6A82").apdu(t, selKeyB, "6A82").apdu(t, codeGood, "6A88").ev(scenarioJPKIToken, nil)
			ev.exitCode, ev.stderr = 1, []byte("not a My Number Card")
			return ev
		}, false, "sent 1 VERIFY command(s) (#3)"},
		{"tries query", func() *evidence {
			ev := newStream().apdu(t, selSurface, "6A82").apdu(t, queryB, "6A88").ev(scenarioNotMyNumber, nil)
			ev.exitCode, ev.stderr = 10, []byte("not a My Number Card")
			return ev
		}, false, "sent 1 VERIFY command(s) (#2)"},
		{"exit 0", func() *evidence {
			ev := refused(scenarioNotMyNumber)
			ev.stdout = []byte("not a My Number Card")
			return ev
		}, false, "exited 0"},
		{"deadline", func() *evidence {
			ev := refused(scenarioNotMyNumber)
			ev.exitCode, ev.timedOut, ev.stdout = -1, true, []byte("not a My Number Card")
			return ev
		}, false, "killed at the deadline"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { expect(t, "RR-017", tc.ev(), tc.wantOK, tc.msg) })
	}
}

func TestNotCardFaceText(t *testing.T) {
	for _, s := range []string{"This is not a My Number Card", "no card-surface application", "JPKI-only token", "a smartphone token",
		"card surface application not found", "マイナンバーカードではありません", "券面事項確認APがありません", "no MyNumber application answered"} {
		if !notCardFaceText.MatchString(s) {
			t.Errorf("%q not recognised", s)
		}
	}
	for _, s := range []string{"select surface: card answered 6A82", "wrong check code B", "JPKIAPICCTOKEN2", "card face: 5224 bytes"} {
		if notCardFaceText.MatchString(s) {
			t.Errorf("%q taken for a reason", s)
		}
	}
}

// "Rejects" is judged from result.json when there is one, else from phrases.
func TestRejectsFromResult(t *testing.T) {
	forged := func(stdout, result string) *evidence {
		ev := newStream().ev("forged-data", nil)
		ev.stdout = []byte(stdout)
		if result != "" {
			ev.result = parseResult([]byte(result))
		}
		return ev
	}
	expect(t, "RR-005", forged("", `{"schema":"taimen.read/v1","authentic":false,"outcome":"not-authentic"}`), true, "its result.json says the card is not authentic")
	expect(t, "RR-005", forged("", `{"schema":"taimen.read/v1","authentic":true,"outcome":"error","error":"x"}`), true, "result.json says the card is not authentic")
	// The file, not the phrases: a result that says authentic accepts whatever the output says.
	expect(t, "RR-005", forged("FORGED!", `{"schema":"taimen.read/v1","authentic":true,"outcome":"ok"}`), false, "exited 0 and its result.json says authentic")
	// A malformed file, another schema, no verdict: the phrases decide.
	for _, bad := range []string{`{"schema":"taimen.read/v1","authentic":`, `{"schema":"other/v1","authentic":true}`, `{"schema":"taimen.read/v1"}`, `[]`} {
		if parseResult([]byte(bad)) != nil {
			t.Errorf("%s parsed", bad)
		}
		expect(t, "RR-005", forged("verdict: NOT AUTHENTIC", bad), true, "said the card is not authentic")
		expect(t, "RR-005", forged("verdict: AUTHENTIC", bad), false, "did not say the card is not authentic")
	}
	ev := forged("", `{"schema":"taimen.read/v1","authentic":true,"outcome":"ok"}`)
	ev.exitCode = 6
	expect(t, "RR-005", ev, true, "rejected forged data: exited 6")
	clone := newStream().apdu(t, selSurface, "9000").apdu(t, "0084000010", "00112233445566778899AABBCCDDEEFF9000").
		apdu(t, "802A000020"+strings.Repeat("A5", 32)+"00", "AA9000").ev("clone", nil)
	clone.result = parseResult([]byte(`{"schema":"taimen.read/v1","authentic":false}`))
	expect(t, "RR-007", clone, true, "result.json says the card is not authentic (a clone)")
}

func TestLoadResult(t *testing.T) {
	good := `{"schema":"taimen.read/v1","authentic":false,"outcome":"jpki-only-token","fields":[]}`
	write := func(t *testing.T, name, content string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	if r := loadResult(write(t, ResultFile, good)); r == nil || r.Outcome != "jpki-only-token" || *r.Authentic {
		t.Fatalf("good file: %+v", r)
	}
	if r := loadResult(t.TempDir()); r != nil {
		t.Error("a result from an empty directory")
	}
	if r := loadResult(write(t, ResultFile, good+strings.Repeat(" ", maxResultSize))); r != nil {
		t.Error("an oversized file was read")
	}
	// A symbolic link to a good file elsewhere is not followed.
	target := filepath.Join(write(t, "elsewhere.json", good), "elsewhere.json")
	dir := t.TempDir()
	if err := os.Symlink(target, filepath.Join(dir, ResultFile)); err != nil {
		t.Fatal(err)
	}
	if r := loadResult(dir); r != nil {
		t.Error("a symbolic link was followed")
	}
	// A FIFO neither blocks nor counts.
	fifo := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(fifo, ResultFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := loadResult(fifo); r != nil {
		t.Error("a FIFO was read")
	}
}
