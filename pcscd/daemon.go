package pcscd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// VPCDPort is the TCP port of vpcd's first slot; slot n listens on VPCDPort+n inside the
// daemon's network namespace.
const VPCDPort = 35963

// Slots is the number of vpcd slots (readers) Debian's driver creates.
const Slots = 2

// SocketDir is where pcscd puts its socket, inside the daemon's mount namespace.
const SocketDir = "/run/pcscd"

// confDir is the generated reader.conf.d, inside the daemon's tmpfs.
const confDir = SocketDir + "/taimen-reader.conf.d"

// ReaderName is the PC/SC name of vpcd's reader for slot ("Virtual PCD 00 00" for slot 0).
func ReaderName(slot int) string { return fmt.Sprintf("Virtual PCD 00 %02d", slot) }

// ErrUnavailable is wrapped by Available (and Start) when this machine cannot run a private
// pcscd: not root, not Linux, no pcscd binary or no vpcd driver.
var ErrUnavailable = errors.New("pcscd: private daemon unavailable")

// Options configure Start. The zero value is ready to use.
type Options struct {
	// Binary is the pcscd executable; default "pcscd" on PATH, then /usr/sbin/pcscd.
	Binary string
	// Args are extra pcscd flags, e.g. "--debug". "--apdu" logs APDUs, which can carry check
	// codes and PINs: never use it with real secrets. --auto-exit is refused.
	Args []string
	// Driver is vpcd's pcsc-lite driver library; default: the LIBPATH of a vpcd entry in
	// /etc/reader.conf.d, else Debian's /usr/lib/pcsc/drivers/serial/libifdvpcd.so.
	Driver string
	// ReaderConfDir, when set, is passed to pcscd -c as is instead of the generated vpcd-only
	// configuration (the path is resolved in the daemon's mount namespace, which sees the
	// host's files except /run/pcscd).
	ReaderConfDir string
	// AllowUSB lets the daemon see USB readers. By default /dev/bus/usb is hidden from it, so a
	// private daemon never claims a physical reader.
	AllowUSB bool
	// Log, when set, receives pcscd's output as well as the buffer Log returns.
	Log io.Writer
	// StartTimeout bounds how long Start waits for the socket and the vpcd ports; default 10 s.
	StartTimeout time.Duration
}

// Daemon is a running private pcscd. Its methods are safe for concurrent use.
type Daemon struct {
	cmd   *exec.Cmd
	pid   int
	netns *os.File // the daemon's network namespace, held open for DialVPCD
	log   *tailBuffer

	exited  chan struct{} // closed when cmd.Wait returned
	waitErr error         // set before exited is closed

	release    chan struct{} // closed by Stop: lets the namespace thread exit
	threadDone chan struct{} // closed when the namespace thread has exited

	mu       sync.Mutex
	stopping bool
	stopped  chan struct{}
	stopErr  error
}

// Available reports whether this machine can run a private pcscd; the error wraps
// ErrUnavailable and says why not.
func Available() error {
	_, _, err := resolve(Options{})
	return err
}

// resolve finds the binary and the driver.
func resolve(o Options) (bin, driver string, err error) {
	if runtime.GOOS != "linux" {
		return "", "", fmt.Errorf("%w: needs Linux namespaces (GOOS=%s)", ErrUnavailable, runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		return "", "", fmt.Errorf("%w: needs root for mount and network namespaces (euid %d)", ErrUnavailable, os.Geteuid())
	}
	bin = o.Binary
	if bin == "" {
		bin = "pcscd"
	}
	if p, err := exec.LookPath(bin); err == nil {
		bin = p
	} else if o.Binary == "" && isFile("/usr/sbin/pcscd") {
		bin = "/usr/sbin/pcscd"
	} else {
		return "", "", fmt.Errorf("%w: no pcscd binary %q (run scripts/deps)", ErrUnavailable, bin)
	}
	if o.ReaderConfDir != "" {
		return bin, "", nil
	}
	driver = o.Driver
	if driver == "" {
		driver = VPCDDriver()
	}
	if !isFile(driver) {
		return "", "", fmt.Errorf("%w: no vpcd driver %q (run scripts/deps to install vsmartcard-vpcd)", ErrUnavailable, driver)
	}
	return bin, driver, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// VPCDDriver returns the LIBPATH of a vpcd entry in /etc/reader.conf.d, else Debian's path.
func VPCDDriver() string {
	const debian = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
	files, _ := filepath.Glob("/etc/reader.conf.d/*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) == 2 && fields[0] == "LIBPATH" && strings.Contains(fields[1], "vpcd") && isFile(fields[1]) {
				return fields[1]
			}
		}
	}
	return debian
}

