// Package faultproxy is a loopback TCP forwarder for fault-injection
// tests: point a client (e.g. the PostgreSQL pool) at a Proxy, then Cut it
// to simulate a network or database outage without mocks.
package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// acceptRetryDelay paces the accept loop after a transient error (such as
// running out of file descriptors) so it does not spin.
const acceptRetryDelay = 10 * time.Millisecond

// Proxy forwards every connection accepted on a loopback port to a target
// address. Its methods are safe for concurrent use.
type Proxy struct {
	target string
	ln     net.Listener
	// dialCtx is cancelled by Close so pending upstream dials stop.
	dialCtx    context.Context
	cancelDial context.CancelFunc
	wg         sync.WaitGroup

	mu     sync.Mutex
	cut    bool
	closed bool
	conns  map[net.Conn]struct{} // open client and upstream connections
}

// Start listens on 127.0.0.1:0 and forwards each accepted connection to
// target until Close.
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		target:     target,
		ln:         ln,
		dialCtx:    ctx,
		cancelDial: cancel,
		conns:      make(map[net.Conn]struct{}),
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr returns the proxy's listening address, "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut aborts every open connection and makes new ones fail fast: they are
// accepted and immediately reset, so clients see an error instead of
// hanging. Cut is idempotent.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	p.abortAllLocked()
}

// Restore makes the proxy forward new connections again. Connections
// broken by Cut stay broken.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

// Close stops the listener, aborts all connections and waits for every
// goroutine the proxy started. Calling Close again returns nil.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	err := p.ln.Close()
	p.cancelDial()
	p.abortAllLocked()
	p.mu.Unlock()

	p.wg.Wait()
	if err != nil {
		return fmt.Errorf("faultproxy: close: %w", err)
	}
	return nil
}

// acceptLoop hands each accepted connection to its own goroutine.
func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		conn, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			time.Sleep(acceptRetryDelay)
			continue
		}
		// Safe against Close's Wait: this goroutine still holds a count.
		p.wg.Add(1)
		go p.handle(conn)
	}
}

// handle forwards one client connection, or resets it while cut.
func (p *Proxy) handle(client net.Conn) {
	defer p.wg.Done()
	if !p.track(client) {
		abort(client)
		return
	}
	defer p.untrack(client)

	var d net.Dialer
	upstream, err := d.DialContext(p.dialCtx, "tcp", p.target)
	if err != nil {
		// Target down: the client sees the connection drop, as it would
		// if the server refused it.
		abort(client)
		return
	}
	if !p.track(upstream) {
		abort(upstream)
		abort(client)
		return
	}
	defer p.untrack(upstream)
	p.pipe(client, upstream)
}

// pipe copies in both directions until either side ends, then closes both
// so the opposite copy ends too.
func (p *Proxy) pipe(client, upstream net.Conn) {
	done := make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(done)
		_, _ = io.Copy(upstream, client)
		closeBoth(client, upstream)
	}()
	_, _ = io.Copy(client, upstream)
	closeBoth(client, upstream)
	<-done
}

// track registers conn so Cut and Close can abort it; it reports false if
// the proxy is cut or closed, in which case the caller must drop conn.
func (p *Proxy) track(conn net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut || p.closed {
		return false
	}
	p.conns[conn] = struct{}{}
	return true
}

// untrack forgets conn once its forwarding goroutine is done with it.
func (p *Proxy) untrack(conn net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, conn)
}

// abortAllLocked resets every tracked connection. p.mu must be held.
func (p *Proxy) abortAllLocked() {
	for conn := range p.conns {
		abort(conn)
		delete(p.conns, conn)
	}
}

// abort closes conn with a TCP reset rather than an orderly FIN, the
// closest loopback stand-in for a network failure.
func abort(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// closeBoth closes both ends of a forwarded pair; closing twice is harmless.
func closeBoth(a, b net.Conn) {
	_ = a.Close()
	_ = b.Close()
}
