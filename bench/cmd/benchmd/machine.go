package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

// machine is what BENCH.md's first table says of the machine that ran.
type machine struct {
	cpu, kernel, goVersion, pcscd, vicc string
	cores                               int
}

func machineInfo(goCmd string) machine {
	m := machine{cpu: "unknown", kernel: "unknown", cores: runtime.NumCPU(), goVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		m.kernel = "Linux " + utsString(u.Release[:])
	}
	if out, err := exec.Command(goCmd, "env", "GOVERSION").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "pcscd").Output(); err == nil {
		m.pcscd = strings.TrimSpace(string(out))
	}
	return m
}

// viccVersion asks scripts/vicc for vicc's version, which also installs vicc's
// packages when missing. That happens here, in the host's network namespace:
// inside the private pcscd's namespace there is no network. note says why
// vicc is missing, when it is.
func viccVersion(root string) (version, note string) {
	vicc := filepath.Join(root, "scripts", "vicc")
	out, err := exec.Command(vicc, "--version").CombinedOutput()
	if err != nil {
		note = fmt.Sprintf("scripts/vicc --version failed: %v: %s", err, lastLine(out))
		logf("%s", note)
		return "", note
	}
	return lastLine(out), ""
}

func utsString(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}
