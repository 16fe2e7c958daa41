package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// agentPrefix starts every User-Agent this tool sends; the rest names the
// scenario, which is how server log records are attributed.
const agentPrefix = "latchkey-load/"

// target is a SCIM endpoint on this machine and the token to call it.
type target struct {
	base   string // http://127.0.0.1:PORT/scim/v2
	token  string
	client *http.Client
}

// newTarget checks that baseURL is loopback and builds a client with
// enough kept-alive connections for conns concurrent workers.
func newTarget(baseURL, token string, conns int) (*target, error) {
	u, err := checkTargetURL(baseURL)
	if err != nil {
		return nil, err
	}
	base := u.String()
	if !strings.HasSuffix(base, "/scim/v2") {
		base += "/scim/v2"
	}
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	// 60 s is what Entra and Okta wait before giving up on a request.
	return &target{base: base, token: token, client: &http.Client{Transport: transport, Timeout: 60 * time.Second}}, nil
}

// do sends one request and reads the whole answer. path is relative to
// /scim/v2 and may carry a query.
func (t *target) do(ctx context.Context, agent, method, path string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+t.token)
	req.Header.Set("Accept", "application/scim+json")
	req.Header.Set("User-Agent", agentPrefix+agent)
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	res, err := t.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return res.StatusCode, nil, err
	}
	return res.StatusCode, data, nil
}

// filterPath is GET /Users?filter=<attr> eq "<value>", exactly as Entra
// ID sends its matching query (research/idp-clients.md E-U4, E-U6).
func filterPath(resource, attr, value string) string {
	return "/" + resource + "?filter=" + url.QueryEscape(fmt.Sprintf("%s eq %q", attr, value))
}

// marker sends one request whose log record tells the log reader that
// everything before it has been logged. Discovery needs no token.
func (t *target) marker(ctx context.Context, agent string) error {
	status, _, err := t.do(ctx, agent, http.MethodGet, "/ServiceProviderConfig", nil)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("marker request: status %d", status)
	}
	return err
}
