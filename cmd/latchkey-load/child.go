package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// latchkey runs the real latchkey binary, the way an operator would:
// `migrate`, `scim-token create`, `serve`.
type latchkey struct {
	bin string
	env []string
}

// buildLatchkey compiles ./cmd/latchkey into dir; run from the repo.
func buildLatchkey(ctx context.Context, dir string, stderr io.Writer) (string, error) {
	out := filepath.Join(dir, "latchkey")
	fmt.Fprintln(stderr, "building latchkey...")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/latchkeyhq/latchkey/cmd/latchkey")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/latchkey (run bench from the repository, or pass --latchkey-bin): %w", err)
	}
	return out, nil
}

// newSecretKey is a fresh server key for this run only: PostgreSQL
// requires one, and tokens minted with it die with the run.
func newSecretKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// childEnv is the environment without any LATCHKEY_ setting of the
// caller's (which would silently change what is measured), plus ours.
func childEnv(base []string, settings map[string]string) []string {
	env := make([]string, 0, len(base)+len(settings))
	for _, kv := range base {
		if !strings.HasPrefix(kv, "LATCHKEY_") {
			env = append(env, kv)
		}
	}
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	return env
}

func (l latchkey) output(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, l.bin, args...)
	cmd.Env = l.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("latchkey %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

func (l latchkey) migrate(ctx context.Context) error {
	_, err := l.output(ctx, "migrate")
	return err
}

// mintToken creates a SCIM token; the token is the last line printed.
func (l latchkey) mintToken(ctx context.Context) (string, error) {
	out, err := l.output(ctx, "scim-token", "create", "--name", "latchkey-load", "--expires", "12h")
	if err != nil {
		return "", err
	}
	return lastLine(out), nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func (l latchkey) version(ctx context.Context) string {
	out, err := l.output(ctx, "version")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(out)
}

// server is a running `latchkey serve`.
type server struct {
	cmd  *exec.Cmd
	addr string
	log  *serverLog
	done chan error
}

// serve starts the server and waits until it listens and is ready.
func (l latchkey) serve(ctx context.Context, rawLog io.Writer) (*server, error) {
	cmd := exec.Command(l.bin, "serve")
	cmd.Env = l.env
	cmd.Stdout = io.Discard
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, log: newServerLog(), done: make(chan error, 1)}
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		s.log.consume(bufio.NewReaderSize(pipe, 1<<20), rawLog)
	}()
	go func() {
		<-consumed // Wait closes the pipe: read everything first
		s.done <- cmd.Wait()
	}()
	select {
	case s.addr = <-s.log.listen:
		return s, nil
	case err := <-s.done:
		s.done <- err
		return nil, fmt.Errorf("latchkey serve exited before listening: %v", err)
	case <-time.After(90 * time.Second):
		_ = s.stop()
		return nil, errors.New("latchkey serve did not listen within 90s")
	case <-ctx.Done():
		_ = s.stop()
		return nil, ctx.Err()
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop asks for a graceful shutdown (SIGTERM) and kills the server if it
// has not exited within 30 s.
func (s *server) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		return errors.New("latchkey serve ignored SIGTERM for 30s; killed")
	}
}