// Start starts a private pcscd and returns when its socket accepts connections and vpcd listens
// on both slots (or, with ReaderConfDir, when the socket is up). Stop it with Stop.
func Start(ctx context.Context, o Options) (*Daemon, error) {
	bin, driver, err := resolve(o)
	if err != nil {
		return nil, err
	}
	for _, a := range o.Args {
		if a == "-x" || a == "--auto-exit" {
			return nil, fmt.Errorf("pcscd: %s would stop the daemon while a test runs", a)
		}
	}
	timeout := o.StartTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	d := &Daemon{
		log:        newTailBuffer(64<<10, o.Log),
		exited:     make(chan struct{}),
		release:    make(chan struct{}),
		threadDone: make(chan struct{}),
		stopped:    make(chan struct{}),
	}
	conf := confDir
	if o.ReaderConfDir != "" {
		conf = o.ReaderConfDir
	}
	args := append([]string{"--foreground", "--config", conf}, o.Args...)
	d.cmd = exec.Command(bin, args...)
	d.cmd.Stdout = d.log
	d.cmd.Stderr = d.log
	d.cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "PCSCLITE_")
	})
	d.cmd.SysProcAttr = &syscall.SysProcAttr{
		// The parent is the namespace thread, which lives until Stop; if this process dies
		// first, the kernel kills the daemon.
		Pdeathsig: syscall.SIGKILL,
		Setpgid:   true, // keep the terminal's ^C away from the daemon
	}

	started := make(chan error, 1)
	goLockedOffMain(func() { d.namespaceThread(o, driver, started) })
	if err := <-started; err != nil {
		<-d.threadDone
		return nil, err
	}
	d.pid = d.cmd.Process.Pid
	go func() {
		d.waitErr = d.cmd.Wait()
		close(d.exited)
	}()

	if err := d.waitReady(ctx, o.ReaderConfDir == ""); err != nil {
		_ = d.Stop()
		return nil, fmt.Errorf("pcscd: start: %w\n%s", err, d.Log())
	}
	return d, nil
}

// namespaceThread runs on a locked OS thread (goLockedOffMain) for the daemon's life: it unshares the mount and
// network namespaces, prepares them, starts pcscd (which inherits the thread's namespaces and
// has it as its parent for PR_SET_PDEATHSIG), reports on started, and waits for Stop. It never
// unlocks the thread, so the runtime destroys it with its namespaces when the goroutine returns.
func (d *Daemon) namespaceThread(o Options, driver string, started chan<- error) {
	defer close(d.threadDone)
	if err := setupNamespaces(o, driver); err != nil {
		started <- err
		return
	}
	netns, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		started <- fmt.Errorf("pcscd: open network namespace: %w", err)
		return
	}
	if err := d.cmd.Start(); err != nil {
		netns.Close()
		started <- fmt.Errorf("pcscd: start %s: %w", d.cmd.Path, err)
		return
	}
	d.netns = netns
	started <- nil
	<-d.release
}

// setupNamespaces unshares and prepares the calling (locked) thread's namespaces.
func setupNamespaces(o Options, driver string) error {
	// The directory is created in the host's /run (harmlessly: pcscd's own) before the tmpfs
	// covers it in the new namespace.
	if err := os.MkdirAll(SocketDir, 0o755); err != nil {
		return fmt.Errorf("pcscd: %w", err)
	}
	if err := unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("pcscd: unshare mount+net namespaces: %w", err)
	}
	if err := unix.Mount("none", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("pcscd: make mounts private: %w", err)
	}
	if err := unix.Mount("tmpfs", SocketDir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0755,size=4m"); err != nil {
		return fmt.Errorf("pcscd: mount tmpfs on %s: %w", SocketDir, err)
	}
	if !o.AllowUSB {
		if st, err := os.Stat("/dev/bus/usb"); err == nil && st.IsDir() {
			if err := unix.Mount("tmpfs", "/dev/bus/usb", "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755,size=4k"); err != nil {
				return fmt.Errorf("pcscd: hide /dev/bus/usb: %w", err)
			}
		}
	}
	if o.ReaderConfDir == "" {
		if err := os.Mkdir(confDir, 0o755); err != nil {
			return fmt.Errorf("pcscd: %w", err)
		}
		conf := fmt.Sprintf("FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x%04X\nLIBPATH      %s\nCHANNELID    0x%04X\n",
			VPCDPort, driver, VPCDPort)
		if err := os.WriteFile(confDir+"/vpcd", []byte(conf), 0o644); err != nil {
			return fmt.Errorf("pcscd: %w", err)
		}
	}
	if err := loUp(); err != nil {
		return fmt.Errorf("pcscd: bring lo up: %w", err)
	}
	return nil
}

