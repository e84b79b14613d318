package certify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// visibleBase is where visibleDir makes its directories: outside every place
// the sandbox replaces, and searchable by all whatever the checkout's path
// (CI may clone under a private directory such as one of mktemp -d's).
const visibleBase = "/var/lib/taimen-test"

// visibleDir returns a directory the sandbox's uid can read, for test
// binaries and profiles: t.TempDir is under /tmp, which the sandbox replaces,
// and is private to root.
func visibleDir(t *testing.T) string {
	t.Helper()
	dir, err := newVisibleDir()
	if dir != "" {
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// newVisibleDir makes a directory under visibleBase that the sandbox's uid can search; the
// caller removes it (also when err is set and dir is not empty).
func newVisibleDir() (dir string, err error) {
	if err := os.MkdirAll(visibleBase, 0o755); err != nil {
		return "", err
	}
	if dir, err = os.MkdirTemp(visibleBase, "bin-"); err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return dir, err
	}
	for p := dir; p != "/"; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm()&0o001 == 0 {
			return dir, fmt.Errorf("%s is not searchable by other users: the sandbox's uid cannot run test binaries under it", p)
		}
	}
	return dir, nil
}

// visibleProfile copies the profiles (p01 names its CA's keys in ../testca)
// into a visibleDir and returns p01's profile.json, for a reader in the
// sandbox to load (--test-ca).
func visibleProfile(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(visibleDir(t), "profiles")
	if err := os.CopyFS(dst, os.DirFS(filepath.Dir(filepath.Dir(p01Path)))); err != nil {
		t.Fatal(err)
	}
	if err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(p, mode)
	}); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dst, "p01-showa", "profile.json")
}

// testUID returns a uid for one test's sandbox, distinct from other tests'
// (and from DefaultUID), so that its processes can be counted.
func testUID(t *testing.T) int {
	h := fnv.New32a()
	h.Write([]byte(t.Name()))
	return 61000 + int(h.Sum32()%997)
}

