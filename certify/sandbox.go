package certify

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultUID is the unprivileged user (and group) the reader command runs as
// when Options.UID is zero: nobody/nogroup on Debian.
const DefaultUID = 65534

// DefaultSandboxSize caps the writable places of one scenario (a tmpfs).
const DefaultSandboxSize = 64 << 20

// traceSize caps the tmpfs that holds strace's log.
const traceSize = 32 << 20

// What the reader under test sees (see the package documentation): the host's
// file system read-only, with these fresh, empty, writable places. All of
// them are directories of one host tmpfs, so that what the command wrote
// survives it for the at-rest scan.
const (
	sandboxHome    = "/run/taimen/home" // HOME; the XDG_* directories are its usual subdirectories
	sandboxOut     = "/run/taimen/out"  // {out}
	sandboxHistory = "/run/taimen/history.jsonl"
	sandboxSocket  = "/run/pcscd/pcscd.comm" // PCSCLITE_CSOCK_NAME: a relay to the private pcscd
	sandboxInput   = "/run/taimen-input"     // what the operator gives as files ({card_image}): read-only to the reader
)

// sandboxTools are the programs a sandboxed run needs.
var sandboxTools = []string{"bwrap", "strace", "setpriv"}

// sandboxAvailable reports whether the sandbox's tools are installed.
func sandboxAvailable() error {
	for _, t := range sandboxTools {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("certify: no %s on PATH (run scripts/deps: bubblewrap, strace, util-linux)", t)
		}
	}
	return nil
}

// sandbox is one scenario's sandbox: a capped tmpfs on root (the host side
// of every writable place) and another, root-only, for strace's log.
type sandbox struct {
	root   string // host directory, a tmpfs of size bytes
	trace  string // host directory, a tmpfs only root can read
	uid    int
	size   int64
	relay  *socketRelay
	mounts []string
	extra  []place // added with addPlace
}

// place is a writable place added to the sandbox: a host directory under
// root, bound at inside.
type place struct{ host, inside string }

// hostDirs maps each writable place, as the reader sees it, to its host
// directory under root (relative), with its owner and mode.
var hostDirs = []struct {
	inside, host string
	user         bool // owned by the sandbox uid (else root)
	mode         os.FileMode
}{
	{"/tmp", "tmp", false, 0o1777},
	{"/var/tmp", "var-tmp", false, 0o1777},
	{"/dev/shm", "dev-shm", false, 0o1777},
	{"/run", "run", false, 0o755},
	{"/run/pcscd", "run/pcscd", false, 0o755},
	{sandboxInput, "run/taimen-input", false, 0o755},
	{"/run/user", "run/user", false, 0o755},
	{"/run/user/<uid>", "run/user/<uid>", true, 0o700},
	{"/run/taimen", "run/taimen", true, 0o700},
	{sandboxOut, "run/taimen/out", true, 0o700},
	{sandboxHome, "run/taimen/home", true, 0o700},
	{sandboxHome + "/.config", "run/taimen/home/.config", true, 0o700},
	{sandboxHome + "/.cache", "run/taimen/home/.cache", true, 0o700},
	{sandboxHome + "/.local", "run/taimen/home/.local", true, 0o700},
	{sandboxHome + "/.local/share", "run/taimen/home/.local/share", true, 0o700},
	{sandboxHome + "/.local/state", "run/taimen/home/.local/state", true, 0o700},
}

// newSandbox mounts the tmpfs of a scenario's sandbox under dir and prepares
// its places; close unmounts them.
func newSandbox(dir string, uid int, size int64) (_ *sandbox, err error) {
	s := &sandbox{root: filepath.Join(dir, "sandbox"), trace: filepath.Join(dir, "trace"), uid: uid, size: size}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	for _, m := range []struct {
		dir  string
		size int64
		mode string
	}{{s.root, size, "0755"}, {s.trace, traceSize, "0700"}} {
		if err := os.MkdirAll(m.dir, 0o700); err != nil {
			return nil, err
		}
		opts := fmt.Sprintf("size=%d,nr_inodes=65536,mode=%s", m.size, m.mode)
		if err := unix.Mount("tmpfs", m.dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
			return nil, fmt.Errorf("sandbox: mount a tmpfs on %s: %w", m.dir, err)
		}
		s.mounts = append(s.mounts, m.dir)
	}
	u := strconv.Itoa(uid)
	for _, d := range hostDirs {
		p := filepath.Join(s.root, strings.ReplaceAll(d.host, "<uid>", u))
		if err := os.Mkdir(p, 0o700); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		if err := os.Chmod(p, d.mode); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		if d.user {
			if err := os.Chown(p, uid, uid); err != nil {
				return nil, fmt.Errorf("sandbox: %w", err)
			}
		}
	}
	return s, nil
}

