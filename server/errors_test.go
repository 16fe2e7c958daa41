package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestErrorHandler(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		handlerErr error // returned by GET /test/err when set
		wantStatus int
		wantCode   string
		wantDetail string
		wantRetry  string
		wantAllow  string
	}{
		{
			name: "unknown route", method: http.MethodGet, target: "/no/such/route",
			wantStatus: http.StatusNotFound, wantCode: "not_found", wantDetail: "Not Found",
		},
		{
			name: "wrong method", method: http.MethodPost, target: "/healthz",
			wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed", wantDetail: "Method Not Allowed",
			wantAllow: "OPTIONS, GET",
		},
		{
			name: "echo http error", method: http.MethodGet, target: "/test/err",
			handlerErr: echo.NewHTTPError(http.StatusBadRequest, "missing filter"),
			wantStatus: http.StatusBadRequest, wantCode: "bad_request", wantDetail: "missing filter",
		},
		{
			name: "store unavailable", method: http.MethodGet, target: "/test/err",
			handlerErr: fmt.Errorf("list accounts: secret-db-host: %w", directory.ErrUnavailable),
			wantStatus: http.StatusServiceUnavailable, wantCode: "service_unavailable",
			wantDetail: "service temporarily unavailable; retry later", wantRetry: "5",
		},
		{
			name: "unknown error", method: http.MethodGet, target: "/test/err",
			handlerErr: errors.New("secret-db-host exploded"),
			wantStatus: http.StatusInternalServerError, wantCode: "internal_error", wantDetail: "internal server error",
		},
		{
			name: "echo 500 with internal cause", method: http.MethodGet, target: "/test/err",
			handlerErr: echo.NewHTTPError(http.StatusInternalServerError, "secret-db-host").SetInternal(errors.New("boom")),
			wantStatus: http.StatusInternalServerError, wantCode: "internal_error", wantDetail: "internal server error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, Options{})
			s.Echo().GET("/test/err", func(echo.Context) error { return tt.handlerErr })
			rec := serveRequest(s.Handler(), httptest.NewRequest(tt.method, tt.target, nil))

			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			want := map[string]string{
				"error":      tt.wantCode,
				"detail":     tt.wantDetail,
				"request_id": rec.Header().Get(HeaderRequestID),
			}
			if got := decodeBody(t, rec.Body.Bytes()); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("body %v, want %v", got, want)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After %q, want %q", got, tt.wantRetry)
			}
			if got := rec.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow %q, want %q", got, tt.wantAllow)
			}
			if containsAny(rec.Body.String(), "secret-db-host", "boom") {
				t.Errorf("body leaks the internal error: %s", rec.Body)
			}
		})
	}
}

func TestErrorHandlerHead(t *testing.T) {
	s := newTestServer(t, Options{})
	rec := serveRequest(s.Handler(), httptest.NewRequest(http.MethodHead, "/no/such/route", nil))
	if rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
		t.Errorf("HEAD: status %d body %q, want 404 without body", rec.Code, rec.Body)
	}
}

func TestErrorAfterCommit(t *testing.T) {
	s := newTestServer(t, Options{})
	s.Echo().GET("/test/partial", func(c echo.Context) error {
		if err := c.String(http.StatusOK, "partial"); err != nil {
			return err
		}
		return errors.New("failed mid-stream")
	})
	rec := serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/test/partial", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "partial" {
		t.Errorf("status %d body %q, want the committed 200 \"partial\" untouched", rec.Code, rec.Body)
	}
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{http.StatusNotFound, "not_found"},
		{http.StatusRequestEntityTooLarge, "request_entity_too_large"},
		{http.StatusInternalServerError, "internal_error"},
		{http.StatusTeapot, "im_a_teapot"},
		{http.StatusMultiStatus, "multi_status"},
		{599, "error"},
	}
	for _, tt := range tests {
		if got := errorCode(tt.status); got != tt.want {
			t.Errorf("errorCode(%d) = %q, want %q", tt.status, got, tt.want)
		}
	}
}