// survivors lists the processes of uid, waiting up to wait for them to go.
func survivors(uid int, wait time.Duration) []string {
	deadline := time.Now().Add(wait)
	for {
		var out []string
		dirs, _ := os.ReadDir("/proc")
		for _, d := range dirs {
			if _, err := strconv.Atoi(d.Name()); err != nil {
				continue
			}
			b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "status"))
			if err != nil {
				continue
			}
			// A zombie has run its last instruction: it waits only for its (new) parent to
			// reap it, which the kernel's reparenting leaves to PID 1, out of taimen's hands.
			uidMatch, state := false, ""
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Fields(line)
				switch {
				case len(f) > 1 && f[0] == "Uid:" && f[1] == strconv.Itoa(uid):
					uidMatch = true
				case len(f) > 1 && f[0] == "State:":
					state = f[1]
				}
			}
			if uidMatch && state != "Z" && state != "X" {
				comm, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "comm"))
				out = append(out, d.Name()+" "+strings.TrimSpace(string(comm))+" ("+state+")")
			}
		}
		if len(out) == 0 || time.Now().After(deadline) {
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSandboxEnvironment checks, from inside, what the command sees: its uid,
// its inputs and none of this process's TAIMEN_* variables, empty writable
// places, a read-only rest, loopback only, its own PID namespace; and, from
// outside, that every file it wrote is listed by the path it saw.
func TestSandboxEnvironment(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Setenv("TAIMEN_CHECK_CODE_A", "123456789018")
	t.Setenv("TAIMEN_TEXT_PIN", "1234")
	p := loadP01(t)
	wrong, _ := wrongCheckCodeB(p)
	sum := sha256.Sum256([]byte(wrong.Reveal()))
	// The digest is read from a file, so that the test's log (which shows the
	// script) does not carry it.
	want := filepath.Join(visibleDir(t), "code.sha256")
	if err := os.WriteFile(want, []byte(hex.EncodeToString(sum[:])), 0o644); err != nil {
		t.Fatal(err)
	}
	uid := testUID(t)
	script := `bad=0; fail() { echo "FAIL: $*"; bad=1; }
[ "$(id -u):$(id -g)" = "UID:UID" ] || fail "uid $(id -u):$(id -g)"
[ "$(printf %s "$TAIMEN_CHECK_CODE_B" | sha256sum | cut -d' ' -f1)" = "$(cat HASH)" ] || fail "TAIMEN_CHECK_CODE_B is not the scenario's wrong code"
[ -z "${TAIMEN_CHECK_CODE_A+x}${TAIMEN_TEXT_PIN+x}" ] || fail "a TAIMEN_* variable of the certifying process leaked"
[ "$PCSCLITE_CSOCK_NAME" = /run/pcscd/pcscd.comm ] && [ -S "$PCSCLITE_CSOCK_NAME" ] || fail "pcscd socket"
[ "$TAIMEN_CERTIFY_SCENARIO" = wrong-code ] || fail scenario
[ "$TAIMEN_CERTIFY_READER" = '{reader}' ] && [ '{reader}' = "LABEL" ] || fail reader
[ "$TAIMEN_CERTIFY_OUT" = '{out}' ] && [ '{out}' = /run/taimen/out ] || fail out
[ "$TAIMEN_HISTORY" = /run/taimen/history.jsonl ] || fail history
[ "$HOME" = /run/taimen/home ] && [ "$(ls -A "$HOME" | tr '\n' ' ')" = ".cache .config .local " ] || fail "HOME"
[ "$XDG_CONFIG_HOME:$XDG_CACHE_HOME:$XDG_DATA_HOME:$XDG_STATE_HOME" = "$HOME/.config:$HOME/.cache:$HOME/.local/share:$HOME/.local/state" ] || fail XDG
[ "$XDG_RUNTIME_DIR:$TMPDIR" = "/run/user/UID:/tmp" ] || fail "XDG_RUNTIME_DIR or TMPDIR"
for d in '{out}' "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR" /tmp /var/tmp /dev/shm; do
	[ -d "$d" ] && [ -z "$(ls -A "$d")" ] || fail "$d is not an empty directory"
	echo x > "$d/w.txt" || fail "$d is not writable"
done
here="$PWD/w.txt"; [ "$PWD" = "$HOME" ] && here=/w.txt # a working directory the uid cannot enter falls back to HOME
for f in /w.txt /etc/w.txt /usr/w.txt "$here" /run/w.txt /run/pcscd/w.txt; do (echo x > "$f") 2>/dev/null && fail "$f is writable"; done
[ "$(awk -F: 'NR>2{gsub(/ /,"",$1); print $1}' /proc/net/dev)" = lo ] || fail "network interfaces other than lo"
[ "$(cat /proc/1/comm)" = bwrap ] || fail "not in its own PID namespace"
exit $bad`
	script = strings.NewReplacer("UID", strconv.Itoa(uid), "HASH", want, "LABEL", DefaultReaderLabel+" 00 00").Replace(script)
	rep := certifyWith(t, Options{Command: script, Timeout: 10 * time.Second, Scenarios: []string{"wrong-code"}, UID: uid})
	sc := rep.Scenarios[0]
	if sc.Error != "" || sc.ExitCode != 0 {
		t.Fatalf("exit %d, error %q:\n%s", sc.ExitCode, sc.Error, sc.Output.Tail)
	}
	var got []string
	for _, f := range sc.Files {
		got = append(got, f.Path)
	}
	wantFiles := []string{"/dev/shm/w.txt", "/run/user/" + strconv.Itoa(uid) + "/w.txt", "/tmp/w.txt", "/var/tmp/w.txt",
		"{out}/w.txt", "~/.cache/w.txt", "~/.config/w.txt", "~/.local/share/w.txt", "~/.local/state/w.txt"}
	slices.Sort(wantFiles)
	if !slices.Equal(got, wantFiles) {
		t.Errorf("files %q\nwant %q", got, wantFiles)
	}
}

// TestSandboxNetwork: a reader that connects to a loopback address fails
// exactly RR-015, naming the endpoint; declared with --allow-net, the same
// attempt passes and the report lists the declaration.
func TestSandboxNetwork(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Parallel()
	taimen, net := build(t, "./cmd/taimen"), build(t, "./certify/testdata/netreader")
	profile := visibleProfile(t)
	cmd := net + " -addr 127.0.0.1:4444 -- " + taimen + " read face --reader '{reader}' --test-ca " + profile + " --json"
	scenarios := []string{"good", "wrong-code"}

	rep := certifyWith(t, Options{Command: cmd, Timeout: 30 * time.Second, Scenarios: scenarios})
	if !slices.Equal(rep.FailedRules, []string{"RR-015"}) || rep.Summary.Error != 0 {
		t.Fatalf("failed rules %v, want [RR-015]\n%v", rep.FailedRules, failedIn(rep))
	}
	for _, m := range failedIn(rep)["RR-015"] {
		if !strings.Contains(m, "tried to reach the network: 127.0.0.1:4444 (tcp connect, ") {
			t.Errorf("RR-015: %s", m)
		}
	}
	if len(rep.Scenarios[0].Network) != 1 || rep.Scenarios[0].Network[0].Endpoint != "127.0.0.1:4444" || len(rep.AllowNet) != 0 {
		t.Errorf("network %+v, allow %v", rep.Scenarios[0].Network, rep.AllowNet)
	}

	rep = certifyWith(t, Options{Command: cmd, Timeout: 30 * time.Second, Scenarios: scenarios, AllowNet: []string{"127.0.0.1:4444"}})
	if rep.Verdict != VerdictPass {
		t.Fatalf("with --allow-net: verdict %s, %v", rep.Verdict, failedIn(rep))
	}
	if !slices.Equal(rep.AllowNet, []string{"127.0.0.1:4444"}) {
		t.Errorf("allow_net %v", rep.AllowNet)
	}
	for _, sc := range rep.Scenarios {
		if len(sc.Network) != 1 || sc.Network[0].Allowed != "127.0.0.1:4444" {
			t.Errorf("%s: network %+v", sc.Name, sc.Network)
		}
		for _, r := range sc.Results {
			if r.Rule == "RR-015" && !strings.Contains(r.Message, "reached only declared endpoints: 127.0.0.1:4444 (tcp connect") {
				t.Errorf("%s: RR-015 %q", sc.Name, r.Message)
			}
		}
	}
}

// TestSandboxChildLeaks: RR-011 finds a check code on a child's command line
// and in a child's environment under another name than the engine's input.
func TestSandboxChildLeaks(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Parallel()
	cmd := `/bin/true "$TAIMEN_CHECK_CODE_B"; CODE="$TAIMEN_CHECK_CODE_B" /bin/sh -c 'exit 0'`
	rep := certifyWith(t, Options{Command: cmd, Timeout: 10 * time.Second, Scenarios: []string{"good"}, UID: testUID(t)})
	msgs := failedIn(rep)["RR-011"]
	if len(msgs) != 1 {
		t.Fatalf("RR-011: %q (failed %v)", msgs, failedIn(rep))
	}
	for _, want := range []string{"check code B (ASCII) in command line of true", "check code B (ASCII) in environment of sh (CODE)"} {
		if !strings.Contains(msgs[0], want) {
			t.Errorf("RR-011 %q: no %q", msgs[0], want)
		}
	}
	if strings.Contains(msgs[0], "TAIMEN_CHECK_CODE_B") {
		t.Errorf("RR-011 flags the engine's own input: %q", msgs[0])
	}
}

// TestSandboxBadInput: a command that is not found, one that forks a daemon
// and exits, and one that fills its disk each give a clear result, promptly,
// and leave no process behind.
func TestSandboxBadInput(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Parallel()
	hidden := filepath.Join(t.TempDir(), "reader") // under /tmp: not visible in the sandbox
	if err := os.WriteFile(hidden, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notExec := filepath.Join(visibleDir(t), "reader")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, cmd string
		size      int64
		wantErr   string
	}{
		{"not executable", notExec, 0, "command not executable (sh exited 126"},
		{"not found", "/nonexistent/reader -reader '{reader}'", 0, "command not found (sh exited 127"},
		{"hidden under /tmp", hidden, 0, "command not found (sh exited 127"},
		{"daemon", "setsid -f sleep 300; (sleep 300 &); echo started", 0, ""},
		{"long command line", ": " + strings.Repeat("x", 5000) + "; exit 0", 0, ""}, // strace shows 4096 bytes of it
		{"fills the disk", "head -c 64M /dev/zero > ~/.cache/fill; echo $? > /tmp/rc", 8 << 20, "the reader filled its sandbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uid := testUID(t)
			rep := certifyWith(t, Options{Command: tc.cmd, Timeout: 10 * time.Second, Scenarios: []string{"good", "blocked"}, UID: uid, SandboxSize: tc.size})
			for _, sc := range rep.Scenarios { // none waits for its deadline: not the daemon it left, not a full disk
				if d := time.Duration(sc.DurationMS) * time.Millisecond; d >= 10*time.Second {
					t.Errorf("%s: the command ran %s, to its deadline", sc.Name, d)
				}
			}
			if len(rep.Scenarios) != 2 {
				t.Fatalf("%d scenarios", len(rep.Scenarios))
			}
			for _, sc := range rep.Scenarios {
				if tc.wantErr == "" {
					if sc.Error != "" || sc.ExitCode != 0 {
						t.Errorf("%s: exit %d, error %q", sc.Name, sc.ExitCode, sc.Error)
					}
				} else if !strings.Contains(sc.Error, tc.wantErr) || rep.Verdict != VerdictError {
					t.Errorf("%s: error %q, verdict %s; want %q", sc.Name, sc.Error, rep.Verdict, tc.wantErr)
				}
			}
			if pids := survivors(uid, 2*time.Second); len(pids) > 0 {
				t.Errorf("processes of the sandbox's uid %d survived: %v", uid, pids)
			}
		})
	}
}