// close stops the relay and unmounts the tmpfs (lazily: nothing of the
// sandbox is left running by then, but a descriptor may still be closing).
func (s *sandbox) close() {
	if s.relay != nil {
		s.relay.close()
	}
	for i := len(s.mounts) - 1; i >= 0; i-- {
		_ = unix.Unmount(s.mounts[i], unix.MNT_DETACH)
	}
	s.mounts = nil
}

// addPlace adds a fresh, empty, writable place at inside, an absolute path
// that is a directory on the host (the sandbox cannot create mount points in
// the read-only host tree), backed by the sandbox's tmpfs like the others:
// files written there are scanned and named by inside ("file
// /srv/records/x.json"). It is meant for a declared record store.
func (s *sandbox) addPlace(inside string) error {
	inside = filepath.Clean(inside)
	if !filepath.IsAbs(inside) || inside == "/" {
		return fmt.Errorf("sandbox: %q is not an absolute directory", inside)
	}
	for _, hidden := range []string{"/tmp", "/var/tmp", "/dev", "/run", "/proc"} {
		if inside == hidden || strings.HasPrefix(inside, hidden+"/") {
			return fmt.Errorf("sandbox: %s is under %s, which the sandbox replaces", inside, hidden)
		}
	}
	if st, err := os.Stat(inside); err != nil || !st.IsDir() {
		return fmt.Errorf("sandbox: %s must be an existing directory (the sandbox binds over it)", inside)
	}
	host := filepath.Join(s.root, "places", strconv.Itoa(len(s.extra)))
	if err := os.MkdirAll(host, 0o700); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if err := os.Chmod(filepath.Dir(host), 0o755); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if err := os.Chown(host, s.uid, s.uid); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	s.extra = append(s.extra, place{host: host, inside: inside})
	return nil
}

// putInput writes an input file the operator gives the reader (root-owned,
// 0644: the reader may read it, not change it) and returns its path inside
// the sandbox. Inputs are not files the reader wrote: written skips them.
func (s *sandbox) putInput(name string, data []byte) (string, error) {
	if name != filepath.Base(name) {
		return "", fmt.Errorf("sandbox: input name %q is not a plain file name", name)
	}
	if err := os.WriteFile(filepath.Join(s.host(sandboxInput), name), data, 0o644); err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	return sandboxInput + "/" + name, nil
}

// host returns the host path of a path inside the sandbox's run directory.
func (s *sandbox) host(inside string) string {
	return filepath.Join(s.root, "run", strings.TrimPrefix(inside, "/run/"))
}

// relayPCSC starts relaying the sandbox's pcscd socket to the private daemon's.
// The daemon's socket is reachable only through /proc/<pid>/root, which an
// unprivileged uid may not follow; the relay is a socket in the sandbox that
// any uid may connect to.
func (s *sandbox) relayPCSC(target string) error {
	r, err := startRelay(s.host(sandboxSocket), target)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	s.relay = r
	return nil
}

// traceLog is where strace writes.
func (s *sandbox) traceLog() string { return filepath.Join(s.trace, "strace.log") }

// env returns the variables that point the command at its fresh places.
func (s *sandbox) env() []string {
	return []string{
		"HOME=" + sandboxHome,
		"XDG_CONFIG_HOME=" + sandboxHome + "/.config",
		"XDG_CACHE_HOME=" + sandboxHome + "/.cache",
		"XDG_DATA_HOME=" + sandboxHome + "/.local/share",
		"XDG_STATE_HOME=" + sandboxHome + "/.local/state",
		"XDG_RUNTIME_DIR=/run/user/" + strconv.Itoa(s.uid),
		"TMPDIR=/tmp",
		"PCSCLITE_CSOCK_NAME=" + sandboxSocket,
	}
}

