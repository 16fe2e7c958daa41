package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// command is one subcommand (or a group of them, like "org").
type command struct {
	name     string
	synopsis string
	run      func(ctx context.Context, env *cli, args []string) error
}

// cli is what every command receives: the process's outside world, passed
// in so tests can run commands in-process.
type cli struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// usageError marks mistakes in how a command was called; they exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// errHelp means --help was asked for and printed; the exit code is 0.
var errHelp = errors.New("help requested")

func exitCode(err error) int {
	var u *usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server (applies pending migrations first)", runServe},
		{"migrate", "apply pending migrations; `migrate status` lists them", runMigrate},
		{"backup", "copy the SQLite database, consistently, while the server runs", runBackup},
		{"org", "manage organizations: create, list, settings", runOrg},
		{"scim-token", "manage SCIM bearer tokens: create, list, revoke", runScimToken},
		{"scim-client", "manage OAuth clients that fetch SCIM tokens: create, list, rotate, revoke", runScimClient},
		{"admin", "manage admins: create", runAdmin},
		{"invite", "invite people (or send their link again with --resend)", runInvite},
		{"invite-rule", "manage the rules that invite people automatically: add, list, remove", runInviteRule},
		{"access-code", "issue or cancel access codes for people without email", runAccessCode},
		{"template", "show or set an organization's email templates", runTemplate},
		{"claim-settings", "show or set which first-access steps people must complete", runClaimSettings},
		{"terms", "publish or show the terms of use people accept when claiming", runTerms},
		{"group", "mark groups default or open for people claiming; list them", runGroup},
		{"sso", "set, show or remove an organization's SAML identity provider", runSSO},
		{"version", "print the version", runVersion},
	}
}

// run is the whole program behind main, testable in-process.
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
	return usagef("unknown command %q; run `latchkey --help` for the list", args[0])
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Latchkey: SCIM 2.0 provisioning and account-claim server.")
	fmt.Fprintln(w, "\nUsage: latchkey <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.synopsis)
	}
	fmt.Fprintln(w, "\nRun `latchkey <command> --help` for a command's flags and settings.")
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its help to stdout.
func newFlagSet(env *cli, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stdout, "Usage: latchkey %s\n\nFlags:\n", usage)
		fs.SetOutput(env.stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.stderr)
	}
	return fs
}

// parseFlags parses args, turning flag errors into usage errors and --help
// into errHelp. Positional arguments are returned.
// parseFlags parses flags wherever they stand among the positional
// arguments ("invite ada grace --resend" works like "invite --resend ada
// grace"), which the flag package alone does not.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// subcommand dispatches "latchkey <group> <sub> ..." commands.
func subcommand(ctx context.Context, env *cli, group string, args []string,
	subs map[string]func(context.Context, *cli, []string) error) error {
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintf(env.stdout, "Usage: latchkey %s <%s> [flags]\n", group, strings.Join(names, "|"))
		if len(args) == 0 {
			return usagef("latchkey %s: missing subcommand (%s)", group, strings.Join(names, ", "))
		}
		return errHelp
	}
	fn, ok := subs[args[0]]
	if !ok {
		return usagef("latchkey %s: unknown subcommand %q (want %s)", group, args[0], strings.Join(names, ", "))
	}
	return fn(ctx, env, args[1:])
}
