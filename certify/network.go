package certify

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// NetAttempt is one network endpoint the reader command (or any of its
// descendants) tried to reach in a scenario: a connection, a datagram, or a
// DNS lookup (anything to port 53). Loopback addresses count: the sandbox has
// only loopback, so nothing can leave the machine during certification, but
// an attempt shows what the reader would send in the field.
type NetAttempt struct {
	// Endpoint is "address:port" ("[v6]:port" for IPv6).
	Endpoint string `json:"endpoint"`
	// Protocol is tcp, udp or raw ("" when the socket was not seen).
	Protocol string `json:"protocol"`
	// DNS is true for port 53: a name lookup.
	DNS bool `json:"dns,omitempty"`
	// Calls lists the system calls seen (connect, sendto, sendmsg, sendmmsg).
	Calls []string `json:"calls"`
	// Results are the calls' outcomes: "ok" or an errno name such as ECONNREFUSED.
	Results []string `json:"results,omitempty"`
	// Count is how many calls were made.
	Count int `json:"count"`
	// Allowed names the --allow-net declaration that covers it, if any.
	Allowed string `json:"allowed,omitempty"`
}

// allowedEndpoint is one --allow-net HOST:PORT declaration.
type allowedEndpoint struct {
	spec  string
	port  int
	addrs []netip.Addr // the host's addresses (the literal one, or as resolved at the start of the run)
	name  bool         // the host is a name: DNS lookups are part of reaching it
}

// ValidateAllowNet checks --allow-net declarations: each must be HOST:PORT
// (an IP address or a host name, a port 1-65535; "[v6]:port" for IPv6).
func ValidateAllowNet(specs []string) error {
	for _, s := range specs {
		if _, err := parseEndpoint(s); err != nil {
			return err
		}
	}
	return nil
}

// parseEndpoint parses one declaration, without resolving its host.
func parseEndpoint(s string) (allowedEndpoint, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return allowedEndpoint{}, fmt.Errorf("--allow-net %q: want HOST:PORT: %w", s, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 || host == "" {
		return allowedEndpoint{}, fmt.Errorf("--allow-net %q: want HOST:PORT with a port 1-65535", s)
	}
	a := allowedEndpoint{spec: s, port: p}
	if ip, err := netip.ParseAddr(host); err == nil {
		a.addrs = []netip.Addr{ip.Unmap()}
	} else {
		a.name = true
	}
	return a, nil
}

// parseAllowNet checks the --allow-net declarations and resolves host names
// (with this machine's resolver, best effort: the sandbox itself has no DNS).
func parseAllowNet(ctx context.Context, specs []string) ([]allowedEndpoint, error) {
	var out []allowedEndpoint
	for _, s := range specs {
		a, err := parseEndpoint(s)
		if err != nil {
			return nil, err
		}
		if a.name {
			host, _, _ := net.SplitHostPort(s)
			lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			ips, _ := net.DefaultResolver.LookupNetIP(lctx, "ip", host)
			cancel()
			for _, ip := range ips {
				a.addrs = append(a.addrs, ip.Unmap())
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// allows returns the declaration that covers a call, or "".
func allows(allowed []allowedEndpoint, c netCall) string {
	ip, err := netip.ParseAddr(c.addr)
	for _, a := range allowed {
		if c.port == 53 && a.name {
			return a.spec
		}
		if err != nil || c.port != a.port {
			continue
		}
		for _, x := range a.addrs {
			if x == ip.Unmap() {
				return a.spec
			}
		}
	}
	return ""
}

// netAttempts groups the calls by endpoint and protocol, in order of first use.
func netAttempts(calls []netCall, allowed []allowedEndpoint) []NetAttempt {
	var out []NetAttempt
	index := map[string]int{}
	for _, c := range calls {
		ep := net.JoinHostPort(c.addr, strconv.Itoa(c.port))
		key := c.protocol + " " + ep
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, NetAttempt{Endpoint: ep, Protocol: c.protocol, DNS: c.port == 53, Allowed: allows(allowed, c)})
		}
		a := &out[i]
		a.Count++
		if !containsString(a.Calls, c.syscall) {
			a.Calls = append(a.Calls, c.syscall)
		}
		if c.result != "" && !containsString(a.Results, c.result) {
			a.Results = append(a.Results, c.result)
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// describe says what an attempt was, e.g. "127.0.0.1:4444 (tcp connect, ECONNREFUSED)".
func (a NetAttempt) describe() string {
	what := strings.TrimSpace(a.Protocol + " " + strings.Join(a.Calls, "/"))
	if len(a.Results) > 0 {
		what += ", " + strings.Join(a.Results, "/")
	}
	if a.Count > 1 {
		what += fmt.Sprintf(", %d times", a.Count)
	}
	if a.DNS {
		return fmt.Sprintf("a DNS lookup via %s (%s)", a.Endpoint, what)
	}
	return fmt.Sprintf("%s (%s)", a.Endpoint, what)
}

// checkNoNetwork is RR-015.
func checkNoNetwork(ev *evidence) (bool, string) {
	if ev.netCut {
		return false, "the network trace was cut short (too many network calls to record): what the reader sent is unknown"
	}
	var bad, ok []string
	for _, a := range ev.network {
		if a.Allowed != "" {
			ok = append(ok, a.describe()+" declared by --allow-net "+a.Allowed)
		} else {
			bad = append(bad, a.describe())
		}
	}
	switch {
	case len(bad) > 0:
		return false, "tried to reach the network: " + strings.Join(bad, "; ")
	case len(ok) > 0:
		return true, "reached only declared endpoints: " + strings.Join(ok, "; ")
	}
	return true, "opened no network connection, sent no datagram and made no DNS lookup"
}

// longDigits matches what could be a code in a program or variable name.
var longDigits = regexp.MustCompile(`[0-9]{4,}`)

// execSources returns, for RR-011, the command line of every program the
// sandbox ran, and each environment variable of theirs except those the
// engine set (engineVars: the TAIMEN_* inputs, which legitimately hold the
// code); a reader that passes a code on a command line shows it to ps.
func execSources(execs []execRecord, engineVars map[string]bool) []source {
	var out []source
	for _, x := range execs {
		name := longDigits.ReplaceAllString(path.Base(x.path), "…")
		out = append(out, source{where: "command line of " + name, data: []byte(strings.Join(x.argv, " "))})
		for _, kv := range x.env {
			k, _, _ := strings.Cut(kv, "=")
			if engineVars[k] {
				continue
			}
			out = append(out, source{where: fmt.Sprintf("environment of %s (%s)", name, longDigits.ReplaceAllString(k, "…")), data: []byte(kv)})
		}
	}
	return out
}

// sortedSpecs lists the declarations for the report.
func sortedSpecs(allowed []allowedEndpoint) []string {
	var out []string
	for _, a := range allowed {
		out = append(out, a.spec)
	}
	sort.Strings(out)
	return out
}
