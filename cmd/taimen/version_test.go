package main

import (
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	info := func(settings ...string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			bi := &debug.BuildInfo{}
			for i := 0; i+1 < len(settings); i += 2 {
				bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
			}
			return bi, true
		}
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }
	for _, tc := range []struct {
		name, commit string
		info         func() (*debug.BuildInfo, bool)
		want         string
	}{
		{"from -ldflags", "6c49e04-dirty", info("vcs.revision", "ffffffffffffffffffff"), "0.9.0+6c49e04-dirty"},
		{"from the VCS stamp", "", info("vcs.revision", "6c49e04a1b2c3d4e5f60718293a4b5c6d7e8f901", "vcs.modified", "false"), "0.9.0+6c49e04a1b2c"},
		{"a modified tree", "", info("vcs.revision", "6c49e04a1b2c3d4e", "vcs.modified", "true"), "0.9.0+6c49e04a1b2c-dirty"},
		{"no stamp", "", info(), "0.9.0"},
		{"no build info", "", none, "0.9.0"},
	} {
		if got := buildVersion("0.9.0", tc.commit, tc.info); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// semver is a semantic version, and the changelog has an entry for it.
func TestVersionCommand(t *testing.T) {
	if !regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$`).MatchString(semver) {
		t.Errorf("semver %q is not a semantic version", semver)
	}
	r := runCLI(t, nil, "version")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "taimen "+semver+"\ncommit ") || !strings.Contains(r.stdout, runtime.Version()) {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
	if r := runCLI(t, nil, "version", "extra"); r.code != exitUsage {
		t.Errorf("version extra: exit %d", r.code)
	}
}
