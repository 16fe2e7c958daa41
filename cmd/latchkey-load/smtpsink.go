package main

import (
	"errors"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// smtpSink is the "local test server" the invitation target speaks of: a
// plain SMTP server on 127.0.0.1 (no TLS, no AUTH, like a local relay)
// that accepts every message, discards it, and remembers only who got it
// and when, so the tool can tell the drain rate and catch a duplicate.
// mailer/mailtest does the same for tests but needs a testing.TB.
type smtpSink struct {
	srv  *smtp.Server
	addr string

	mu       sync.Mutex
	total    int            // messages accepted
	perRcpt  map[string]int // messages per envelope recipient
	perSec   map[int64]int  // messages per second, by Unix second
	first    time.Time      // first message accepted
	last     time.Time      // last message accepted
	bytes    int64
	conns    int
	changed  chan struct{} // closed and replaced on every message
	rejected int           // sessions that sent DATA without a recipient
}

func startSMTPSink() (*smtpSink, error) {
	s := &smtpSink{perRcpt: map[string]int{}, perSec: map[int64]int{}, changed: make(chan struct{})}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 10
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(sinkListener{ln, s}) }()
	return s, nil
}

// url is the LATCHKEY_SMTP_URL of the sink plus the pool options.
func (s *smtpSink) url(query string) string {
	u := "smtp://" + s.addr
	if query != "" {
		u += "?" + query
	}
	return u
}

func (s *smtpSink) close() { _ = s.srv.Close() }

// sinkStats is what the sink saw so far.
type sinkStats struct {
	Total, Distinct, Duplicates, Connections int
	Bytes                                    int64
	First, Last                              time.Time
}

func (s *smtpSink) stats() sinkStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := sinkStats{Total: s.total, Distinct: len(s.perRcpt), Connections: s.conns, Bytes: s.bytes, First: s.first, Last: s.last}
	for _, n := range s.perRcpt {
		st.Duplicates += n - 1
	}
	return st
}

// waitChange returns a channel closed when the next message arrives.
func (s *smtpSink) waitChange() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// secondCounts are messages per whole second from the first message's
// second to the last one's, zeros included: the rate over time.
func (s *smtpSink) secondCounts() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total == 0 {
		return nil
	}
	from, to := s.first.Unix(), s.last.Unix()
	out := make([]int, 0, to-from+1)
	for sec := from; sec <= to; sec++ {
		out = append(out, s.perSec[sec])
	}
	return out
}

// duplicated lists up to n recipients that got more than one message.
func (s *smtpSink) duplicated(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for r, c := range s.perRcpt {
		if c > 1 {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func (s *smtpSink) record(rcpts []string, size int64) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total == 0 {
		s.first = now
	}
	s.last = now
	s.total++
	s.bytes += size
	s.perSec[now.Unix()]++
	for _, r := range rcpts {
		s.perRcpt[strings.ToLower(r)]++
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// NewSession implements smtp.Backend.
func (s *smtpSink) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &sinkSession{sink: s}, nil
}

type sinkListener struct {
	net.Listener
	s *smtpSink
}

func (l sinkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.mu.Lock()
		l.s.conns++
		l.s.mu.Unlock()
	}
	return c, err
}

type sinkSession struct {
	sink  *smtpSink
	rcpts []string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

var errNoRecipient = errors.New("no recipient")

// Data reads the message to the end (the client waits for the reply
// after the final dot) and throws it away.
func (ss *sinkSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	if len(ss.rcpts) == 0 {
		ss.sink.mu.Lock()
		ss.sink.rejected++
		ss.sink.mu.Unlock()
		return errNoRecipient
	}
	ss.sink.record(ss.rcpts, n)
	ss.rcpts = ss.rcpts[:0]
	return nil
}

func (ss *sinkSession) Reset()        { ss.rcpts = ss.rcpts[:0] }
func (ss *sinkSession) Logout() error { return nil }
