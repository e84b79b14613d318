package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// semver is taimen's release version (semantic versioning 2.0.0); CHANGELOG.md says what each
// release brought. It is set here and nowhere else.
const semver = "0.9.0"

// commit is the source revision, set at build time with -ldflags "-X main.commit=…" (make build
// gives git describe --always --dirty); when unset, the VCS revision Go records in the binary.
var commit string

// version is the version reports and statements carry: semver, with the commit as build
// metadata when known, e.g. "0.9.0+6c49e04-dirty".
var version = buildVersion(semver, commit, readBuildInfo)

func readBuildInfo() (*debug.BuildInfo, bool) { return debug.ReadBuildInfo() }

// buildVersion joins v and the commit: c when given, else the VCS revision of info (12 hex
// digits, "-dirty" when the tree had changes).
func buildVersion(v, c string, info func() (*debug.BuildInfo, bool)) string {
	if c == "" {
		c = vcsCommit(info)
	}
	if c == "" {
		return v
	}
	return v + "+" + c
}

func vcsCommit(info func() (*debug.BuildInfo, bool)) string {
	bi, ok := info()
	if !ok {
		return ""
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	return rev
}

// cmdVersion prints the version, the commit and the Go toolchain that built the binary.
func cmdVersion(_ context.Context, args []string, e env) int {
	fs := newFlagSet("version", e)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return exitCode(e, usagef("version takes no arguments"))
	}
	c := commit
	if c == "" {
		c = vcsCommit(readBuildInfo)
	}
	if c == "" {
		c = "unknown (built without -ldflags -X main.commit or VCS information)"
	}
	fmt.Fprintf(e.stdout, "taimen %s\ncommit %s\ngo     %s %s/%s\n", semver, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
