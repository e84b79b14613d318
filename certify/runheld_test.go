package certify

import (
	"fmt"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"testing"
)

// TestRunHeldSurvivesThreadExits: while a command started with Pdeathsig runs, goroutines lock
// OS threads and exit locked, so the runtime ends those threads (as pcscd's namespace threads
// do when a daemon stops). The command must still end on its own, not by SIGKILL: runHeld keeps
// its forking thread out of their reach. Without the hold the forking thread is soon among those
// ended.
func TestRunHeldSurvivesThreadExits(t *testing.T) {
	const commands = 16
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for range commands {
			cmd := exec.Command("sleep", "0.05")
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
			started, err := runHeld(cmd)
			if !started || err != nil {
				done <- fmt.Errorf("the command did not end on its own: %w (started %v)", err, started)
				return
			}
		}
	}()
	for churn := true; churn; {
		select {
		case err, ok := <-done:
			if ok {
				t.Fatal(err)
			}
			churn = false
		default:
			var wg sync.WaitGroup
			for range 4 * runtime.GOMAXPROCS(0) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
				}()
			}
			wg.Wait()
		}
	}
}
