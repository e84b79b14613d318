package main

import (
	"context"
	"fmt"

	"github.com/taimen-dev/taimen/reader"
)

func init() {
	purposes["forget"] = `  taimen forget

Forgets the values cards rejected. taimen remembers each rejected check code or PIN (a salted,
slow hash keyed by card and key, never the value) for TAIMEN_REJECTED_TTL (default 24h), and
read, discover, run and relay refuse to send one again (exit 7): run this after correcting a
card's counter by other means, or to send such a value on purpose. The file is
$TAIMEN_REJECTED, else rejected.json in the state directory ($XDG_STATE_HOME/taimen, else
~/.local/state/taimen).`
	examples["forget"] = "  taimen forget\n" +
		"  TAIMEN_REJECTED=/tmp/lab/rejected.json taimen forget   # a lab's own memory\n"
	commandEnv["forget"] = []string{reader.EnvRejected, reader.EnvRejectedTTL}
	commandExits["forget"] = []int{exitOK, exitUsage, exitSetup}
	envDocs[reader.EnvRejected] = "the file of remembered rejected values (default rejected.json in the state directory)"
	envDocs[reader.EnvRejectedTTL] = "how long a rejected value is remembered, a Go duration (default 24h)"
	for _, c := range []string{"read", "discover", "run", "relay"} {
		commandEnv[c] = append(commandEnv[c], reader.EnvRejected, reader.EnvRejectedTTL)
	}
}

// rejectedMemory returns the rejected-value memory the environment configures, its directory
// checked: an unsafe directory is a set-up error, a malformed TTL a usage error.
func rejectedMemory(e env) (*reader.Rejected, error) {
	if _, err := reader.RejectedTTLFromEnv(e.getenv); err != nil {
		return nil, usageError{err}
	}
	m, err := reader.RejectedFromEnv(e.getenv)
	if err != nil {
		return nil, setupError{err}
	}
	return m, nil
}

// remembers reports whether a command on tf's target must consult the memory: a physical
// card, or an emulated card whose counters outlive the command (--state).
func (t *targetFlags) remembers() bool { return t.emulator == "" || t.state != "" }

func cmdForget(_ context.Context, args []string, e env) int {
	fs := newFlagSet("forget", e)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return exitCode(e, usagef("forget takes no arguments"))
	}
	m, err := rejectedMemory(e)
	if err != nil {
		return exitCode(e, err)
	}
	n, err := m.Forget()
	if err != nil {
		return exitCode(e, setupError{err})
	}
	fmt.Fprintf(e.stdout, "forgot %d rejected value(s) (%s)\n", n, m.Path)
	return exitOK
}
