package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// fakePinger is the DB seam for tests: Ping returns err.
type fakePinger struct{ err error }

func (f fakePinger) Ping(context.Context) error { return f.err }

// newTestServer builds a Server with a healthy fake DB unless opts says otherwise.
func newTestServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.DB == nil {
		opts.DB = fakePinger{}
	}
	return New(opts)
}

// serveRequest runs one request through h and returns the recorder.
func serveRequest(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// decodeBody decodes a JSON object body into a string map.
func decodeBody(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object of strings: %v", body, err)
	}
	return m
}

// notifyListener closes closed when the server closes the listener, which
// lets tests wait for the shutdown point instead of sleeping.
type notifyListener struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func newNotifyListener(t *testing.T) *notifyListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return &notifyListener{Listener: ln, closed: make(chan struct{})}
}

func (l *notifyListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.closed) })
	return err
}

// blockingRoute mounts GET /test/slow, which signals started and then
// waits for release before answering 200 "done".
func blockingRoute(s *Server) (started, release chan struct{}) {
	started, release = make(chan struct{}), make(chan struct{})
	s.Echo().GET("/test/slow", func(c echo.Context) error {
		close(started)
		<-release
		return c.String(http.StatusOK, "done")
	})
	return started, release
}

type getResult struct {
	status int
	body   string
	err    error
}

// getAsync issues GET url on a private client and reports the outcome.
func getAsync(t *testing.T, url string) <-chan getResult {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	out := make(chan getResult, 1)
	go func() {
		resp, err := client.Get(url)
		if err != nil {
			out <- getResult{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		out <- getResult{status: resp.StatusCode, body: string(b), err: err}
	}()
	return out
}

func TestServeGracefulShutdown(t *testing.T) {
	s := newTestServer(t, Options{})
	started, release := blockingRoute(s)
	ln := newNotifyListener(t)
	addr := ln.Addr().String()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serveDone := make(chan error, 1)
	go func() { serveDone <- s.Serve(ctx, ln) }()

	inflight := getAsync(t, "http://"+addr+"/test/slow")
	<-started
	cancel()
	<-ln.closed

	rec := serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz during shutdown: status %d, want 503", rec.Code)
	}
	if got := decodeBody(t, rec.Body.Bytes())["detail"]; got != "shutting down" {
		t.Errorf("readyz during shutdown: detail %q, want %q", got, "shutting down")
	}
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Error("new connection accepted after shutdown began")
	}
	select {
	case err := <-serveDone:
		t.Fatalf("Serve returned %v before the in-flight request finished", err)
	default:
	}

	close(release)
	res := <-inflight
	if res.err != nil || res.status != http.StatusOK || res.body != "done" {
		t.Errorf("in-flight request: status %d body %q err %v, want 200 \"done\"", res.status, res.body, res.err)
	}
	if err := <-serveDone; err != nil {
		t.Errorf("Serve: %v, want nil", err)
	}
}

func TestServeShutdownTimeout(t *testing.T) {
	s := newTestServer(t, Options{ShutdownTimeout: time.Millisecond})
	started, release := blockingRoute(s)
	ln := newNotifyListener(t)

	ctx, cancel := context.WithCancel(context.Background())
	serveDone := make(chan error, 1)
	go func() { serveDone <- s.Serve(ctx, ln) }()

	inflight := getAsync(t, "http://"+ln.Addr().String()+"/test/slow")
	<-started
	cancel()
	err := <-serveDone
	close(release)
	<-inflight // the connection was cut; only wait so no goroutine outlives the test
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve: %v, want context.DeadlineExceeded", err)
	}
}

func TestServeListenerError(t *testing.T) {
	s := newTestServer(t, Options{})
	ln := newNotifyListener(t)
	ln.Close()

	err := s.Serve(context.Background(), ln)
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve on a closed listener: %v, want a listener error", err)
	}
}

func TestNewRequiresDB(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New without DB did not panic")
		}
	}()
	New(Options{})
}

func TestSecurityHeaders(t *testing.T) {
	s := newTestServer(t, Options{})
	for _, target := range []string{"/healthz", "/readyz", "/no/such/route"} {
		t.Run(target, func(t *testing.T) {
			rec := serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, target, nil))
			want := map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"X-Frame-Options":        "DENY",
				"Cache-Control":          "no-store",
			}
			for k, v := range want {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
}

// containsAny reports whether s contains any of subs.
func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
