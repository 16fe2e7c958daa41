package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// TestRequestTimeout: a handler stuck waiting (as on a database that
// stopped answering) is released by the request deadline and the client
// gets 503 with Retry-After, not a hang and not a 500.
func TestRequestTimeout(t *testing.T) {
	s := New(Options{DB: fakePinger{}, RequestTimeout: 20 * time.Millisecond})
	s.Echo().GET("/stuck", func(c echo.Context) error {
		<-c.Request().Context().Done()
		return c.Request().Context().Err()
	})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/stuck", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("stuck request = %d, Retry-After %q; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
}

// TestServeDrainDelay: during the drain delay the server still accepts
// connections but tells probes it is going away.
func TestServeDrainDelay(t *testing.T) {
	s := newTestServer(t, Options{DrainDelay: 300 * time.Millisecond})
	ln := newNotifyListener(t)
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	serveDone := make(chan error, 1)
	go func() { serveDone <- s.Serve(ctx, ln) }()
	cancel()
	// Wait until shutdown has begun, then probe over a real connection
	// while the listener is still open.
	for !s.shuttingDown.Load() {
		time.Sleep(time.Millisecond)
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatalf("readyz during the drain delay: %v (the listener closed too early)", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz during the drain delay = %d; want 503", resp.StatusCode)
	}
	if err := <-serveDone; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}
