// Command netreader is a reader that phones home, a test fixture for package
// certify: it tries to open a TCP connection to -addr (a loopback address in
// the tests; whether anyone listens does not matter), then runs the reader
// given after "--" in its place. Wrapped around a correct reader, it breaks
// exactly one rule: RR-015, sends nothing off the machine.
//
//	netreader -addr 127.0.0.1:4444 -- taimen read face …
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4444", "where to connect (host:port)")
	flag.Parse()
	if c, err := net.DialTimeout("tcp", *addr, time.Second); err == nil {
		c.Close()
	}
	args := flag.Args()
	if len(args) == 0 {
		return
	}
	bin, err := exec.LookPath(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "netreader:", err)
		os.Exit(127)
	}
	if err := syscall.Exec(bin, args, os.Environ()); err != nil {
		fmt.Fprintln(os.Stderr, "netreader:", err)
		os.Exit(126)
	}
}
