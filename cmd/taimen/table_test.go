package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDisplayWidth(t *testing.T) {
	for s, want := range map[string]int{"": 0, "PIN": 3, "照合番号A": 9, "ｱｲｳ": 3, "１２": 4, "が": 2, "か\u3099": 2} {
		if got := displayWidth(s); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	if err := writeTable(&b, "  ", [][]string{{"KEY", "NAME", "TRIES"}, {"0011", "券面事項入力補助用暗証番号", "3"}, {"0012", "", "0 (blocked)"}, {"0014", "照合番号A", "10"}}); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"  KEY   NAME                        TRIES\n" +
		"  0011  券面事項入力補助用暗証番号  3\n" +
		"  0012                              0 (blocked)\n" +
		"  0014  照合番号A                   10\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// cjkWidth measures s independently of displayWidth: CJK ideographs, kana and full-width forms
// take two columns.
func cjkWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x2E80 && r <= 0xA4CF || r >= 0xFF01 && r <= 0xFF60 {
			n++
		}
		n++
	}
	return n
}

// The status table's columns line up on a terminal, Japanese names included.
func TestStatusTableAligned(t *testing.T) {
	r := runCLI(t, nil, "status", "--profile", "p01-showa")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lastColumn := regexp.MustCompile(`^(.*\S)  +(\S+( \(blocked\))?)$`)
	_, table, _ := strings.Cut(r.stdout, "\n\n")
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	col := -1
	for _, l := range lines {
		m := lastColumn.FindStringSubmatchIndex(l)
		if m == nil {
			t.Fatalf("line %q has no last column", l)
		}
		at := cjkWidth(l[:m[4]])
		if col < 0 {
			col = at
		} else if at != col {
			t.Errorf("TRIES at column %d, want %d: %q", at, col, l)
		}
	}
	if len(lines) < 8 || !strings.Contains(r.stdout, "照合番号") {
		t.Errorf("table:\n%s", r.stdout)
	}
}
