package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
)

// vpcdDialer dials vpcd's slots for emulate and says on w when a slot's vpcd cannot be reached
// (once, until it is reached again: vpcd.Serve keeps retrying) and when it is reached, so that
// a missing pcscd or vpcd driver is not a silent wait.
type vpcdDialer struct {
	host string
	port int // slot 0's; slot n listens on port+n
	w    io.Writer

	mu      sync.Mutex
	state   map[int]bool // slot → reached at the last try
	reached map[int]bool // slot → reached once
}

func newVPCDDialer(addr string, w io.Writer) (*vpcdDialer, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("--vpcd %q: want HOST:PORT", addr)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return nil, usagef("--vpcd %q: the port must be 1-65535", addr)
	}
	return &vpcdDialer{host: host, port: port, w: w, state: map[int]bool{}, reached: map[int]bool{}}, nil
}

// dial connects to slot's vpcd, reporting a change between reachable and not.
func (d *vpcdDialer) dial(ctx context.Context, slot int) (net.Conn, error) {
	addr := net.JoinHostPort(d.host, strconv.Itoa(d.port+slot))
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, "tcp", addr)
	if ctx.Err() != nil {
		return conn, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	up, known := d.state[slot]
	switch {
	case err != nil && (up || !known):
		fmt.Fprintf(d.w, "taimen emulate: slot %d: vpcd at %s is not reachable (%v); retrying until it is: is pcscd running with the vpcd driver (vsmartcard-vpcd)?\n", slot, addr, err)
	case err == nil && !up:
		again := ""
		if d.reached[slot] {
			again = " again"
		}
		fmt.Fprintf(d.w, "taimen emulate: slot %d: connected to vpcd at %s%s\n", slot, addr, again)
		d.reached[slot] = true
	}
	d.state[slot] = err == nil
	return conn, err
}
