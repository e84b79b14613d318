package certify

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// The engine runs the sandbox under strace (as root, outside the sandbox, so
// the reader cannot touch the log) with
//
//	strace -f -qq --seccomp-bpf -e trace=%network,execve -e signal=none -v -s 4096 -o LOG
//
// and parses the log here: every execve (argv and environment, for RR-011)
// and every connect, sendto, sendmsg and sendmmsg to an AF_INET or AF_INET6
// address (for RR-015).

// straceArgs are strace's options, before the traced command.
func straceArgs(log string) []string {
	return []string{"-f", "-qq", "--seccomp-bpf", "-e", "trace=%network,execve", "-e", "signal=none",
		"-v", "-s", "4096", "-o", log, "--"}
}

// execRecord is one program a process of the sandbox ran.
type execRecord struct {
	pid  int
	path string
	argv []string
	env  []string
}

// netCall is one attempt to reach an internet address.
type netCall struct {
	syscall  string // connect, sendto, sendmsg, sendmmsg
	protocol string // tcp, udp, raw or "" when the socket was not seen
	addr     string // IP address as strace shows it
	port     int
	result   string // "ok", an errno name (ECONNREFUSED), or "" when unknown
}

// straceLog is what the parsed log holds.
type straceLog struct {
	execs []execRecord
	calls []netCall
}

var (
	lineRE    = regexp.MustCompile(`^(\d+) +([a-z0-9_]+)\((.*)$`)
	resultRE  = regexp.MustCompile(`\) += (-?\d+)(?: ([A-Z][A-Z0-9_]*))?`)
	inetRE    = regexp.MustCompile(`sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([0-9.]+)"\)`)
	inet6RE   = regexp.MustCompile(`sa_family=AF_INET6, sin6_port=htons\((\d+)\),[^}]*inet_pton\(AF_INET6, "([0-9a-fA-F:.]+)"`)
	socketRE  = regexp.MustCompile(`^AF_INET6?, (SOCK_[A-Z]+)`)
	firstArgR = regexp.MustCompile(`^(\d+),`)
)

// parseStrace reads an strace log written with straceArgs.
func parseStrace(r io.Reader) (*straceLog, error) {
	out := &straceLog{}
	type sockKey struct{ pid, fd int }
	socks := map[sockKey]string{} // the protocol of each socket, by process and descriptor
	lastByFD := map[int]string{}  // the latest socket of each descriptor number, any process
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		m := lineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue // "<... resumed>" lines, signals, exits
		}
		pid, _ := strconv.Atoi(m[1])
		name, rest := m[2], m[3]
		result := ""
		if rm := resultRE.FindStringSubmatch(lastCall(rest)); rm != nil {
			result = "ok"
			if rm[1] == "-1" && rm[2] != "" {
				result = rm[2]
			}
		}
		switch name {
		case "execve":
			if strings.HasPrefix(result, "E") {
				continue // a failed try along PATH
			}
			if x, ok := parseExecve(rest); ok {
				x.pid = pid
				out.execs = append(out.execs, x)
			}
		case "socket":
			sm := socketRE.FindStringSubmatch(rest)
			fd, err := strconv.Atoi(strings.TrimPrefix(resultRE.FindString(rest), ") = "))
			if sm == nil || err != nil {
				continue
			}
			proto := map[string]string{"SOCK_STREAM": "tcp", "SOCK_DGRAM": "udp", "SOCK_RAW": "raw"}[sm[1]]
			socks[sockKey{pid, fd}], lastByFD[fd] = proto, proto
		case "connect", "sendto", "sendmsg", "sendmmsg":
			addrs := inetAddresses(rest)
			if len(addrs) == 0 {
				continue
			}
			proto := ""
			if fm := firstArgR.FindStringSubmatch(rest); fm != nil {
				fd, _ := strconv.Atoi(fm[1])
				var ok bool
				if proto, ok = socks[sockKey{pid, fd}]; !ok {
					proto = lastByFD[fd]
				}
			}
			if proto == "" && name != "connect" {
				proto = "udp" // a datagram with an address
			}
			for _, a := range addrs {
				a.syscall, a.protocol, a.result = name, proto, result
				out.calls = append(out.calls, a)
			}
		}
	}
	return out, sc.Err()
}

// lastCall returns the end of a syscall line, where strace prints the result.
func lastCall(rest string) string {
	if i := strings.LastIndex(rest, ") = "); i >= 0 {
		return rest[i:]
	}
	return ""
}

// inetAddresses finds the AF_INET and AF_INET6 socket addresses in a
// syscall's arguments. Data a program sends cannot fake one: strace escapes
// the quotes inside a string, and an address needs them unescaped.
func inetAddresses(args string) []netCall {
	var out []netCall
	for _, m := range inetRE.FindAllStringSubmatch(args, -1) {
		port, _ := strconv.Atoi(m[1])
		out = append(out, netCall{addr: m[2], port: port})
	}
	for _, m := range inet6RE.FindAllStringSubmatch(args, -1) {
		port, _ := strconv.Atoi(m[1])
		out = append(out, netCall{addr: m[2], port: port})
	}
	return out
}

// parseExecve parses `"path", ["argv0", …], ["K=V", …]` (the rest of an
// execve line after the opening parenthesis).
func parseExecve(s string) (execRecord, bool) {
	var x execRecord
	path, s, ok := cString(s)
	if !ok {
		return x, false
	}
	x.path = path
	s = strings.TrimPrefix(s, ", ")
	if x.argv, s, ok = cStringArray(s); !ok {
		return x, false
	}
	s = strings.TrimPrefix(s, ", ")
	x.env, _, _ = cStringArray(s)
	return x, true
}

// cStringArray parses `["a", "b"…]` and returns the strings and the rest.
func cStringArray(s string) ([]string, string, bool) {
	if !strings.HasPrefix(s, "[") {
		return nil, s, false
	}
	s = s[1:]
	var out []string
	for {
		s = strings.TrimPrefix(s, ", ")
		switch {
		case strings.HasPrefix(s, "]"):
			return out, s[1:], true
		case strings.HasPrefix(s, "..."):
			s = s[3:]
			continue
		}
		v, rest, ok := cString(s)
		if !ok {
			return out, s, false
		}
		out = append(out, v)
		s = rest
	}
}

// cString parses one strace string literal ("…" with C escapes, maybe
// followed by "..." when cut) and returns it and the rest.
func cString(s string) (string, string, bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	var b []byte
	i := 1
	for ; i < len(s) && s[i] != '"'; i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b = append(b, s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case 'r':
			b = append(b, '\r')
		case 'v':
			b = append(b, '\v')
		case 'f':
			b = append(b, '\f')
		case 'x':
			if i+2 < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
					b = append(b, byte(v))
					i += 2
					continue
				}
			}
			b = append(b, c)
		default:
			if '0' <= c && c <= '7' {
				j := i
				for j < len(s) && j < i+3 && '0' <= s[j] && s[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(s[i:j], 8, 8)
				b = append(b, byte(v))
				i = j - 1
				continue
			}
			b = append(b, c)
		}
	}
	if i >= len(s) {
		return string(b), "", false
	}
	rest := strings.TrimPrefix(s[i+1:], "...")
	return string(b), rest, true
}
