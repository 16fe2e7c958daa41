package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// logCapture collects JSON log lines, wrapped the way cmd/latchkey wires it.
type logCapture struct {
	buf    bytes.Buffer
	logger *slog.Logger
}

func newLogCapture() *logCapture {
	lc := &logCapture{}
	json := slog.NewJSONHandler(&lc.buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	lc.logger = slog.New(NewLogHandler(json))
	return lc
}

// lines returns the raw JSON lines logged so far.
func (lc *logCapture) lines() []string {
	return strings.Split(strings.TrimSpace(lc.buf.String()), "\n")
}

// records decodes the lines whose msg is msg.
func (lc *logCapture) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range lc.lines() {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

func TestAccessLog(t *testing.T) {
	tests := []struct {
		name       string
		target     string
		wantPath   string
		wantRoute  string
		wantStatus float64
		wantLevel  string
	}{
		{name: "ok", target: "/test/ok?token=s3cr3t", wantPath: "/test/ok", wantRoute: "/test/ok", wantStatus: 200, wantLevel: "INFO"},
		{name: "not found", target: "/missing?token=s3cr3t", wantPath: "/missing", wantStatus: 404, wantLevel: "INFO"},
		{name: "server error", target: "/test/fail?token=s3cr3t", wantPath: "/test/fail", wantRoute: "/test/fail", wantStatus: 500, wantLevel: "ERROR"},
		{name: "probe", target: "/healthz?token=s3cr3t", wantPath: "/healthz", wantRoute: "/healthz", wantStatus: 200, wantLevel: "DEBUG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lc := newLogCapture()
			s := newTestServer(t, Options{Logger: lc.logger})
			s.Echo().GET("/test/ok", func(c echo.Context) error { return c.String(http.StatusOK, "hello") })
			s.Echo().GET("/test/fail", func(echo.Context) error { return errors.New("boom") })
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			req.Header.Set("User-Agent", "latchkey-test")
			rec := serveRequest(s.Handler(), req)

			recs := lc.records(t, "http request")
			if len(recs) != 1 {
				t.Fatalf("got %d access records, want 1:\n%s", len(recs), &lc.buf)
			}
			got := recs[0]
			want := map[string]any{
				"level":      tt.wantLevel,
				"method":     "GET",
				"path":       tt.wantPath,
				"status":     tt.wantStatus,
				"bytes_out":  float64(rec.Body.Len()),
				"remote_ip":  "192.0.2.1", // httptest.NewRequest's RemoteAddr
				"user_agent": "latchkey-test",
				"request_id": rec.Header().Get(HeaderRequestID),
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if tt.wantRoute != "" && got["route"] != tt.wantRoute {
				t.Errorf("route = %v, want %v", got["route"], tt.wantRoute)
			}
			if _, ok := got["duration_ms"].(float64); !ok {
				t.Errorf("duration_ms missing or not a number: %v", got["duration_ms"])
			}
			if strings.Contains(lc.buf.String(), "s3cr3t") {
				t.Errorf("logs contain the query string:\n%s", &lc.buf)
			}
		})
	}
}

func TestLogHandlerAddsRequestID(t *testing.T) {
	lc := newLogCapture()
	s := newTestServer(t, Options{Logger: lc.logger})
	s.Echo().GET("/test/log", func(c echo.Context) error {
		lc.logger.InfoContext(c.Request().Context(), "handler says hi")
		return c.NoContent(http.StatusNoContent)
	})
	req := httptest.NewRequest(http.MethodGet, "/test/log", nil)
	req.Header.Set(HeaderRequestID, "req-42")
	serveRequest(s.Handler(), req)

	app := lc.records(t, "handler says hi")
	if len(app) != 1 || app[0]["request_id"] != "req-42" {
		t.Errorf("handler record %v, want request_id req-42", app)
	}
	// The server wraps the logger again; request_id must still appear once.
	for _, line := range lc.lines() {
		if n := strings.Count(line, `"request_id"`); n != 1 {
			t.Errorf("%d request_id keys in %s", n, line)
		}
	}
}

func TestLogHandlerWithoutRequest(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	logger.InfoContext(context.Background(), "background work")
	if strings.Contains(buf.String(), "request_id") {
		t.Errorf("record outside a request has request_id: %s", &buf)
	}
	if RequestID(context.Background()) != "" {
		t.Error("RequestID of a bare context is not empty")
	}
}

func TestPanicLogged(t *testing.T) {
	lc := newLogCapture()
	s := newTestServer(t, Options{Logger: lc.logger})
	s.Echo().GET("/test/panic", func(echo.Context) error { panic("kaboom") })
	serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/test/panic", nil))

	recs := lc.records(t, "panic in http handler")
	if len(recs) != 1 {
		t.Fatalf("got %d panic records, want 1:\n%s", len(recs), &lc.buf)
	}
	stack, _ := recs[0]["stack"].(string)
	if recs[0]["level"] != "ERROR" || recs[0]["panic"] != "kaboom" || !strings.Contains(stack, "goroutine") {
		t.Errorf("panic record %v, want level ERROR, panic kaboom and a stack", recs[0])
	}
}

// TestLogsCarryOrg: once an area's authentication calls SetOrg, the
// request's later records and its access record carry org_id; records
// of requests without an organization, and those logged before it was
// known, do not.
func TestLogsCarryOrg(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		wantOrg any
	}{
		{name: "authenticated", target: "/test/org", wantOrg: "org-1"},
		{name: "anonymous", target: "/test/anon", wantOrg: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lc := newLogCapture()
			s := newTestServer(t, Options{Logger: lc.logger})
			// The area's authentication replaces the request, as
			// middleware does, and the holder is still shared.
			auth := func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c echo.Context) error {
					ctx := c.Request().Context()
					lc.logger.InfoContext(ctx, "before auth")
					SetOrg(ctx, "org-1")
					c.SetRequest(c.Request().WithContext(context.WithValue(ctx, struct{}{}, "x")))
					return next(c)
				}
			}
			hello := func(c echo.Context) error {
				lc.logger.InfoContext(c.Request().Context(), "in handler")
				return c.NoContent(http.StatusNoContent)
			}
			s.Echo().GET("/test/org", hello, auth)
			s.Echo().GET("/test/anon", hello)
			serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, tt.target, nil))

			for _, msg := range []string{"in handler", "http request"} {
				recs := lc.records(t, msg)
				if len(recs) != 1 || recs[0]["org_id"] != tt.wantOrg {
					t.Errorf("%q records %v, want org_id %v", msg, recs, tt.wantOrg)
				}
			}
			for _, rec := range lc.records(t, "before auth") {
				if _, ok := rec["org_id"]; ok {
					t.Errorf("record logged before the org was known has org_id: %v", rec)
				}
			}
			for _, line := range lc.lines() {
				if n := strings.Count(line, `"org_id"`); n > 1 {
					t.Errorf("%d org_id keys in %s", n, line)
				}
			}
		})
	}
}

func TestSetOrgOutsideRequest(t *testing.T) {
	ctx := context.Background()
	SetOrg(ctx, "org-1")
	if OrgID(ctx) != "" {
		t.Fatal("SetOrg outside a request stored an org")
	}
}
