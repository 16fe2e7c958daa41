// Command latchkey-load measures Latchkey's SCIM speed targets: it seeds a
// database, drives Entra- and Okta-shaped SCIM traffic at a server on this
// machine, and (with `bench`) runs the whole measurement end to end and
// prints a markdown table. docs/benchmarks.md shows how to run it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "latchkey-load:", err)
		os.Exit(exitCode(err))
	}
}
