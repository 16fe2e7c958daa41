package faultproxy

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// hangGuard bounds every blocking read so a broken proxy fails the test
// instead of hanging it. It is a safety net, not a latency assertion.
const hangGuard = 10 * time.Second

// startEchoServer runs a TCP echo server on loopback until the test ends.
// closed receives once per connection when its peer (the proxy) hangs up.
func startEchoServer(t *testing.T) (addr string, closed <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ended := make(chan struct{}, 64)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				_, _ = io.Copy(conn, conn)
				ended <- struct{}{}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String(), ended
}

// startProxy starts a proxy to target and closes it when the test ends.
func startProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := Start(target)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// dial connects to addr and closes the connection when the test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// roundTrip writes msg and reads the echo back.
func roundTrip(conn net.Conn, msg string) (string, error) {
	if err := conn.SetDeadline(time.Now().Add(hangGuard)); err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte(msg)); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	_, err := io.ReadFull(conn, buf)
	return string(buf), err
}

// assertWorks checks that conn forwards to the echo server.
func assertWorks(t *testing.T, conn net.Conn, msg string) {
	t.Helper()
	got, err := roundTrip(conn, msg)
	if err != nil || got != msg {
		t.Fatalf("round trip %q: got %q, err %v", msg, got, err)
	}
}

// assertBroken checks that conn fails promptly with an error rather than
// echoing or hanging until the guard deadline.
func assertBroken(t *testing.T, conn net.Conn) {
	t.Helper()
	_, err := roundTrip(conn, "ping")
	if err == nil {
		t.Fatal("round trip succeeded on a connection that should be broken")
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection hung instead of failing: %v", err)
	}
}

// assertRejected checks that a new connection to addr fails fast. The
// reset may already surface from connect or only on first use; both count.
func assertRejected(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, hangGuard)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("dial hung instead of failing: %v", err)
		}
		return
	}
	defer conn.Close()
	assertBroken(t, conn)
}

func TestForwarding(t *testing.T) {
	target, _ := startEchoServer(t)
	p := startProxy(t, target)

	a, b := dial(t, p.Addr()), dial(t, p.Addr())
	for _, msg := range []string{"hello", "second message", "x"} {
		assertWorks(t, a, "a:"+msg)
		assertWorks(t, b, "b:"+msg)
	}
}

func TestCutAndRestore(t *testing.T) {
	target, _ := startEchoServer(t)
	p := startProxy(t, target)

	open := dial(t, p.Addr())
	assertWorks(t, open, "before cut")

	p.Cut()
	p.Cut() // idempotent
	assertBroken(t, open)
	assertRejected(t, p.Addr())

	p.Restore()
	assertWorks(t, dial(t, p.Addr()), "after restore")
}

func TestClose(t *testing.T) {
	target, upstreamEnded := startEchoServer(t)
	p, err := Start(target)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	open := dial(t, p.Addr())
	assertWorks(t, open, "before close")

	// Close must return even though both sides of the pair are idle,
	// which means it tore down the forwarding goroutines itself.
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	<-upstreamEnded
	assertBroken(t, open)
	if conn, err := net.Dial("tcp", p.Addr()); err == nil {
		conn.Close()
		t.Error("proxy still accepts connections after Close")
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	target := ln.Addr().String()
	ln.Close() // nothing listens on target now

	p := startProxy(t, target)
	assertRejected(t, p.Addr())
}

func TestConcurrentUse(t *testing.T) {
	target, _ := startEchoServer(t)
	p := startProxy(t, target)

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", p.Addr())
			if err != nil {
				return
			}
			defer conn.Close()
			// Outcomes vary with the Cut/Restore interleaving; the point
			// is that the race detector sees the proxy's shared state.
			_, _ = roundTrip(conn, "concurrent")
			if i%2 == 0 {
				p.Cut()
			} else {
				p.Restore()
			}
		}()
	}
	wg.Wait()
	p.Restore()
	assertWorks(t, dial(t, p.Addr()), "after the storm")
}
