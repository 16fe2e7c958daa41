package main

import (
	"strings"
	"testing"
	"time"
)

// A real record from `latchkey serve --log-format json`.
const sampleAccess = `{"time":"2026-11-26T17:40:01.123456Z","level":"INFO","msg":"http request","method":"GET","path":"/scim/v2/Users","route":"/scim/v2/Users","status":200,"duration_ms":1.234,"bytes_out":612,"remote_ip":"127.0.0.1","user_agent":"latchkey-load/lookup-username","request_id":"abc"}`

func TestParseLogLine(t *testing.T) {
	r, ok := parseLogLine([]byte(sampleAccess))
	if !ok {
		t.Fatal("access record not recognised")
	}
	if r.Route != "/scim/v2/Users" || r.Status != 200 || r.UserAgent != "latchkey-load/lookup-username" || r.Method != "GET" {
		t.Fatalf("parsed %+v", r)
	}
	if r.duration() != 1234*time.Microsecond {
		t.Fatalf("duration = %v; want 1.234ms", r.duration())
	}
	listen, ok := parseLogLine([]byte(`{"time":"x","level":"INFO","msg":"latchkey listening","addr":"127.0.0.1:40123","base_url":"http://127.0.0.1","database":"postgres"}`))
	if !ok || listen.Addr != "127.0.0.1:40123" {
		t.Fatalf("listening record: %+v %v", listen, ok)
	}
	for _, skip := range []string{
		`{"time":"x","level":"INFO","msg":"applied migration","version":1}`,
		`time=2026 level=INFO msg="http request" status=200`,
		`{"msg":"http request",`,
		``,
	} {
		if _, ok := parseLogLine([]byte(skip)); ok {
			t.Errorf("parsed %q", skip)
		}
	}
}

func TestServerLogByAgentAndMarkers(t *testing.T) {
	l := newServerLog()
	marker := l.expectMarker("latchkey-load/marker-1")
	lines := strings.Join([]string{
		sampleAccess,
		strings.Replace(sampleAccess, `"status":200`, `"status":500`, 1),
		strings.Replace(sampleAccess, "lookup-username", "create", 1),
		`not json at all`,
		strings.Replace(sampleAccess, "lookup-username", "marker-1", 1),
	}, "\n")
	var raw strings.Builder
	l.consume(strings.NewReader(lines), &raw)
	select {
	case <-marker:
	default:
		t.Fatal("marker not seen")
	}
	got := l.take("latchkey-load/lookup-username")
	if len(got.Durations) != 2 || got.Statuses[200] != 1 || got.Statuses[500] != 1 || got.Routes["GET /scim/v2/Users"] != 2 {
		t.Fatalf("lookup log = %+v", got)
	}
	if again := l.take("latchkey-load/lookup-username"); len(again.Durations) != 0 {
		t.Fatal("take did not forget")
	}
	if c := l.take("latchkey-load/create"); len(c.Durations) != 1 {
		t.Fatalf("create log = %+v", c)
	}
	if m := l.take("latchkey-load/marker-1"); len(m.Durations) != 0 {
		t.Fatal("the marker was counted as load")
	}
	if strings.Count(raw.String(), "\n") != 5 {
		t.Fatalf("raw copy has %d lines", strings.Count(raw.String(), "\n"))
	}
}
