package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestTracing: with a tracer provider each request is one span named
// after its route, tagged with the route and the organization, joined to
// the caller's trace; probes make no span; log records carry trace_id.
func TestTracing(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	lc := newLogCapture()
	s := newTestServer(t, Options{Logger: lc.logger, TracerProvider: tp})
	s.Echo().GET("/test/orgs/:id", func(c echo.Context) error {
		SetOrg(c.Request().Context(), "org-7")
		lc.logger.InfoContext(c.Request().Context(), "in the handler")
		return c.NoContent(http.StatusNoContent)
	})

	req := httptest.NewRequest(http.MethodGet, "/test/orgs/7", nil)
	const parent = "4bf92f3577b34da6a3ce929d0e0e4736"
	req.Header.Set("traceparent", "00-"+parent+"-00f067aa0ba902b7-01")
	serveRequest(s.Handler(), req)
	serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/healthz", nil))

	ended := spans.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans, want 1 (probes are not traced)", len(ended))
	}
	span := ended[0]
	if span.Name() != "GET /test/orgs/:id" {
		t.Errorf("span name %q, want GET /test/orgs/:id", span.Name())
	}
	if got := span.SpanContext().TraceID().String(); got != parent {
		t.Errorf("trace id %s, want the caller's %s", got, parent)
	}
	attrs := map[attribute.Key]string{}
	for _, a := range span.Attributes() {
		attrs[a.Key] = a.Value.Emit()
	}
	if attrs["http.route"] != "/test/orgs/:id" || attrs["latchkey.org_id"] != "org-7" {
		t.Errorf("span attributes %v, want http.route and latchkey.org_id", attrs)
	}
	handler, access := lc.records(t, "in the handler"), lc.records(t, "http request")
	if len(handler) != 1 || handler[0]["trace_id"] != parent {
		t.Errorf("handler records %v, want trace_id %s", handler, parent)
	}
	if len(access) != 2 || access[0]["trace_id"] != parent || access[1]["trace_id"] != nil {
		t.Errorf("access records %v, want trace_id %s on the traced one only", access, parent)
	}
}
