package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// apiPrefix is the admin API's path; the console calls its routes in
// process.
const apiPrefix = "/admin/v1"

// apiError is an admin API answer other than success: its RFC 7807
// problem document.
type apiError struct {
	Status  int          `json:"status"`
	Code    string       `json:"code"`
	Title   string       `json:"title"`
	Detail  string       `json:"detail"`
	Errors  []fieldError `json:"errors"`
	Allowed []string     `json:"allowed"`
}

// fieldError is one field's problem.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("admin API %d %s: %s", e.Status, e.Code, e.Detail)
}

// fields are the problem's messages by field (nil when it names none).
func (e *apiError) fields() map[string]string {
	if len(e.Errors) == 0 {
		return nil
	}
	out := make(map[string]string, len(e.Errors))
	for _, f := range e.Errors {
		out[f.Field] = f.Message
	}
	return out
}

// call sends one request to the admin API as the signed-in admin: path
// is under /admin/v1 ("/people"), query its parameters, body (when not
// nil) is sent as JSON, and a JSON answer is decoded into reply (when not
// nil). Any answer but 2xx is an *apiError.
func (k *Console) call(c echo.Context, method, path string, query url.Values, body, reply any) error {
	return k.callAs(c.Request().Context(), signedIn(c), c.Request().RemoteAddr, method, path, query, body, reply)
}

// callAs is call for admin who, from the address remote, under ctx: it
// needs no echo.Context, so it may outlive the request (counts that keep
// running after the page went out).
func (k *Console) callAs(ctx context.Context, who admin, remote, method, path string, query url.Values, body, reply any) error {
	if method != http.MethodGet {
		defer k.forget(who.OrgID) // the People page's counts may have changed
	}
	// An empty body is http.NoBody, as the HTTP server gives handlers.
	var reader io.Reader = http.NoBody
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(raw)
	}
	target := apiPrefix + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = remote
	rec := &recorder{header: http.Header{}}
	k.api.ServeAs(rec, req, who.OrgID, who.ID)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status >= 300 {
		e := &apiError{Status: rec.status}
		if err := json.Unmarshal(rec.body.Bytes(), e); err != nil || e.Detail == "" {
			e.Detail = strings.TrimSpace(rec.body.String())
		}
		e.Status = rec.status
		return e
	}
	if reply == nil || rec.body.Len() == 0 {
		return nil
	}
	if err := json.Unmarshal(rec.body.Bytes(), reply); err != nil {
		return fmt.Errorf("console: decode %s %s: %w", method, path, err)
	}
	return nil
}

// stream sends a GET to the admin API as the signed-in admin and copies
// its answer, headers and all, to the browser: downloads are never held
// in memory.
func (k *Console) stream(c echo.Context, path string) error {
	req, err := http.NewRequestWithContext(c.Request().Context(), http.MethodGet, apiPrefix+path, nil)
	if err != nil {
		return err
	}
	req.RemoteAddr = c.Request().RemoteAddr
	who := signedIn(c)
	k.api.ServeAs(c.Response(), req, who.OrgID, who.ID)
	return nil
}

// recorder is an in-memory http.ResponseWriter for API answers (JSON,
// a few kilobytes).
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
