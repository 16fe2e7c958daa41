package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The fault and replica tests run `latchkey serve` as real processes, so
// that a replica shares nothing with another but the database, and a
// kill -9 loses exactly what a crash loses. The process is this test
// binary run again: TestMain sees childEnv and runs main instead of the
// tests.
const childEnv = "LATCHKEY_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main() // exits by itself on error
		os.Exit(0)
	}
	code := m.Run()
	if serverBinDir != "" {
		_ = os.RemoveAll(serverBinDir)
	}
	os.Exit(code)
}

// serverProcess is one `latchkey serve` process on a fixed loopback
// address, so that a restart comes back where clients expect it.
type serverProcess struct {
	t    *testing.T
	name string
	env  map[string]string
	addr string
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
	err  error // the process's exit, once done is closed
}

// freeAddr returns a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// startProcess starts serve with env (plus a listen address and JSON
// logs) and waits until it is ready. It is killed at the end of the test
// if still running.
func startProcess(t *testing.T, name string, env map[string]string) *serverProcess {
	t.Helper()
	p := &serverProcess{t: t, name: name, env: env, addr: freeAddr(t)}
	p.start()
	t.Cleanup(func() {
		if p.running() {
			p.kill()
		}
	})
	return p
}

func (p *serverProcess) baseURL() string { return "http://" + p.addr }

func (p *serverProcess) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// serverBinary is latchkey built without the race detector, once per
// test binary: a crash test pushes 10,000 people through it, which the
// race detector's 5-10 times slowdown would stretch past any sensible
// bound (the test process itself, the IdP's side, keeps the detector).
// Without a go command it falls back to this test binary run again.
var serverBinary = sync.OnceValue(buildServer)

// serverBinDir holds the built binary, removed after the tests.
var serverBinDir string

func buildServer() string {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return os.Args[0]
	}
	dir, err := os.MkdirTemp("", "latchkey-bin-")
	if err != nil {
		return os.Args[0]
	}
	serverBinDir = dir
	bin := filepath.Join(dir, "latchkey")
	build := exec.Command(goCmd, "build", "-o", bin, ".")
	build.Env = childEnviron(map[string]string{"GOFLAGS": ""})
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build latchkey for the process tests: %v\n%s", err, out)
		return os.Args[0]
	}
	return bin
}

// start runs the process (again) and waits for /readyz.
func (p *serverProcess) start() {
	p.t.Helper()
	p.cmd = exec.Command(serverBinary(), "serve")
	p.cmd.Env = childEnviron(p.env, map[string]string{
		childEnv: "1", "LATCHKEY_LISTEN": p.addr, "LATCHKEY_LOG_FORMAT": "json",
	})
	if p.logs == nil {
		p.logs = &syncBuffer{}
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	p.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		p.err = cmd.Wait()
		close(done)
	}(p.cmd, p.done)
	deadline := time.Now().Add(90 * time.Second)
	for !p.ready() {
		if !p.running() {
			p.t.Fatalf("%s exited before it was ready: %v\n%s", p.name, p.err, p.tail())
		}
		if time.Now().After(deadline) {
			p.kill()
			p.t.Fatalf("%s was not ready within 90s:\n%s", p.name, p.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *serverProcess) ready() bool {
	resp, err := (&http.Client{Timeout: time.Second}).Get(p.baseURL() + "/readyz")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would.
func (p *serverProcess) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// terminate sends SIGTERM, as an orchestrator does at a deploy, and
// returns the process's exit (nil for a clean stop).
func (p *serverProcess) terminate(within time.Duration) error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	return p.wait(within)
}

// wait waits for the process to exit (killing it after within) and
// returns its exit. A second SIGTERM would end a graceful stop at once,
// as a second Ctrl-C does, so callers that signalled themselves wait.
func (p *serverProcess) wait(within time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(within):
		p.kill()
		return context.DeadlineExceeded
	}
}

// tail is the end of the process's logs, for failure messages.
func (p *serverProcess) tail() string {
	s := p.logs.String()
	if len(s) > 6000 {
		s = "…" + s[len(s)-6000:]
	}
	return s
}

// childEnviron is the test's environment without any LATCHKEY_ setting
// of its own (CI's LATCHKEY_TEST_* stay out of the server), plus sets.
func childEnviron(sets ...map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LATCHKEY_") {
			env = append(env, kv)
		}
	}
	for _, m := range sets {
		for k, v := range m {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// exitedCleanly reports whether err is a zero exit.
func exitedCleanly(err error) bool {
	var exit *exec.ExitError
	return err == nil || (errors.As(err, &exit) && exit.ExitCode() == 0)
}
