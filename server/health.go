package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// readyPingTimeout bounds the database ping in /readyz so a hung database
// makes the probe fail instead of hang.
const readyPingTimeout = 2 * time.Second

// retryAfterSeconds is advertised on 503 responses.
const retryAfterSeconds = 5

// probeStatus is the body of /healthz and /readyz.
type probeStatus struct {
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// handleHealthz reports liveness: the process is up and serving HTTP.
func (s *Server) handleHealthz(c echo.Context) error {
	return c.JSON(http.StatusOK, probeStatus{Status: "ok"})
}

// handleReadyz reports whether this instance should receive traffic: not
// shutting down and the database answers a ping.
func (s *Server) handleReadyz(c echo.Context) error {
	if s.shuttingDown.Load() {
		return notReady(c, "shutting down")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyPingTimeout)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		// The error may name hosts or users; it goes to the log only.
		s.log.LogAttrs(ctx, slog.LevelWarn, "readiness check failed", slog.Any("error", err))
		return notReady(c, "database unreachable; retrying")
	}
	return c.JSON(http.StatusOK, probeStatus{Status: "ready"})
}

// notReady writes the 503 readiness body.
func notReady(c echo.Context, detail string) error {
	setRetryAfter(c)
	return c.JSON(http.StatusServiceUnavailable, probeStatus{Status: "unavailable", Detail: detail})
}

// setRetryAfter tells clients when a 503 is worth retrying.
func setRetryAfter(c echo.Context) {
	c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
}
