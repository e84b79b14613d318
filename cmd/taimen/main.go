// Command taimen is the My Number Card conformance harness: it emulates a
// card, reads a card (face-to-face, text, JPKI, status), and runs the
// conformance suites.
//
//	taimen read face|surface-a|text|jpki [--reader NAME | --profile ID|FILE] [--json] [--out DIR] [--reveal]
//	taimen status [--reader NAME | --profile ID|FILE] [--json]
//	taimen readers
//	taimen emulate --profile FILE [--state DIR] [--vpcd HOST:PORT] [--fault NAME]
//	taimen run [--target emulator|vpcd|pcsc:NAME] [--out DIR]
//	taimen report --in DIR | --diff OLD NEW
//	taimen certify-reader --cmd '…'
//	taimen card-image --profile ID --side front|back --out FILE
//	taimen mutants
//	taimen version
//
// 'taimen COMMAND -h' prints a command's purpose, flags, examples, TAIMEN_* variables and exit
// codes. The card profiles are embedded (package vectors): the binary works from any directory.
//
// Secrets are never taken from the command line: they come from a no-echo
// prompt on a terminal or from TAIMEN_* environment variables.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], osEnv()))
}

// env is everything the commands take from the outside world, so tests can drive them.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// prompt reads a secret without echo; nil when stdin is not a terminal.
	prompt func(label string) (string, error)
	// stderrTerminal is true when stderr is a terminal (not a log): only then
	// are personal data read from a card image shown in full.
	stderrTerminal bool
}

func osEnv() env {
	e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, stderrTerminal: term.IsTerminal(int(os.Stderr.Fd()))}
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		e.prompt = func(label string) (string, error) {
			io.WriteString(os.Stderr, label+": ")
			b, err := term.ReadPassword(fd)
			io.WriteString(os.Stderr, "\n")
			return string(b), err
		}
	}
	return e
}
