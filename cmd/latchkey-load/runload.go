package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// phaseConfig is everything one scenario run needs.
type phaseConfig struct {
	scenario string
	label    string // names the phase in reports and User-Agents; default scenario
	load     loadOptions
	walk     walkOptions
	env      scenarioEnv
}

// phaseResult is the client's view of one scenario; bench adds the
// server's view from its log.
type phaseResult struct {
	Scenario string
	Label    string
	Rate     float64    // paced requests/s; 0 for closed loop
	Load     loadResult // timed scenarios
	Walk     walkResult // walks
}

func (r phaseResult) isWalk() bool { return isWalk(r.Scenario) }

// runPhase prepares and runs one scenario.
func runPhase(ctx context.Context, stderr io.Writer, c phaseConfig) (phaseResult, error) {
	if c.label == "" {
		c.label = c.scenario
	}
	res := phaseResult{Scenario: c.scenario, Label: c.label, Rate: c.load.rate}
	if isWalk(c.scenario) {
		wo := c.walk
		wo.cursor = c.scenario == "walk-cursor"
		bar := startProgress(stderr, c.label, 0)
		w, err := walk(ctx, c.env.t, c.label, wo, bar)
		bar.finish()
		res.Walk = w
		return res, err
	}
	st, err := c.env.prepare(ctx, c.scenario, c.label)
	if err != nil {
		return res, fmt.Errorf("%s: prepare: %w", c.label, err)
	}
	fmt.Fprintf(stderr, "%s: %d clients for %s...\n", c.label, c.load.concurrency, describeBound(c.load))
	c.load.bar = startTimedProgress(stderr, c.label, c.load)
	res.Load = drive(ctx, c.load, st)
	c.load.bar.finish()
	return res, ctx.Err()
}

func describeBound(o loadOptions) string {
	bound := o.duration.String()
	if o.requests > 0 {
		bound = fmt.Sprintf("%s requests (at most %s)", thousands(o.requests), o.maxTime)
	}
	if o.rate > 0 {
		bound += fmt.Sprintf(" at %g requests/s", o.rate)
	}
	return bound
}

type runFlags struct {
	url, token, scenario, runID string
	concurrency, users, sample  int
	duration, maxTime           time.Duration
	requests                    int64
	rate                        float64
	count, maxPages             int
}

func (f *runFlags) validate(getenv func(string) string) error {
	if f.token == "" {
		f.token = getenv("LATCHKEY_LOAD_TOKEN")
	}
	var problems []string
	if _, err := checkTargetURL(f.url); err != nil {
		problems = append(problems, err.Error())
	}
	if f.token == "" {
		problems = append(problems, "--token (or LATCHKEY_LOAD_TOKEN) is required; mint one with `latchkey scim-token create --name load | tail -n1`")
	}
	if !contains(scenarioNames, f.scenario) {
		problems = append(problems, fmt.Sprintf("--scenario must be one of %s", strings.Join(scenarioNames, ", ")))
	}
	if f.concurrency < 1 || f.concurrency > 256 {
		problems = append(problems, "--concurrency must be between 1 and 256")
	}
	if !isWalk(f.scenario) {
		if (f.duration > 0) == (f.requests > 0) {
			problems = append(problems, "give exactly one of --duration and --requests")
		}
		if f.duration < 0 || f.requests < 0 {
			problems = append(problems, "--duration and --requests must not be negative")
		}
	}
	if f.rate < 0 || f.rate > 100_000 {
		problems = append(problems, "--rate must be between 0 (as fast as possible) and 100,000")
	}
	if f.maxTime <= 0 || f.maxTime > 2*time.Hour {
		problems = append(problems, "--max-time must be between 1s and 2h")
	}
	if f.duration > f.maxTime {
		problems = append(problems, "--duration must not exceed --max-time")
	}
	if f.users < 1 && needsPopulation(f.scenario) {
		problems = append(problems, "--users (the seeded population) is required for "+f.scenario)
	}
	if f.count < 1 || f.count > 1000 {
		problems = append(problems, "--count must be between 1 and 1000")
	}
	if f.maxPages < 1 {
		problems = append(problems, "--max-pages must be at least 1")
	}
	if f.sample < 1 || f.sample > 100_000 {
		problems = append(problems, "--sample must be between 1 and 100,000")
	}
	if len(problems) > 0 {
		return usagef("run: %s", strings.Join(problems, "; "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func addRunFlags(env *cli, name, usage string) (*runFlags, func([]string) error) {
	fs := newFlagSet(env, name, usage)
	f := &runFlags{}
	fs.StringVar(&f.url, "url", "", "the server, e.g. http://127.0.0.1:8080 (loopback only)")
	fs.StringVar(&f.token, "token", "", "SCIM bearer token (default $LATCHKEY_LOAD_TOKEN)")
	fs.StringVar(&f.scenario, "scenario", "", strings.Join(scenarioNames, ", "))
	fs.IntVar(&f.concurrency, "concurrency", 8, "concurrent clients (walks are sequential)")
	fs.DurationVar(&f.duration, "duration", 0, "how long to run, e.g. 30s")
	fs.Int64Var(&f.requests, "requests", 0, "how many requests to send (instead of --duration)")
	fs.Float64Var(&f.rate, "rate", 0, "pace to this many requests/s in total (0: as fast as the clients can)")
	fs.DurationVar(&f.maxTime, "max-time", 10*time.Minute, "hard bound on the run, whatever else is asked")
	fs.IntVar(&f.users, "users", 0, "size of the seeded population (user0000000 .. user<N-1>)")
	fs.IntVar(&f.sample, "sample", 500, "how many user ids patch and members pick from")
	fs.IntVar(&f.count, "count", 100, "page size of walks")
	fs.IntVar(&f.maxPages, "max-pages", 200_000, "bound on a walk's pages")
	fs.StringVar(&f.runID, "run-id", "", "tag making created userNames unique (default: the time)")
	return f, func(args []string) error { return parseFlags(fs, args) }
}

func runLoad(ctx context.Context, env *cli, args []string) error {
	f, parse := addRunFlags(env, "run", "run --url http://127.0.0.1:PORT --token TOKEN --scenario S (--duration D | --requests N) [flags]")
	if err := parse(args); err != nil {
		return err
	}
	if err := f.validate(env.getenv); err != nil {
		return err
	}
	if f.runID == "" {
		f.runID = time.Now().UTC().Format("20060102t150405")
	}
	t, err := newTarget(f.url, f.token, f.concurrency)
	if err != nil {
		return err
	}
	res, err := runPhase(ctx, env.stderr, phaseConfig{
		scenario: f.scenario,
		load:     loadOptions{concurrency: f.concurrency, duration: f.duration, requests: f.requests, maxTime: f.maxTime, rate: f.rate},
		walk:     walkOptions{count: f.count, maxPages: f.maxPages, maxTime: f.maxTime},
		env:      scenarioEnv{t: t, users: f.users, runID: f.runID, sample: f.sample},
	})
	printClientResult(env.stdout, res)
	return err
}
