package pcscd

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// withPCSCD returns scripts/with-pcscd, skipping (failing under CI) where it cannot run.
func withPCSCD(t *testing.T) string {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	for _, c := range []string{"unshare", "setpriv", "setsid", "ip"} {
		if _, err := exec.LookPath(c); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not installed", c)
			}
			t.Skipf("%s not installed (run scripts/deps)", c)
		}
	}
	return "../scripts/with-pcscd"
}

func TestWithPCSCDScript(t *testing.T) {
	script := withPCSCD(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Inside: the default socket, vpcd on lo, the PID in the environment, and the same
	// namespace as the daemon.
	probe := `test -S /run/pcscd/pcscd.comm || exit 11
grep -q ':8C7B 00000000:0000 0A' /proc/net/tcp || exit 12
test "$(readlink /proc/self/ns/net)" = "$(readlink /proc/$TAIMEN_PCSCD_PID/ns/net)" || exit 13
echo "$TAIMEN_PCSCD_PID $(readlink /proc/self/ns/net)"
exit 7`
	cmd := exec.CommandContext(ctx, script, "sh", "-c", probe)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Fatalf("with-pcscd sh -c …: %v (want exit status 7)\n%s", err, out)
	}
	var pid int
	var ns string
	if _, err := fmt.Sscan(string(out), &pid, &ns); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if own := ownNetns(t); ns == own {
		t.Fatalf("command ran in this process's network namespace %s", ns)
	}
	assertGone(t, pid, ns)
}

func TestWithPCSCDScriptKilled(t *testing.T) {
	script := withPCSCD(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(script, "sh", "-c", `echo "$TAIMEN_PCSCD_PID $(readlink /proc/self/ns/net)"; exec sleep 60`)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waited := false
			defer func() {
				if !waited {
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
				}
			}()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Fields(line)
			var pid int
			if len(f) != 2 {
				t.Fatalf("output %q", line)
			}
			fmt.Sscan(f[0], &pid)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			waited = true
			assertGone(t, pid, f[1])
		})
	}
}
