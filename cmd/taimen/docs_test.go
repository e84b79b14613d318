package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// README's exit-code table is exitCodes, row for row.
func TestREADMEExitCodes(t *testing.T) {
	readme := readRepoFile(t, "README.md")
	_, table, ok := strings.Cut(readme, "| Code | Meaning |\n|--:|---|\n")
	if !ok {
		t.Fatal("README has no exit-code table")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	var want []string
	for _, c := range exitCodes {
		want = append(want, fmt.Sprintf("| %d | %s |", c.code, c.meaning))
	}
	if diff := cmp.Diff(want, strings.Split(strings.TrimSpace(table), "\n")); diff != "" {
		t.Errorf("README's exit codes differ from exitCodes (-exitCodes +README):\n%s", diff)
	}
}

// CHANGELOG.md has a section for the version the binary says it is, in Keep a Changelog form.
func TestChangelogHasVersion(t *testing.T) {
	log := readRepoFile(t, "CHANGELOG.md")
	if !regexp.MustCompile(`(?m)^## \[` + regexp.QuoteMeta(semver) + `\] - \d{4}-\d{2}-\d{2}$`).MatchString(log) {
		t.Errorf("CHANGELOG.md has no \"## [%s] - YYYY-MM-DD\" section", semver)
	}
	if !strings.Contains(log, "## [Unreleased]") || !strings.Contains(log, "["+semver+"]: ") {
		t.Error("CHANGELOG.md lacks the Unreleased section or the version's link")
	}
}
