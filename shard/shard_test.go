package shard

import (
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		err  string
	}{
		{in: "1/1", want: Shard{1, 1}},
		{in: "2/4", want: Shard{2, 4}},
		{in: " 4/4 ", want: Shard{4, 4}},
		{in: "0/4", err: "I must be 1..4"},
		{in: "5/4", err: "I must be 1..4"},
		{in: "1/0", err: "N must be"},
		{in: "1/1001", err: "N must be"},
		{in: "2", err: "want I/N"},
		{in: "a/4", err: "whole numbers"},
		{in: "-1/4", err: "I must be"},
	} {
		got, err := Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) = %v, %v; want error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if got.String() != strings.TrimSpace(tc.in) {
			t.Errorf("String() = %q, want %q", got.String(), strings.TrimSpace(tc.in))
		}
	}
}

// Every spec is in exactly one shard, the whole run has every spec, and the split does not
// depend on the other IDs.
func TestSplitIsAPartition(t *testing.T) {
	var ids []string
	for _, area := range []string{"RD", "CC", "CT", "TM", "RB", "SM", "ST", "PW"} {
		for n := 1; n <= 30; n++ {
			ids = append(ids, fmt.Sprintf("%s-%03d", area, n))
		}
	}
	for _, total := range []int{1, 2, 3, 4, 7} {
		sizes := make([]int, total)
		for _, id := range ids {
			in := 0
			for i := 1; i <= total; i++ {
				if (Shard{i, total}).Has(id) {
					in++
					sizes[i-1]++
				}
			}
			if in != 1 {
				t.Fatalf("%s is in %d of %d shards", id, in, total)
			}
			if !(Shard{}).Has(id) {
				t.Fatalf("the whole run lacks %s", id)
			}
		}
		for i, n := range sizes {
			if n == 0 {
				t.Errorf("shard %d/%d is empty over %d specs", i+1, total, len(ids))
			}
		}
	}
	// Fixed values: a change of hash would move specs between the shards of machines that run
	// different versions (the merge then refuses them; this catches it first).
	for id, want := range map[string]int{"RD-001": 1, "RD-009": 3, "SM-001": 2} {
		if got := Of(id, 4); got != want {
			t.Errorf("Of(%s, 4) = %d, want %d", id, got, want)
		}
	}
}

func TestSpecSet(t *testing.T) {
	a := SpecSet([]string{"RD-002", "RD-001"}, "reads")
	if a != SpecSet([]string{"RD-001", "RD-002"}, " reads ") {
		t.Error("the spec set depends on the order of the IDs or on spaces around the filter")
	}
	for _, other := range []string{SpecSet([]string{"RD-001"}, "reads"), SpecSet([]string{"RD-001", "RD-002"}, ""),
		SpecSet([]string{"RD-001", "RD-003"}, "reads")} {
		if other == a {
			t.Errorf("two different spec sets share the identity %s", a)
		}
	}
	if !strings.HasPrefix(a, "sha256:") || len(a) != len("sha256:")+64 {
		t.Errorf("SpecSet = %q", a)
	}
}
