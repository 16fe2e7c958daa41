package main

import (
	"context"
	"fmt"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// OpenTelemetry's standard environment variables that `serve` reads.
// Setting either endpoint turns tracing on; without them nothing is set
// up and requests pay nothing.
const (
	envOTLPEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"        // base URL; traces go to <base>/v1/traces
	envOTLPTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" // full URL of the traces endpoint
	envOTLPHeaders        = "OTEL_EXPORTER_OTLP_HEADERS"         // key=value,... (e.g. an API key)
	envOTLPTracesHeaders  = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
	envOTLPProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL" // only http/protobuf
	envOTLPTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envServiceName        = "OTEL_SERVICE_NAME" // default "latchkey"
	envSampler            = "OTEL_TRACES_SAMPLER"
	envSamplerArg         = "OTEL_TRACES_SAMPLER_ARG"
	envSDKDisabled        = "OTEL_SDK_DISABLED"
)

// newTracing sets up OTLP/HTTP trace export when the environment asks for
// it. It returns a nil provider and a no-op shutdown when it does not.
// The variables are read through getenv, like every other setting; the
// shutdown flushes the spans still buffered.
func newTracing(getenv func(string) string) (trace.TracerProvider, string, func(context.Context) error, error) {
	off := func(context.Context) error { return nil }
	endpoint := tracesEndpoint(getenv)
	if endpoint == "" || strings.EqualFold(getenv(envSDKDisabled), "true") {
		return nil, "", off, nil
	}
	// The exporter would fall back to localhost on a URL it cannot parse.
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", nil, usagef("%s: %q is not an http(s) URL", envOTLPEndpoint, endpoint)
	}
	if p := firstOf(getenv, envOTLPTracesProtocol, envOTLPProtocol); p != "" && p != "http/protobuf" {
		return nil, "", nil, usagef("%s=%s: latchkey exports traces over http/protobuf only (OTLP/HTTP, usually port 4318)", envOTLPProtocol, p)
	}
	headers, err := otlpHeaders(firstOf(getenv, envOTLPTracesHeaders, envOTLPHeaders))
	if err != nil {
		return nil, "", nil, err
	}
	sampler, err := traceSampler(getenv(envSampler), getenv(envSamplerArg))
	if err != nil {
		return nil, "", nil, err
	}
	// Explicit options win over the exporter's own reading of the
	// process environment.
	exporter, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(endpoint), otlptracehttp.WithHeaders(headers))
	if err != nil {
		return nil, "", nil, fmt.Errorf("tracing: %w", err)
	}
	name := getenv(envServiceName)
	if name == "" {
		name = "latchkey"
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithSampler(sampler),
		sdktrace.WithResource(resource.NewSchemaless(
			attribute.String("service.name", name),
			attribute.String("service.version", buildVersion()),
		)),
	)
	return tp, endpoint, tp.Shutdown, nil
}

// tracesEndpoint is the URL spans are posted to, or "" when tracing is
// off. A base endpoint gets the signal path appended, as the OTLP
// specification says; a traces endpoint is used as given.
func tracesEndpoint(getenv func(string) string) string {
	if u := getenv(envOTLPTracesEndpoint); u != "" {
		return u
	}
	if u := getenv(envOTLPEndpoint); u != "" {
		return strings.TrimSuffix(u, "/") + "/v1/traces"
	}
	return ""
}

func firstOf(getenv func(string) string, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
	}
	return ""
}

// otlpHeaders parses "key=value,key2=value2" with percent-encoded values.
func otlpHeaders(raw string) (map[string]string, error) {
	headers := map[string]string{}
	for pair := range strings.SplitSeq(raw, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		value, err := url.PathUnescape(strings.TrimSpace(v))
		if !ok || strings.TrimSpace(k) == "" || err != nil {
			// The value may be a secret: name only the key.
			return nil, usagef("%s: %q is not key=value", envOTLPHeaders, strings.TrimSpace(k))
		}
		headers[strings.TrimSpace(k)] = value
	}
	return headers, nil
}

// traceSampler is OTEL_TRACES_SAMPLER's sampler; the default samples
// every trace unless the caller's traceparent says not to.
func traceSampler(name, arg string) (sdktrace.Sampler, error) {
	ratio := func() (float64, error) {
		if arg == "" {
			return 1, nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return 0, usagef("%s=%s: want a ratio between 0 and 1", envSamplerArg, arg)
		}
		return r, nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio", "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		if name == "traceidratio" {
			return sdktrace.TraceIDRatioBased(r), nil
		}
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), nil
	}
	return nil, usagef("%s=%s: want always_on, always_off, traceidratio or their parentbased_ forms", envSampler, name)
}

// buildVersion is the module version the binary was built at, or "devel".
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}
