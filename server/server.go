// Package server is Latchkey's HTTP skeleton: one echo instance with the
// shared middleware, health probes and error handling that every protocol
// area (SCIM, admin API, claim pages) mounts into.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
)

// Defaults applied by New when the corresponding Options field is zero.
const (
	DefaultBodyLimit       int64 = 1 << 20
	DefaultShutdownTimeout       = 20 * time.Second
	DefaultRequestTimeout        = 30 * time.Second
)

// Default timeouts of the underlying http.Server. They bound how long a
// slow or idle client can hold a connection (and a goroutine) open: one
// that trickles its headers or body a byte at a time is cut off instead
// of pinning a connection slot for as long as it likes.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
)

// Pinger reports whether the backing store is reachable. Ping returns an
// error wrapping directory.ErrUnavailable when the database is down.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Options configures a Server. DB is required; zero values of the other
// fields select defaults.
type Options struct {
	// Logger receives access, error and lifecycle records. It is wrapped
	// with NewLogHandler so request-scoped records carry request_id.
	// Nil discards all logs.
	Logger *slog.Logger
	// DB is pinged by /readyz.
	DB Pinger
	// BodyLimit caps request bodies in bytes; DefaultBodyLimit when 0.
	BodyLimit int64
	// ShutdownTimeout bounds how long Serve waits for in-flight requests
	// after its context is cancelled; DefaultShutdownTimeout when 0.
	ShutdownTimeout time.Duration
	// DrainDelay keeps serving, with /readyz answering 503, for this long
	// after shutdown begins, so load balancers stop routing here before
	// the listener closes. Zero closes at once.
	DrainDelay time.Duration
	// Areas are the protocol areas (SCIM, admin API, claim pages), each
	// mounted under its prefix by routes.go.
	Areas []Area
	// RequestTimeout bounds each request's context, so work waiting on a
	// database that stopped answering ends (as 503) instead of piling up;
	// DefaultRequestTimeout when 0.
	RequestTimeout time.Duration
	// Metrics, when set, is served at /metrics (Prometheus text format).
	Metrics http.Handler
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are
	// http.Server's: how long a client may take to send its headers, its
	// whole request, how long a request may take from its headers to the
	// end of its answer, and how long a kept-alive connection may idle.
	// The Default* values when 0.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// Registerer, when set, receives the HTTP metrics (requests by route,
	// method and status, their durations, requests in flight).
	Registerer prometheus.Registerer
	// TracerProvider, when set, makes every request but the probes a span
	// named after its route; nil traces nothing.
	TracerProvider trace.TracerProvider
}

// Server owns the echo instance and the readiness state. Create it with New.
type Server struct {
	echo            *echo.Echo
	handler         http.Handler // echo, traced when a TracerProvider is set
	log             *slog.Logger
	httpMetrics     *httpMetrics
	db              Pinger
	metrics         http.Handler
	bodyLimit       int64
	shutdownTimeout time.Duration
	drainDelay      time.Duration
	areas           []Area
	requestTimeout  time.Duration
	// conn are the http.Server's timeouts, defaults applied.
	conn connTimeouts
	// shuttingDown flips once Serve begins shutting down so /readyz tells
	// load balancers to stop sending traffic.
	shuttingDown atomic.Bool
}

