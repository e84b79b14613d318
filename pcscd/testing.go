package pcscd

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// StartForTest starts a private daemon for a test and registers its Stop with t.Cleanup (a Stop
// error fails the test; pcscd's output is logged when the test failed). It skips the test only
// when this machine cannot run one (Available: not root, no pcscd or no vpcd driver), saying
// why — except under CI (environment CI=true), where that is a failure.
func StartForTest(t testing.TB) *Daemon {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true: the CI machine must run scripts/deps and the tests as root)", err)
		}
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := Start(ctx, Options{})
	if err != nil {
		if errors.Is(err, ErrUnavailable) && os.Getenv("CI") != "true" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		err := d.Stop()
		if t.Failed() {
			t.Logf("pcscd (pid %d) output:\n%s", d.PID(), d.Log())
		}
		if err != nil {
			t.Error(err)
		}
	})
	return d
}
