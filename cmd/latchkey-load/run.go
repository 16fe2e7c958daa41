package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// cli is the outside world every command receives, so tests can run
// commands in-process.
type cli struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// usageError marks a mistake in how the tool was called; it exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errHelp means --help was printed; the exit code is 0.
var errHelp = errors.New("help requested")

func exitCode(err error) int {
	var u *usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

type command struct {
	name, synopsis string
	run            func(ctx context.Context, env *cli, args []string) error
}

func commands() []command {
	return []command{
		{"seed", "fill a migrated database with N users and M groups", runSeed},
		{"run", "drive one SCIM scenario at a server on this machine", runLoad},
		{"bench", "the whole measurement: fresh database, seed, serve, scenarios, pgbench, report", runBench},
		{"invite", "the invitation target: seed, serve with SMTP to a local sink, add a rule, watch the backlog drain", runInvite},
		{"export", "the export target: seed invited accounts, time PostgreSQL's COPY and the real export build", runExport},
		{"people", "the people-list target: seed a company, walk the admin API's people lists and counts, per-page latency", runPeople},
		{"console", "the console target: the same company, every admin console page asked through the real handler, per-page latency", runConsole},
		{"targets", "every speed target on SQLite and PostgreSQL with the raw database baseline: one markdown table", runTargets},
	}
}

// run is the whole program behind main.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	env := &cli{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 || isHelp(args[0]) || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return usagef("missing command")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, env, args[1:])
			if errors.Is(err, errHelp) {
				return nil
			}
			return err
		}
	}
	return usagef("unknown command %q; run `latchkey-load --help` for the list", args[0])
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "latchkey-load: measure Latchkey's SCIM speed targets on this machine.")
	fmt.Fprintln(w, "\nUsage: latchkey-load <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.synopsis)
	}
	fmt.Fprintln(w, "\nRun `latchkey-load <command> --help` for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(env *cli, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stdout, "Usage: latchkey-load %s\n\nFlags:\n", usage)
		fs.SetOutput(env.stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.stderr)
	}
	return fs
}

// parseFlags parses args; stray positional arguments are a usage error
// (a common typo is a missing "--" before a flag).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument(s) %q", fs.Name(), fs.Args())
	}
	return nil
}
