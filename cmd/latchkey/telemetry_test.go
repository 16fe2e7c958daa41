package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpCollector is an OTLP/HTTP trace receiver: it keeps what is posted
// to /v1/traces.
type otlpCollector struct {
	mu      sync.Mutex
	exports []*coltracepb.ExportTraceServiceRequest
	types   []string
}

func (c *otlpCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || err != nil {
		http.Error(w, "not a trace export", http.StatusNotFound)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.exports = append(c.exports, &req)
	c.types = append(c.types, r.Header.Get("Content-Type"))
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write([]byte{}) // an empty ExportTraceServiceResponse
}

// spans returns "service.name span-name" of every span received.
func (c *otlpCollector) spans() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, req := range c.exports {
		for _, rs := range req.GetResourceSpans() {
			service := ""
			for _, a := range rs.GetResource().GetAttributes() {
				if a.GetKey() == "service.name" {
					service = a.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					out = append(out, service+" "+s.GetName())
				}
			}
		}
	}
	return out
}

// TestTracingExportsSpans: with OTEL_EXPORTER_OTLP_ENDPOINT set, serve
// makes each request a span named by its route and, on shutdown, flushes
// them to the collector over OTLP/HTTP protobuf; probes make no span.
func TestTracingExportsSpans(t *testing.T) {
	collector := &otlpCollector{}
	otlp := httptest.NewServer(collector)
	defer otlp.Close()
	env := backends[0].env(t)
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.URL
	srv := startServer(t, env)
	get(t, srv.baseURL+"/scim/v2/ServiceProviderConfig")
	get(t, srv.baseURL+"/healthz")
	if err := srv.shutdown(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	spans := collector.spans()
	if len(spans) != 1 || spans[0] != "latchkey GET /scim/v2/ServiceProviderConfig" {
		t.Fatalf("spans %q; want one, of service latchkey, named GET /scim/v2/ServiceProviderConfig", spans)
	}
	if ct := collector.types[0]; ct != "application/x-protobuf" {
		t.Errorf("export Content-Type %q", ct)
	}
	if !strings.Contains(srv.stderr.String(), `"endpoint":"`+otlp.URL+`/v1/traces"`) {
		t.Errorf("serve did not log where spans go:\n%s", srv.stderr)
	}
}

// TestTracingSettings: tracing is off unless an endpoint is set, and the
// OTEL_ settings that could silently misroute spans are refused at start.
func TestTracingSettings(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		on       bool
		endpoint string
		wantErr  string
	}{
		{name: "unset", env: map[string]string{}},
		{name: "disabled", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318", "OTEL_SDK_DISABLED": "true"}},
		{name: "base endpoint", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318/"},
			on: true, endpoint: "http://otel:4318/v1/traces"},
		{name: "traces endpoint wins", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://traces.example/ingest"}, on: true, endpoint: "https://traces.example/ingest"},
		{name: "headers and sampler", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
			"OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=s%3Dcret,tenant=acme", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
			"OTEL_TRACES_SAMPLER_ARG": "0.25"}, on: true, endpoint: "http://otel:4318/v1/traces"},
		{name: "grpc", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			wantErr: "http/protobuf only"},
		{name: "not a URL", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "otel:4318"}, wantErr: "not an http(s) URL"},
		{name: "bad header", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
			"OTEL_EXPORTER_OTLP_HEADERS": "x-api-key"}, wantErr: "not key=value"},
		{name: "bad sampler", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
			"OTEL_TRACES_SAMPLER": "sometimes"}, wantErr: "OTEL_TRACES_SAMPLER=sometimes"},
		{name: "bad ratio", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
			"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}, wantErr: "between 0 and 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, endpoint, stop, err := newTracing(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != 2 {
					t.Fatalf("err = %v; want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = stop(t.Context()) }()
			if (tp != nil) != tt.on || endpoint != tt.endpoint {
				t.Fatalf("on = %v, endpoint %q; want %v, %q", tp != nil, endpoint, tt.on, tt.endpoint)
			}
		})
	}
}
