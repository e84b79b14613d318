package reports

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func matrixRun(card, atr, reader, kind string, areas ...Area) *Summary {
	s := &Summary{Schema: Schema, Verdict: Pass, Tool: Tool{Name: "taimen", Version: "v1"},
		Target: Target{Kind: kind, Profile: card, ATR: atr, Reader: reader}, Areas: areas}
	for _, a := range areas {
		s.Totals.Total += a.Counts.Total
		s.Totals.Passed += a.Counts.Passed
		s.Totals.Failed += a.Counts.Failed
		s.Totals.Skipped += a.Counts.Skipped
		if a.Verdict == Fail {
			s.Verdict = Fail
		}
	}
	return s
}

func TestMatrix(t *testing.T) {
	pass := Area{Area: "reads", Verdict: Pass, Counts: Counts{Total: 3, Passed: 3}}
	fail := Area{Area: "checkcodes", Verdict: Fail, Counts: Counts{Total: 2, Passed: 1, Failed: 1}}
	skip := Area{Area: "sm", Verdict: Skip, Counts: Counts{Total: 1, Skipped: 1}}
	runs := []*Summary{
		matrixRun("", "3B8A", "ACS ACR1252 00 00", "pcsc", pass, fail),
		matrixRun("p01-showa", "", "", "emulator", pass, skip),
		matrixRun("", "3B8A", "SONY RC-S380 00 00", "pcsc", pass),
	}
	m, err := MatrixOf(runs, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"ATR 3B8A", "p01-showa"}, m.Cards); d != "" {
		t.Errorf("cards:\n%s", d)
	}
	if d := cmp.Diff([]string{"ACS ACR1252 00 00", "SONY RC-S380 00 00", "emulator"}, m.Readers); d != "" {
		t.Errorf("readers:\n%s", d)
	}
	if d := cmp.Diff([]string{"checkcodes", "reads", "sm"}, m.Areas); d != "" {
		t.Errorf("areas:\n%s", d)
	}
	for _, tc := range []struct {
		card, reader, area, want string
	}{
		{"ATR 3B8A", "ACS ACR1252 00 00", "checkcodes", Fail},
		{"ATR 3B8A", "ACS ACR1252 00 00", "reads", Pass},
		{"ATR 3B8A", "SONY RC-S380 00 00", "reads", Pass},
		{"ATR 3B8A", "SONY RC-S380 00 00", "checkcodes", ""},
		{"p01-showa", "emulator", "sm", Skip},
	} {
		c, ok := m.Cell(tc.card, tc.reader, tc.area)
		if ok != (tc.want != "") || c.Verdict != tc.want {
			t.Errorf("cell %s × %s × %s = %q (%v), want %q", tc.card, tc.reader, tc.area, c.Verdict, ok, tc.want)
		}
	}
	var html bytes.Buffer
	if err := RenderMatrixHTML(&html, m); err != nil {
		t.Fatal(err)
	}
	h := html.String()
	for _, want := range []string{`<td class="v FAIL">FAIL<small>1/2, 1 failed</small></td>`, `<td class="v SKIP">SKIP<small>0/1</small></td>`,
		`<td class="v none">—</td>`, "SONY RC-S380 00 00", "2 card(s) × 3 reader(s) × 3 area(s)"} {
		if !strings.Contains(h, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	dir := t.TempDir()
	if err := WriteMatrix(dir, m); err != nil {
		t.Fatal(err)
	}
	if err := WriteMatrix(dir, m); err == nil {
		t.Error("a second matrix overwrote the first")
	}
}

func TestMatrixRefusals(t *testing.T) {
	a := matrixRun("p01-showa", "", "", "emulator", Area{Area: "reads", Verdict: Pass})
	sharded := matrixRun("p02", "", "", "emulator")
	sharded.Shard = &ShardInfo{Index: 2, Total: 4}
	for want, runs := range map[string][]*Summary{
		`a and b are both card "p01-showa" in reader "emulator"`: {a, a},
		"b is shard 2/4 of a run: merge its shards first":        {a, sharded},
	} {
		_, err := MatrixOf(runs, []string{"a", "b"})
		var me *MergeError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want a MergeError with %q", err, want)
		}
	}
}