// TestSandboxPCSCClients: other PC/SC clients reach the card from the sandbox.
func TestSandboxPCSCClients(t *testing.T) {
	wholeRun(t)
	needPCSCD(t)
	t.Parallel()
	clients := map[string]string{
		"opensc-tool":      "opensc-tool -l | grep -F '{reader}' && opensc-tool --reader 0 --atr",
		"/usr/bin/python3": `/usr/bin/python3 -c 'from smartcard.System import readers; r = readers(); print(r); c = r[0].createConnection(); c.connect(); print("ATR bytes:", len(c.getATR()))'`,
	}
	for name, cmd := range clients {
		t.Run(name, func(t *testing.T) {
			if _, err := exec.LookPath(name); err != nil {
				t.Skip(err)
			}
			if strings.HasSuffix(name, "python3") && exec.Command(name, "-c", "import smartcard").Run() != nil {
				t.Skip("no pyscard (python3-pyscard)")
			}
			rep := certifyWith(t, Options{Command: cmd, Timeout: 20 * time.Second, Scenarios: []string{"good"}, UID: testUID(t)})
			sc := rep.Scenarios[0]
			if sc.Error != "" || sc.ExitCode != 0 {
				t.Fatalf("exit %d, error %q:\n%s", sc.ExitCode, sc.Error, sc.Output.Tail)
			}
			if !strings.Contains(sc.Output.Tail, DefaultReaderLabel) {
				t.Errorf("the reader is not listed:\n%s", sc.Output.Tail)
			}
			if msgs := failedIn(rep)["RR-015"]; len(msgs) > 0 {
				t.Errorf("RR-015: %v", msgs)
			}
		})
	}
}

