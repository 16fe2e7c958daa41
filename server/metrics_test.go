package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestHTTPMetrics: requests are counted by route pattern (never the raw
// path), method and final status, and timed by route and method.
func TestHTTPMetrics(t *testing.T) {
	tests := []struct {
		name, method, target string
		route, wantMethod    string
		status               string
	}{
		{"pattern, not path", http.MethodGet, "/test/items/42?x=1", "/test/items/:id", "GET", "200"},
		{"handler error resolved first", http.MethodGet, "/test/fail", "/test/fail", "GET", "500"},
		{"no route", http.MethodGet, "/no/such/thing", routeUnmatched, "GET", "404"},
		{"unknown method", "BREW", "/test/items/7", "/test/items/:id", "OTHER", "405"},
		{"probe", http.MethodGet, "/healthz", "/healthz", "GET", "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			s := newTestServer(t, Options{Registerer: reg})
			s.Echo().GET("/test/items/:id", func(c echo.Context) error { return c.String(http.StatusOK, c.Param("id")) })
			s.Echo().GET("/test/fail", func(echo.Context) error { return echo.NewHTTPError(http.StatusInternalServerError) })
			serveRequest(s.Handler(), httptest.NewRequest(tt.method, tt.target, nil))

			requests := gathered(t, reg, "latchkey_http_requests_total")
			want := map[string]string{"route": tt.route, "method": tt.wantMethod, "status": tt.status}
			if len(requests) != 1 || !hasLabels(requests[0], want) || requests[0].GetCounter().GetValue() != 1 {
				t.Errorf("latchkey_http_requests_total = %v, want one series %v = 1", requests, want)
			}
			durations := gathered(t, reg, "latchkey_http_request_duration_seconds")
			want = map[string]string{"route": tt.route, "method": tt.wantMethod}
			if len(durations) != 1 || !hasLabels(durations[0], want) || durations[0].GetHistogram().GetSampleCount() != 1 {
				t.Errorf("latchkey_http_request_duration_seconds = %v, want one sample of %v", durations, want)
			}
		})
	}
}

// TestHTTPInFlight: the gauge counts a request while it is served.
func TestHTTPInFlight(t *testing.T) {
	s := newTestServer(t, Options{Registerer: prometheus.NewRegistry()})
	var during float64
	s.Echo().GET("/test/slow", func(c echo.Context) error {
		during = gaugeValue(t, s.httpMetrics.inFlight)
		return c.NoContent(http.StatusNoContent)
	})
	serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/test/slow", nil))
	if after := gaugeValue(t, s.httpMetrics.inFlight); during != 1 || after != 0 {
		t.Fatalf("in flight during = %v, after = %v; want 1 and 0", during, after)
	}
}

// TestNoRegistererNoMetrics: without a Registerer nothing is counted and
// nothing fails.
func TestNoRegistererNoMetrics(t *testing.T) {
	s := newTestServer(t, Options{})
	if s.httpMetrics != nil {
		t.Fatal("metrics built without a Registerer")
	}
	if rec := serveRequest(s.Handler(), httptest.NewRequest(http.MethodGet, "/healthz", nil)); rec.Code != http.StatusOK {
		t.Fatalf("/healthz = %d", rec.Code)
	}
}

// gathered returns the series of the metric family name in reg.
func gathered(t *testing.T, reg *prometheus.Registry, name string) []*dto.Metric {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()
		}
	}
	return nil
}

// hasLabels reports whether m has exactly the labels want.
func hasLabels(m *dto.Metric, want map[string]string) bool {
	if len(m.GetLabel()) != len(want) {
		return false
	}
	for _, l := range m.GetLabel() {
		if want[l.GetName()] != l.GetValue() {
			return false
		}
	}
	return true
}

func gaugeValue(t *testing.T, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}
