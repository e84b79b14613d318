package catalogue_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taimen-dev/taimen/suites"
	"github.com/taimen-dev/taimen/suites/all"
	"github.com/taimen-dev/taimen/suites/catalogue"
)

var update = flag.Bool("update", false, "rewrite suites/CATALOGUE.md from the code")

var path = filepath.Join("..", "CATALOGUE.md")

// TestCatalogue declares every spec (a Ginkgo dry run of all areas) and
// compares the rendered catalogue with the committed suites/CATALOGUE.md.
func TestCatalogue(t *testing.T) {
	ms, err := all.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("the dry run declared no spec")
	}
	got := catalogue.Markdown(ms)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d specs)", path, len(ms))
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run `make catalogue`", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("suites/CATALOGUE.md is out of date with the specs: run `make catalogue` (-committed +code):\n%s", d)
	}
}

func TestMarkdownEscapesCells(t *testing.T) {
	for _, tc := range []struct {
		name string
		meta suites.Meta
		want string
	}{
		{"pipe and newline", suites.Meta{ID: "XX-001", Title: "a | b", Area: "x", App: "card", Checks: "one\ntwo", Expect: "9000"},
			"| XX-001 | a \\| b | x | card | one two | 9000 | emulator, vpcd, physical | none |"},
		{"destructive emulated-only", suites.Meta{ID: "XX-002", Title: "lock", Area: "x", App: "text", Destructive: true, Targets: suites.EmulatedOnly},
			"| XX-002 | lock | x | text |  |  | emulator, vpcd | **destructive** |"},
		{"spends tries", suites.Meta{ID: "XX-003", Title: "wrong then right", Area: "x", App: "card", SpendsTry: 3},
			"| XX-003 | wrong then right | x | card |  |  | emulator, vpcd, physical | spends 3, restores |"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := catalogue.Markdown([]suites.Meta{tc.meta})
			if !strings.Contains(md, tc.want+"\n") {
				t.Errorf("row not found:\n%s\nin:\n%s", tc.want, md)
			}
		})
	}
}