// argv returns the whole command line: strace, dropping root, bwrap, sh -c line.
func (s *sandbox) argv(dir, line string) []string {
	u := strconv.Itoa(s.uid)
	args := []string{"strace"}
	args = append(args, straceArgs(s.traceLog())...)
	args = append(args, "setpriv", "--reuid", u, "--regid", u, "--clear-groups", "--no-new-privs",
		"bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc")
	for _, d := range []struct{ host, inside string }{{"tmp", "/tmp"}, {"var-tmp", "/var/tmp"}, {"dev-shm", "/dev/shm"}, {"run", "/run"}} {
		args = append(args, "--bind", filepath.Join(s.root, d.host), d.inside)
	}
	for _, p := range s.extra {
		args = append(args, "--bind", p.host, p.inside)
	}
	args = append(args, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session", "--chdir", dir,
		"sh", "-c", line)
	return args
}

// workDir returns the command's working directory inside the sandbox: want
// (this process's when "") when the sandbox shows the host's, else HOME.
func (s *sandbox) workDir(want string) string {
	if want == "" {
		want, _ = os.Getwd()
	}
	if want == "" || !filepath.IsAbs(want) {
		return sandboxHome
	}
	for _, hidden := range []string{"/tmp", "/var/tmp", "/dev", "/run", "/proc"} {
		if want == hidden || strings.HasPrefix(want, hidden+"/") {
			return sandboxHome
		}
	}
	// The uid must be able to enter it: every directory on the way searchable by others.
	for p := want; ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm()&0o001 == 0 {
			return sandboxHome
		}
		if p == "/" {
			return want
		}
	}
}

// full reports whether the command filled its writable places (no room or
// no inodes left, within a margin).
func (s *sandbox) full() bool {
	var st unix.Statfs_t
	if err := unix.Statfs(s.root, &st); err != nil {
		return false
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	return free < max(s.size/100, 256<<10) || st.Ffree < 16
}

// traceCut reports whether strace's log filled its tmpfs.
func (s *sandbox) traceCut() bool {
	st, err := os.Stat(s.traceLog())
	return err == nil && st.Size() > traceSize-(1<<20)
}

// insideName returns how the reader saw a host path under root: "~/…" under
// HOME, "{out}/…" under {out}, else the absolute path inside the sandbox.
func (s *sandbox) insideName(hostPath string) string {
	rel, err := filepath.Rel(s.root, hostPath)
	if err != nil {
		return hostPath
	}
	rel = filepath.ToSlash(rel)
	for _, p := range s.extra {
		if r, err := filepath.Rel(p.host, hostPath); err == nil && r != ".." && !strings.HasPrefix(r, "../") {
			return filepath.ToSlash(filepath.Join(p.inside, r))
		}
	}
	for _, m := range []struct{ host, inside string }{
		{"run/taimen/home", "~"}, {"run/taimen/out", "{out}"}, {"var-tmp", "/var/tmp"}, {"dev-shm", "/dev/shm"}, {"tmp", "/tmp"}, {"run", "/run"},
	} {
		if rel == m.host || strings.HasPrefix(rel, m.host+"/") {
			return m.inside + strings.TrimPrefix(rel, m.host)
		}
	}
	return "/" + rel
}

// written reads every regular file the command wrote anywhere in the
// sandbox (bounded: see maxFileScan and maxTotalScan), as sources named
// "file " + the path as the reader saw it ("file ~/.cache/x.jp2", "file
// /tmp/log.txt", "file {out}/result.json"); the file's name is searched too.
// It also lists them with their sizes, sorted.
func (s *sandbox) written() ([]source, []FileInfo) {
	var (
		srcs  []source
		infos []FileInfo
		total int
	)
	_ = filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && p == s.host(sandboxInput) {
			return filepath.SkipDir // the operator's inputs, read-only to the reader
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		name := s.insideName(p)
		infos = append(infos, FileInfo{Path: name, Size: info.Size()})
		if total >= maxTotalScan {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return nil
		}
		defer f.Close()
		buf := make([]byte, min(info.Size(), int64(maxFileScan), int64(maxTotalScan-total)))
		n, _ := io.ReadFull(f, buf)
		total += n
		srcs = append(srcs, source{where: "file " + name, data: append([]byte(name+"\n"), buf[:n]...)})
		return nil
	})
	sort.Slice(infos, func(i, j int) bool { return infos[i].Path < infos[j].Path })
	return srcs, infos
}
