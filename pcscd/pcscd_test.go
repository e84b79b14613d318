package pcscd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// netnsOf returns the network namespace link of pid ("net:[…]").
func netnsOf(t testing.TB, pid int) string {
	t.Helper()
	s, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ownNetns returns the network namespace of the calling goroutine's thread. (/proc/self/ns/net
// is the main thread's, which may be the daemon's namespace thread.)
func ownNetns(t testing.TB) string {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// procsIn lists the processes whose network namespace is ns.
func procsIn(ns string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		if s, err := os.Readlink(dir + "/ns/net"); err == nil && s == ns {
			pid, _ := strconv.Atoi(filepath.Base(dir))
			pids = append(pids, pid)
		}
	}
	return pids
}

// assertGone checks that pid has exited and that no process is left in its namespace. A zombie
// counts as exited when orphaned (reparented to init, which reaps it in its own time).
func assertGone(t testing.TB, pid int, ns string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
		left := procsIn(ns)
		if (os.IsNotExist(err) || orphanZombie(pid)) && len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after stop: /proc/%d exists: %v; processes left in %s: %v", pid, err == nil, ns, left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// orphanZombie reports whether pid is a zombie whose parent is not this process.
func orphanZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 1 && f[0] == "Z" && f[1] != strconv.Itoa(os.Getpid())
}

func TestStartListStop(t *testing.T) {
	begin := time.Now()
	d := StartForTest(t)
	started := time.Since(begin)
	pid, ns := d.PID(), netnsOf(t, d.PID())
	if own := ownNetns(t); ns == own {
		t.Fatalf("daemon shares this goroutine's network namespace %s", ns)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	begin = time.Now()
	for slot := range Slots {
		if err := d.WaitReader(ctx, ReaderName(slot)); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("Start took %v; both readers listed %v later", started, time.Since(begin))

	if _, err := exec.LookPath("opensc-tool"); err == nil {
		out, err := d.Command(ctx, "opensc-tool", "--list-readers").CombinedOutput()
		if err != nil {
			t.Fatalf("opensc-tool --list-readers: %v\n%s", err, out)
		}
		for slot := range Slots {
			if !strings.Contains(string(out), ReaderName(slot)) {
				t.Errorf("opensc-tool with PCSCLITE_CSOCK_NAME=%s does not list %q:\n%s", d.SocketPath(), ReaderName(slot), out)
			}
		}
	} else {
		t.Log("opensc-tool not installed: client-process check skipped")
	}

	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, pid, ns)
	if err := d.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := d.DialVPCD(ctx, 0); err == nil {
		t.Fatal("DialVPCD after Stop succeeded")
	}
}

// TestTwoDaemons runs two daemons at once (each has its own vpcd on 35963) and switches this
// process's PC/SC client between them.
func TestTwoDaemons(t *testing.T) {
	d1, d2 := StartForTest(t), StartForTest(t)
	if netnsOf(t, d1.PID()) == netnsOf(t, d2.PID()) {
		t.Fatal("the two daemons share a network namespace")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for round := range 2 {
		for i, d := range []*Daemon{d1, d2} {
			if err := d.WaitReader(ctx, ReaderName(0)); err != nil {
				t.Fatalf("round %d, daemon %d: %v", round, i, err)
			}
			c, err := d.DialVPCD(ctx, 1)
			if err != nil {
				t.Fatalf("round %d, daemon %d: %v", round, i, err)
			}
			c.Close()
		}
	}
}

// TestDialVPCD checks that a connection made with DialVPCD reaches vpcd: vpcd starts talking to
// the card (power on, or a get-ATR poll).
func TestDialVPCD(t *testing.T) {
	d := StartForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.DialVPCD(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	hdr := make([]byte, 3)
	if _, err := io.ReadFull(c, hdr); err != nil {
		t.Fatalf("no frame from vpcd: %v", err)
	}
	if hdr[0] != 0 || hdr[1] != 1 {
		t.Fatalf("first frame from vpcd: % X…, want a 1-byte control message", hdr)
	}
	if _, err := d.DialVPCD(ctx, Slots); err == nil {
		t.Fatalf("DialVPCD(%d) succeeded", Slots)
	}
}

func TestCommandInside(t *testing.T) {
	d := StartForTest(t)
	if _, err := exec.LookPath("nsenter"); err != nil {
		t.Skip("nsenter (util-linux) not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := d.CommandInside(ctx, "sh", "-c", "test -S /run/pcscd/pcscd.comm && readlink /proc/self/ns/net && cat /proc/net/tcp && ls -A /dev/bus/usb 2>/dev/null | wc -l").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if lines[0] != netnsOf(t, d.PID()) {
		t.Errorf("command runs in %s, daemon in %s", lines[0], netnsOf(t, d.PID()))
	}
	if !strings.Contains(string(out), fmt.Sprintf(":%04X 00000000:0000 0A", VPCDPort)) {
		t.Errorf("vpcd does not listen inside:\n%s", out)
	}
	if n := lines[len(lines)-1]; n != "0" {
		t.Errorf("/dev/bus/usb is visible inside (%s entries)", n)
	}
}

func TestAutoExitRefused(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	for _, a := range []string{"-x", "--auto-exit"} {
		if d, err := Start(context.Background(), Options{Args: []string{a}}); err == nil {
			d.Stop()
			t.Errorf("Start with %s succeeded", a)
		}
	}
}

func TestUseInProcess(t *testing.T) {
	d1, d2 := StartForTest(t), StartForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r1, err := d1.UseInProcess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r1b, err := d1.UseInProcess(ctx) // nests
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if _, err := d2.UseInProcess(short); err == nil {
		t.Fatal("d2 selected while d1 is")
	}
	got := make(chan error, 1)
	go func() {
		r2, err := d2.UseInProcess(ctx)
		if err == nil {
			r2()
		}
		got <- err
	}()
	r1()
	r1() // idempotent
	select {
	case err := <-got:
		t.Fatalf("d2 selected while d1 still nested (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	r1b()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	// Stop deselects a daemon left selected.
	if _, err := d1.UseInProcess(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d1.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := d2.WaitReader(ctx, ReaderName(1)); err != nil {
		t.Fatal(err)
	}
}

// TestOrphanKilled kills (SIGKILL) a process that started a daemon, and checks that the daemon
// dies with it.
func TestOrphanKilled(t *testing.T) {
	if os.Getenv("TAIMEN_PCSCD_HELPER") == "1" {
		d, err := Start(context.Background(), Options{})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("pid", d.PID())
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOrphanKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TAIMEN_PCSCD_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := false
	defer func() {
		if !done {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	var pid int
	if _, err := fmt.Sscanf(line, "pid %d", &pid); err != nil {
		t.Fatalf("helper said %q", line)
	}
	ns := netnsOf(t, pid)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	done = true
	assertGone(t, pid, ns)
}
