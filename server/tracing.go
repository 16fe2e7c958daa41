package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// traced wraps h so every request but the probes is a span of tp, joined
// to the caller's trace when it sends W3C traceparent. Nothing global is
// used: the provider and propagator are passed in, and metrics stay with
// Prometheus (otelhttp's own metrics go to a no-op meter).
func traced(h http.Handler, tp trace.TracerProvider) http.Handler {
	return otelhttp.NewHandler(h, "http",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithFilter(func(r *http.Request) bool { return !isProbe(r.URL.Path) }),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
}

// traceMiddleware names the request's span after the route echo matched
// ("GET /scim/v2/Users/:id"), which otelhttp cannot know since it runs
// before routing, and tags it with the organization once known. Without
// a tracer provider the span is a no-op and this costs next to nothing.
func traceMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		ctx := c.Request().Context()
		span := trace.SpanFromContext(ctx)
		if !span.IsRecording() {
			return err
		}
		route := routeLabel(c.Path())
		span.SetName(c.Request().Method + " " + route)
		span.SetAttributes(attribute.String("http.route", route))
		if org := OrgID(ctx); org != "" {
			span.SetAttributes(attribute.String("latchkey.org_id", org))
		}
		return err
	}
}
