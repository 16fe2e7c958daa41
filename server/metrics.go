package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// routeUnmatched labels requests no route matched. Labels are echo's route
// patterns ("/scim/v2/Users/:id"), never raw paths, so a scanner trying
// random URLs cannot grow the number of series.
const routeUnmatched = "unmatched"

// httpMetrics count requests by route, method and status, and time them.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// newHTTPMetrics registers the HTTP metrics on reg; nil reg means none.
func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	if reg == nil {
		return nil
	}
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_http_requests_total",
			Help: "HTTP requests by route pattern (\"unmatched\" when no route matched), method and status code.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "latchkey_http_request_duration_seconds",
			Help: "Time from the request's arrival at the router to its last byte written, by route pattern and method.",
			// From a cached read (ms) to a large SCIM bulk or a picture upload (s).
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "latchkey_http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight)
	return m
}

// metricsMiddleware records each request once its final status is known:
// it sits outside the access log, which resolves handler errors into the
// response before returning.
func (s *Server) metricsMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	if s.httpMetrics == nil {
		return next
	}
	m := s.httpMetrics
	return func(c echo.Context) error {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		start := time.Now()
		err := next(c)
		route, method := routeLabel(c.Path()), methodLabel(c.Request().Method)
		m.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
		m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		return err
	}
}

func routeLabel(route string) string {
	if route == "" {
		return routeUnmatched
	}
	return route
}

// methodLabel keeps the method label to the standard methods: a client
// may send any token as a method.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return method
	}
	return "OTHER"
}
