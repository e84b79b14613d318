package main

import (
	"context"
	"fmt"
)

func cmdEmulate(ctx context.Context, args []string, e env) int {
	fmt.Fprintln(e.stderr, "taimen emulate: TODO")
	return exitError
}
