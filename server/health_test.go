package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestHealthz(t *testing.T) {
	// Liveness must not depend on the database.
	s := newTestServer(t, Options{DB: fakePinger{err: directory.ErrUnavailable}})
	rec := serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	if got := decodeBody(t, rec.Body.Bytes()); got["status"] != "ok" || len(got) != 1 {
		t.Errorf("body %v, want {status: ok}", got)
	}
}

// deadlinePinger records whether Ping received a context with a deadline.
type deadlinePinger struct{ hadDeadline *bool }

func (p deadlinePinger) Ping(ctx context.Context) error {
	_, *p.hadDeadline = ctx.Deadline()
	return nil
}

func TestReadyz(t *testing.T) {
	dbErr := fmt.Errorf("dial tcp 10.0.0.7:5432 user=latchkey: %w", directory.ErrUnavailable)
	tests := []struct {
		name         string
		pingErr      error
		shuttingDown bool
		wantStatus   int
		wantBody     map[string]string
	}{
		{
			name:       "database reachable",
			wantStatus: http.StatusOK,
			wantBody:   map[string]string{"status": "ready"},
		},
		{
			name:       "database unreachable",
			pingErr:    dbErr,
			wantStatus: http.StatusServiceUnavailable,
			wantBody:   map[string]string{"status": "unavailable", "detail": "database unreachable; retrying"},
		},
		{
			name:       "unexpected ping error",
			pingErr:    errors.New("password authentication failed for user latchkey"),
			wantStatus: http.StatusServiceUnavailable,
			wantBody:   map[string]string{"status": "unavailable", "detail": "database unreachable; retrying"},
		},
		{
			name:         "shutting down",
			shuttingDown: true,
			wantStatus:   http.StatusServiceUnavailable,
			wantBody:     map[string]string{"status": "unavailable", "detail": "shutting down"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, Options{DB: fakePinger{err: tt.pingErr}})
			s.shuttingDown.Store(tt.shuttingDown)
			rec := serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/readyz", nil))

			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			got := decodeBody(t, rec.Body.Bytes())
			if fmt.Sprint(got) != fmt.Sprint(tt.wantBody) {
				t.Errorf("body %v, want %v", got, tt.wantBody)
			}
			wantRetry := ""
			if tt.wantStatus == http.StatusServiceUnavailable {
				wantRetry = "5"
			}
			if ra := rec.Header().Get("Retry-After"); ra != wantRetry {
				t.Errorf("Retry-After %q, want %q", ra, wantRetry)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			if tt.pingErr != nil && strings.Contains(rec.Body.String(), "latchkey") {
				t.Errorf("body leaks the database error: %s", rec.Body)
			}
		})
	}
}

func TestReadyzBoundsPing(t *testing.T) {
	var hadDeadline bool
	s := newTestServer(t, Options{DB: deadlinePinger{hadDeadline: &hadDeadline}})
	serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if !hadDeadline {
		t.Error("Ping context has no deadline; a hung database would hang the probe")
	}
}

func TestMetrics(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("latchkey_up 1\n"))
	})
	s := newTestServer(t, Options{DB: fakePinger{}, Metrics: metrics})
	rec := serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "latchkey_up 1") {
		t.Fatalf("GET /metrics = %d %q", rec.Code, rec.Body.String())
	}
	without := newTestServer(t, Options{DB: fakePinger{}})
	if rec := serveRequest(without.Handler(), httptest.NewRequest(http.MethodGet, "/metrics", nil)); rec.Code != http.StatusNotFound {
		t.Fatalf("GET /metrics without metrics = %d; want 404", rec.Code)
	}
}