func TestSandboxInsideName(t *testing.T) {
	s := &sandbox{root: "/x/sandbox", uid: 65534}
	for host, want := range map[string]string{
		"/x/sandbox/run/taimen/home/.cache/a.jp2": "~/.cache/a.jp2",
		"/x/sandbox/run/taimen/out/result.json":   "{out}/result.json",
		"/x/sandbox/run/taimen/history.jsonl":     "/run/taimen/history.jsonl",
		"/x/sandbox/run/user/65534/s":             "/run/user/65534/s",
		"/x/sandbox/tmp/log.txt":                  "/tmp/log.txt",
		"/x/sandbox/var-tmp/a":                    "/var/tmp/a",
		"/x/sandbox/dev-shm/a":                    "/dev/shm/a",
	} {
		if got := s.insideName(host); got != want {
			t.Errorf("%s: %s, want %s", host, got, want)
		}
	}
}

// straceSample is what strace 6.1 writes (with straceArgs) for a shell that
// runs a program with a code in its arguments, and a Python program that
// tries a TCP connection, a DNS query and an IPv6 datagram; plus the noise:
// Unix and netlink sockets, a failed exec along PATH, a split call, data
// that spells out an address.
const straceSample = `100 execve("/usr/bin/setpriv", ["setpriv", "--reuid", "65534"], ["TAIMEN_CHECK_CODE_B=CODE", "PATH=/usr/bin"]) = 0
100 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3
100 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)
101 sendto(5, [{nlmsg_len=40, nlmsg_type=0x14}, "\x02\x08"], 40, 0, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 40
102 execve("/usr/local/bin/sh", ["sh", "-c", "x"], ["A=1"]) = -1 ENOENT (No such file or directory)
102 execve("/usr/bin/sh", ["sh", "-c", "x \"q\" \\ \x41\101"], ["A=1", "SECRET=CODE"]) = 0
103 execve("/usr/bin/tool", ["tool", "CODE"], ["A=1"]...) = 0
104 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3
104 connect(3, {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)
104 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 4
104 sendto(4, "sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr(\"9.9.9.9\")", 1, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}, 16) = -1 ENETUNREACH (Network is unreachable)
105 socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 5
105 sendmsg(5, {msg_name={sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, msg_namelen=28}, 0 <unfinished ...>
106 sendmsg(5, {msg_name=NULL, msg_namelen=0}, 0) = 1
105 <... sendmsg resumed>)            = 1
`

