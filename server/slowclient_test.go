package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// cutOffBound is how long a slow client may stay connected before the
// test calls the timeouts broken: far past the configured ones, so a
// loaded machine does not fail the test.
const cutOffBound = 20 * time.Second

// TestSlowClientsAreCutOff: connections that send their headers a byte
// at a time, or their body a byte at a time, are closed by the server
// once the configured read timeouts pass, while another client's
// ordinary requests are answered all along.
func TestSlowClientsAreCutOff(t *testing.T) {
	s := newTestServer(t, Options{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond,
		WriteTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second})
	uploads := make(chan error, 1)
	s.Echo().POST("/upload", func(c echo.Context) error {
		_, err := io.Copy(io.Discard, c.Request().Body)
		uploads <- err
		if err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	ln := newNotifyListener(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	addr := ln.Addr().String()

	// Headers that never end, and a complete header announcing a body
	// that trickles in.
	closed := make(chan string, 4)
	for i := range 3 {
		go trickle(t, addr, "GET /healthz HTTP/1.1\r\nHost: latchkey\r\nX-Slow: ", "header "+string(rune('a'+i)), closed)
	}
	go trickle(t, addr, "POST /upload HTTP/1.1\r\nHost: latchkey\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n", "body", closed)

	client := &http.Client{Timeout: cutOffBound}
	answered := 0
	for waiting := 4; waiting > 0; {
		select {
		case who := <-closed:
			t.Logf("slow %s client cut off", who)
			waiting--
			continue
		default:
		}
		resp, err := client.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatalf("an ordinary request while slow clients hang: %v", err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("an ordinary request while slow clients hang: %d", resp.StatusCode)
		}
		answered++
		time.Sleep(20 * time.Millisecond)
	}
	if answered == 0 {
		t.Fatal("no ordinary request was made while the slow clients were connected")
	}
	select {
	case err := <-uploads:
		if err == nil {
			t.Fatal("the trickled body was read to its end; want the read cut off by the read timeout")
		}
	case <-time.After(cutOffBound):
		t.Fatal("the upload handler never returned")
	}
}

// trickle connects to addr, sends head, then one byte every 20ms until
// the server closes the connection, and reports who on closed. A
// connection still open after cutOffBound fails the test.
func trickle(t *testing.T, addr, head, who string, closed chan<- string) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Errorf("slow %s client: dial: %v", who, err)
		closed <- who
		return
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Errorf("slow %s client: %v", who, err)
		closed <- who
		return
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("a")); err != nil {
					return // the server closed the connection
				}
			}
		}
	}()
	// Whatever the server answers (nothing, or an error status for the
	// cut-off upload), the connection must end.
	_ = conn.SetReadDeadline(time.Now().Add(cutOffBound))
	_, err = io.Copy(io.Discard, conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("slow %s client still connected after %s", who, cutOffBound)
	}
	closed <- who
}