// New builds a Server with its middleware and routes registered. It panics
// if opts.DB is nil, since readiness would otherwise be meaningless.
func New(opts Options) *Server {
	if opts.DB == nil {
		panic("server: Options.DB is required")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		echo:            echo.New(),
		log:             slog.New(NewLogHandler(logger.Handler())),
		db:              opts.DB,
		metrics:         opts.Metrics,
		bodyLimit:       opts.BodyLimit,
		shutdownTimeout: opts.ShutdownTimeout,
		drainDelay:      opts.DrainDelay,
		areas:           opts.Areas,
		requestTimeout:  opts.RequestTimeout,
		httpMetrics:     newHTTPMetrics(opts.Registerer),
	}
	s.handler = s.echo
	if opts.TracerProvider != nil {
		s.handler = traced(s.echo, opts.TracerProvider)
	}
	if s.requestTimeout <= 0 {
		s.requestTimeout = DefaultRequestTimeout
	}
	s.conn = connTimeouts{
		readHeader: cmp.Or(opts.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		read:       cmp.Or(opts.ReadTimeout, DefaultReadTimeout),
		write:      cmp.Or(opts.WriteTimeout, DefaultWriteTimeout),
		idle:       cmp.Or(opts.IdleTimeout, DefaultIdleTimeout),
	}
	if s.bodyLimit <= 0 {
		s.bodyLimit = DefaultBodyLimit
	}
	if s.shutdownTimeout <= 0 {
		s.shutdownTimeout = DefaultShutdownTimeout
	}
	s.configureEcho()
	s.registerRoutes(s.echo)
	return s
}

// configureEcho applies settings and the global middleware chain.
func (s *Server) configureEcho() {
	e := s.echo
	e.HideBanner = true
	e.HidePort = true
	// Echo's own logger (level ERROR by default) rarely speaks; route it
	// into slog rather than a second format on stdout.
	e.Logger.SetOutput(slog.NewLogLogger(s.log.Handler(), slog.LevelWarn).Writer())
	// Trust only the TCP peer address: X-Forwarded-For is client-controlled
	// unless a known proxy sets it, and no proxy is configured yet.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = s.handleError
	// Order matters: the request ID must exist before anything logs, the
	// access log must see the final status (it invokes the error handler),
	// metrics and the span's name read that status and the route after it,
	// and recovery must sit inside the access log so panics are logged as 500s.
	e.Use(
		requestIDMiddleware,
		securityHeadersMiddleware,
		s.metricsMiddleware,
		traceMiddleware,
		s.accessLogMiddleware,
		s.recoverMiddleware,
		s.bodyLimitMiddleware,
		s.timeoutMiddleware,
	)
}

// Handler returns the HTTP handler (the echo instance, inside the tracing
// wrapper when tracing is on), e.g. for httptest.
func (s *Server) Handler() http.Handler { return s.handler }

// Echo returns the echo instance so other areas can mount their groups.
// Mount routes before calling Serve; echo's router is not safe for
// concurrent registration and lookup.
func (s *Server) Echo() *echo.Echo { return s.echo }

// Serve serves HTTP on ln until ctx is cancelled, then marks the server not
// ready and shuts down gracefully, letting in-flight requests finish within
// ShutdownTimeout. It returns nil after a clean shutdown, or the error that
// stopped serving early or that aborted the graceful shutdown. Call it at
// most once per Server: readiness stays "shutting down" afterwards.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.httpServer()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err := <-serveErr:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("server: serve: %w", err)
	case <-ctx.Done():
	}
	return s.shutdown(srv, serveErr)
}

// httpServer builds the http.Server with conservative timeouts.
func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.conn.readHeader,
		ReadTimeout:       s.conn.read,
		WriteTimeout:      s.conn.write,
		IdleTimeout:       s.conn.idle,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// connTimeouts are the http.Server's timeouts (Options.ReadHeaderTimeout
// and the rest).
type connTimeouts struct{ readHeader, read, write, idle time.Duration }

// shutdown flips readiness, drains in-flight requests and waits for the
// Serve goroutine to exit so no goroutine outlives Serve.
func (s *Server) shutdown(srv *http.Server, serveErr <-chan error) error {
	s.shuttingDown.Store(true)
	if s.drainDelay > 0 {
		s.log.Info("http server draining: readiness is 503, still serving", slog.Duration("delay", s.drainDelay))
		time.Sleep(s.drainDelay)
	}
	s.log.Info("http server shutting down", slog.Duration("timeout", s.shutdownTimeout))

	// A fresh context: the caller's is already cancelled, and the drain
	// must get its full budget.
	ctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		// Drain budget exhausted: cut the remaining connections.
		_ = srv.Close()
	}
	// srv.Serve returns http.ErrServerClosed as soon as Shutdown starts;
	// waiting for it keeps the goroutine from outliving Serve.
	<-serveErr
	if err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	s.log.Info("http server stopped")
	return nil
}