func TestParseStrace(t *testing.T) {
	log, err := parseStrace(strings.NewReader(straceSample))
	if err != nil {
		t.Fatal(err)
	}
	var execs []string
	for _, x := range log.execs {
		execs = append(execs, fmt.Sprintf("%d %s %q %q", x.pid, x.path, x.argv, x.env))
	}
	wantExecs := []string{
		`100 /usr/bin/setpriv ["setpriv" "--reuid" "65534"] ["TAIMEN_CHECK_CODE_B=CODE" "PATH=/usr/bin"]`,
		`102 /usr/bin/sh ["sh" "-c" "x \"q\" \\ AA"] ["A=1" "SECRET=CODE"]`,
		`103 /usr/bin/tool ["tool" "CODE"] ["A=1"]`,
	}
	if !slices.Equal(execs, wantExecs) {
		t.Errorf("execs:\n%s\nwant\n%s", strings.Join(execs, "\n"), strings.Join(wantExecs, "\n"))
	}
	var calls []string
	for _, c := range log.calls {
		calls = append(calls, fmt.Sprintf("%s %s %s %d %s", c.syscall, c.protocol, c.addr, c.port, c.result))
	}
	wantCalls := []string{"connect tcp 127.0.0.1 4444 ECONNREFUSED", "sendto udp 8.8.8.8 53 ENETUNREACH", "sendmsg udp ::1 443 "}
	if !slices.Equal(calls, wantCalls) {
		t.Errorf("calls %q, want %q", calls, wantCalls)
	}

	allowed, err := parseAllowNet(t.Context(), []string{"[::1]:443"})
	if err != nil {
		t.Fatal(err)
	}
	atts := netAttempts(log.calls, allowed)
	ok, msg := checkNoNetwork(&evidence{network: atts})
	if ok || msg != "tried to reach the network: 127.0.0.1:4444 (tcp connect, ECONNREFUSED); a DNS lookup via 8.8.8.8:53 (udp sendto, ENETUNREACH)" {
		t.Errorf("RR-015: %v %q", ok, msg)
	}
	if atts[2].Allowed != "[::1]:443" || atts[2].Endpoint != "[::1]:443" {
		t.Errorf("%+v", atts[2])
	}
	if ok, msg := checkNoNetwork(&evidence{network: atts[2:]}); !ok || !strings.Contains(msg, "declared by --allow-net [::1]:443") {
		t.Errorf("RR-015 with the endpoint declared: %v %q", ok, msg)
	}
	if ok, _ := checkNoNetwork(&evidence{}); !ok {
		t.Error("RR-015 fails without any attempt")
	}
	if ok, _ := checkNoNetwork(&evidence{netCut: true}); ok {
		t.Error("RR-015 passes on a cut trace")
	}

	srcs := execSources(log.execs, map[string]bool{"TAIMEN_CHECK_CODE_B": true})
	var where []string
	for _, s := range srcs {
		if strings.Contains(string(s.data), "CODE") {
			where = append(where, s.where)
		}
	}
	if want := []string{"environment of sh (SECRET)", "command line of tool"}; !slices.Equal(where, want) {
		t.Errorf("sources holding the code: %q, want %q", where, want)
	}
}

