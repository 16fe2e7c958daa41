package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"time"
)

// The server logs one JSON record per request ("msg":"http request") with
// the time spent inside the server (duration_ms). Those are the
// server-side latencies the targets speak of: they leave out the client,
// the loopback hop and Go's HTTP client, which on a 2-core machine shared
// with the load generator would otherwise dominate sub-millisecond reads.
// Each scenario sends its own User-Agent, so records are attributed by
// that rather than by time windows.

// accessRecord is the part of a server log record this tool reads.
type accessRecord struct {
	Msg        string  `json:"msg"`
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Route      string  `json:"route"`
	Status     int     `json:"status"`
	DurationMS float64 `json:"duration_ms"`
	UserAgent  string  `json:"user_agent"`
	Addr       string  `json:"addr"` // only on "latchkey listening"
}

func (r accessRecord) duration() time.Duration {
	return time.Duration(r.DurationMS * float64(time.Millisecond))
}

var (
	accessMsg = []byte(`"msg":"http request"`)
	listenMsg = []byte(`"msg":"latchkey listening"`)
)

// parseLogLine decodes a server record worth reading: an access record or
// the listening announcement. Anything else (startup chatter, text lines)
// is skipped cheaply, before JSON decoding.
func parseLogLine(line []byte) (accessRecord, bool) {
	if !bytes.Contains(line, accessMsg) && !bytes.Contains(line, listenMsg) {
		return accessRecord{}, false
	}
	var r accessRecord
	if err := json.Unmarshal(line, &r); err != nil {
		return accessRecord{}, false
	}
	return r, r.Msg == "http request" || r.Msg == "latchkey listening"
}

// agentLog is what the server logged for one User-Agent, in log order.
type agentLog struct {
	Durations []time.Duration
	Statuses  statusCounts
	Routes    map[string]int
}

// merge adds o's records to a.
func (a *agentLog) merge(o agentLog) {
	a.Durations = append(a.Durations, o.Durations...)
	a.Statuses.add(o.Statuses)
	for route, n := range o.Routes {
		a.Routes[route] += n
	}
}

// serverLog collects access records by User-Agent while the server runs.
type serverLog struct {
	mu       sync.Mutex
	agents   map[string]*agentLog
	listen   chan string
	markers  map[string]chan struct{}
	maxPerUA int
}

func newServerLog() *serverLog {
	return &serverLog{
		agents: map[string]*agentLog{}, listen: make(chan string, 1),
		markers: map[string]chan struct{}{}, maxPerUA: 5_000_000,
	}
}

// consume reads the server's log until EOF, copying every line to raw
// when raw is not nil.
func (l *serverLog) consume(r io.Reader, raw io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if raw != nil {
			_, _ = raw.Write(append(line, '\n'))
		}
		if rec, ok := parseLogLine(line); ok {
			l.add(rec)
		}
	}
}

func (l *serverLog) add(r accessRecord) {
	if r.Msg == "latchkey listening" {
		select {
		case l.listen <- r.Addr:
		default:
		}
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.markers[r.UserAgent]; ok {
		close(ch)
		delete(l.markers, r.UserAgent)
		return
	}
	a := l.agents[r.UserAgent]
	if a == nil {
		a = &agentLog{Statuses: statusCounts{}, Routes: map[string]int{}}
		l.agents[r.UserAgent] = a
	}
	if len(a.Durations) < l.maxPerUA { // bounded memory on very long runs
		a.Durations = append(a.Durations, r.duration())
	}
	a.Statuses[r.Status]++
	a.Routes[r.Method+" "+r.Route]++
}

// expectMarker returns a channel closed when a record with this
// User-Agent arrives. A request sent after a phase ends is logged after
// all of that phase's requests, so seeing it means the phase is complete.
func (l *serverLog) expectMarker(agent string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan struct{})
	l.markers[agent] = ch
	return ch
}

// take returns and forgets what was logged for agent.
func (l *serverLog) take(agent string) agentLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.agents[agent]
	delete(l.agents, agent)
	if a == nil {
		return agentLog{Statuses: statusCounts{}, Routes: map[string]int{}}
	}
	return *a
}