// loUp sets IFF_UP on the loopback interface of the calling thread's network namespace.
func loUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// waitReady polls until the socket accepts a connection and, if vpcd is expected, both vpcd
// ports listen.
func (d *Daemon) waitReady(ctx context.Context, vpcd bool) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if d.socketUp() && (!vpcd || d.vpcdListening()) {
			return nil
		}
		select {
		case <-d.exited:
			return fmt.Errorf("pcscd exited: %v", d.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

func (d *Daemon) socketUp() bool {
	c, err := net.DialTimeout("unix", d.SocketPath(), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// vpcdListening reads the daemon's /proc/<pid>/net/tcp (its network namespace's table) and
// reports whether every vpcd port listens.
func (d *Daemon) vpcdListening() bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", d.pid))
	if err != nil {
		return false
	}
	want := map[string]bool{}
	for s := range Slots {
		want[fmt.Sprintf(":%04X", VPCDPort+s)] = true
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[3] == "0A" { // TCP_LISTEN
			if i := strings.LastIndexByte(f[1], ':'); i >= 0 {
				delete(want, f[1][i:])
			}
		}
	}
	return len(want) == 0
}

// PID is the daemon's process ID.
func (d *Daemon) PID() int { return d.pid }

// SocketPath is the daemon's socket as seen from outside its namespaces
// (/proc/<pid>/root/run/pcscd/pcscd.comm).
func (d *Daemon) SocketPath() string {
	return "/proc/" + strconv.Itoa(d.pid) + "/root" + SocketDir + "/pcscd.comm"
}

// Env is this process's environment with PCSCLITE_CSOCK_NAME set to SocketPath and
// TAIMEN_PCSCD_PID to PID: the environment of a PC/SC client process that should use the daemon.
func (d *Daemon) Env() []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "PCSCLITE_CSOCK_NAME=") || strings.HasPrefix(kv, "TAIMEN_PCSCD_PID=")
	})
	return append(env, "PCSCLITE_CSOCK_NAME="+d.SocketPath(), "TAIMEN_PCSCD_PID="+strconv.Itoa(d.pid))
}

// Command is exec.CommandContext with Env: a PC/SC client in the host's namespaces that uses the
// daemon (e.g. opensc-tool, pcsc_scan, a Python pyscard script).
func (d *Daemon) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = d.Env()
	return cmd
}

// CommandInside is a command that runs inside the daemon's mount and network namespaces (through
// nsenter, from util-linux), with Env: it sees the daemon's socket at the default path and
// reaches vpcd on 127.0.0.1:35963, so an unmodified card process (e.g. vicc) works. The network
// namespace has only loopback.
func (d *Daemon) CommandInside(ctx context.Context, name string, args ...string) *exec.Cmd {
	nsArgs := append([]string{"--target", strconv.Itoa(d.pid), "--mount", "--net", "--", name}, args...)
	cmd := exec.CommandContext(ctx, "nsenter", nsArgs...)
	cmd.Env = d.Env()
	return cmd
}

// DialVPCD connects to vpcd's slot (0 or 1) inside the daemon's network namespace; the
// connection works from any goroutine. It has the signature vpcd.Options.DialSlot expects.
func (d *Daemon) DialVPCD(ctx context.Context, slot int) (net.Conn, error) {
	if slot < 0 || slot >= Slots {
		return nil, fmt.Errorf("pcscd: vpcd slot %d out of range 0..%d", slot, Slots-1)
	}
	// A duplicate of the namespace descriptor, taken under the lock, stays valid even if Stop
	// closes the original meanwhile.
	d.mu.Lock()
	nsfd := -1
	var err error = net.ErrClosed
	if !d.stopping {
		nsfd, err = unix.FcntlInt(d.netns.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	}
	d.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("pcscd: dial vpcd slot %d: %w", slot, err)
	}
	defer unix.Close(nsfd)
	return dialNetnsFD(ctx, nsfd, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(VPCDPort+slot)))
}

// Log returns the last 64 KiB of pcscd's output.
func (d *Daemon) Log() string { return d.log.String() }

// Done is closed when the daemon process has exited (after Stop, or on its own).
func (d *Daemon) Done() <-chan struct{} { return d.exited }

// Stop terminates the daemon by PID (SIGTERM, then SIGKILL after 5 s), waits for it, releases its
// namespaces and, if it was selected with UseInProcess, deselects it. It is idempotent and safe
// for concurrent use; it reports an error if the daemon had exited on its own.
func (d *Daemon) Stop() error {
	d.mu.Lock()
	if d.stopping {
		d.mu.Unlock()
		<-d.stopped
		return d.stopErr
	}
	d.stopping = true
	d.mu.Unlock()

	var err error
	select {
	case <-d.exited:
		err = fmt.Errorf("pcscd (pid %d) exited before Stop: %v", d.pid, d.waitErr)
	default:
		_ = syscall.Kill(d.pid, syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(d.pid, syscall.SIGKILL)
			<-d.exited
		}
	}
	close(d.release)
	<-d.threadDone
	dropInProcess(d)
	if d.netns != nil {
		d.netns.Close()
	}
	d.stopErr = err
	close(d.stopped)
	return err
}

// tailBuffer keeps the last max bytes written to it and copies them to an optional writer.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
	w   io.Writer
}

func newTailBuffer(max int, w io.Writer) *tailBuffer { return &tailBuffer{max: max, w: w} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	if t.w != nil {
		_, _ = t.w.Write(p)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