func TestParseAllowNet(t *testing.T) {
	for _, bad := range []string{"127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", ":80", "host:http"} {
		if _, err := parseAllowNet(t.Context(), []string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	a, err := parseAllowNet(t.Context(), []string{"ocsp.invalid:80", "10.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    netCall
		want string
	}{
		{netCall{addr: "10.0.0.1", port: 8080}, "10.0.0.1:8080"},
		{netCall{addr: "::ffff:10.0.0.1", port: 8080}, "10.0.0.1:8080"},
		{netCall{addr: "10.0.0.1", port: 8081}, ""},
		{netCall{addr: "127.0.0.53", port: 53}, "ocsp.invalid:80"}, // a declared host name needs a lookup
		{netCall{addr: "10.0.0.2", port: 80}, ""},
	} {
		if got := allows(a, tc.c); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}

// TestSandboxPlace: a place added for a record store is writable at its own
// path, backed by the sandbox's tmpfs (the host directory is untouched), and
// what was written there is named by that path.
func TestSandboxPlace(t *testing.T) {
	needPCSCD(t)
	if err := sandboxAvailable(); err != nil {
		t.Fatal(err)
	}
	sb, err := newSandbox(visibleDir(t), testUID(t), 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.close()
	for _, bad := range []string{"relative", "/tmp/records", "/run/x", "/nonexistent/records"} {
		if err := sb.addPlace(bad); err == nil {
			t.Errorf("%s accepted as a place", bad)
		}
	}
	records := visibleDir(t)
	if err := sb.addPlace(records); err != nil {
		t.Fatal(err)
	}
	argv := sb.argv("/", "echo kept > "+records+"/r.txt && echo x > ~/h.txt && ! echo x > "+filepath.Dir(records)+"/no.txt")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), sb.env()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	_, files := sb.written()
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
	}
	if want := []string{records + "/r.txt", "~/h.txt"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	if ents, _ := os.ReadDir(records); len(ents) != 0 {
		t.Errorf("the host's directory was written: %v", ents)
	}
}
