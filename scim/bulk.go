package scim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// bulkSupported reports whether /Bulk is served; it is advertised in
// ServiceProviderConfig.
func (h *Handler) bulkSupported() bool { return true }

type bulkRequest struct {
	Schemas      []string        `json:"schemas"`
	FailOnErrors int             `json:"failOnErrors"`
	Operations   []bulkOperation `json:"Operations"`
}

type bulkOperation struct {
	Method  string          `json:"method"`
	BulkID  string          `json:"bulkId"`
	Version string          `json:"version"`
	Path    string          `json:"path"`
	Data    json.RawMessage `json:"data"`
}

type bulkResult struct {
	Method   string `json:"method"`
	BulkID   string `json:"bulkId,omitempty"`
	Version  string `json:"version,omitempty"`
	Location string `json:"location,omitempty"`
	Status   string `json:"status"`
	Response any    `json:"response,omitempty"`
}

var bulkRef = regexp.MustCompile(`bulkId:([A-Za-z0-9._~-]+)`)

// bulk runs RFC 7644 §3.7 bulk requests. Each operation runs through the
// same handler as its single-resource request, so it is atomic on its own
// and audited the same way; "bulkId:x" references (in paths and data) are
// resolved to the ids of resources created earlier in the request, in as
// many passes as the dependencies need.
func (h *Handler) bulk(c echo.Context) error {
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	if len(raw) > maxBulkPayload {
		return &Error{Status: http.StatusRequestEntityTooLarge, Detail: "bulk requests may carry at most " + strconv.Itoa(maxBulkPayload) + " bytes"}
	}
	var req bulkRequest
	if err := json.Unmarshal(raw, &req); err != nil || !containsFold(req.Schemas, schemas.BulkRequestURN) {
		return badRequest(typeInvalidSyntax, "the body must be a %s with Operations", schemas.BulkRequestURN)
	}
	if len(req.Operations) > maxBulkOperations {
		return &Error{Status: http.StatusRequestEntityTooLarge, Detail: "bulk requests may carry at most " + strconv.Itoa(maxBulkOperations) + " operations"}
	}
	// The request itself paid for one operation at the door.
	if err := h.chargeExtra(c, len(req.Operations)-1); err != nil {
		return err
	}
	run := &bulkRun{h: h, c: c, req: req, ids: map[string]string{}, results: make([]*bulkResult, len(req.Operations))}
	run.execute()
	out := make([]bulkResult, 0, len(run.results))
	for _, r := range run.results {
		if r != nil {
			out = append(out, *r)
		}
	}
	return writeJSON(c, http.StatusOK, document{"schemas": []string{schemas.BulkResponseURN}, "Operations": out})
}

type bulkRun struct {
	h       *Handler
	c       echo.Context
	req     bulkRequest
	ids     map[string]string // bulkId → created id
	failed  map[string]bool
	results []*bulkResult
	errors  int
}

func (r *bulkRun) execute() {
	r.failed = map[string]bool{}
	pending := make([]int, len(r.req.Operations))
	for i := range pending {
		pending[i] = i
	}
	for len(pending) > 0 && !r.stopped() {
		var next []int
		for _, i := range pending {
			if r.stopped() {
				return
			}
			switch r.readiness(r.req.Operations[i]) {
			case waiting:
				next = append(next, i)
			case blocked:
				r.fail(i, &Error{Status: http.StatusConflict, Detail: "the operation refers to a bulkId whose operation failed or does not exist"})
			default:
				r.run(i)
			}
		}
		if len(next) == len(pending) { // no progress: circular references
			for _, i := range next {
				r.fail(i, &Error{Status: http.StatusConflict, Detail: "circular bulkId references cannot be resolved"})
			}
			return
		}
		pending = next
	}
}

// stopped reports whether failOnErrors has been reached.
func (r *bulkRun) stopped() bool { return r.req.FailOnErrors > 0 && r.errors >= r.req.FailOnErrors }

type readiness int

const (
	ready readiness = iota
	waiting
	blocked
)

func (r *bulkRun) readiness(op bulkOperation) readiness {
	for _, m := range bulkRef.FindAllStringSubmatch(op.Path+string(op.Data), -1) {
		ref := m[1]
		switch {
		case r.ids[ref] != "":
		case r.failed[ref] || !r.declared(ref):
			return blocked
		default:
			return waiting
		}
	}
	return ready
}

func (r *bulkRun) declared(bulkID string) bool {
	for _, op := range r.req.Operations {
		if op.BulkID == bulkID && strings.EqualFold(op.Method, http.MethodPost) {
			return true
		}
	}
	return false
}

func (r *bulkRun) resolve(s string) string {
	return bulkRef.ReplaceAllStringFunc(s, func(m string) string { return r.ids[strings.TrimPrefix(m, "bulkId:")] })
}

func (r *bulkRun) fail(i int, e *Error) {
	op := r.req.Operations[i]
	r.errors++
	if op.BulkID != "" {
		r.failed[op.BulkID] = true
	}
	r.results[i] = &bulkResult{Method: strings.ToUpper(op.Method), BulkID: op.BulkID, Status: strconv.Itoa(e.Status), Response: errorBody(e)}
}

// run executes one operation through its single-resource handler.
func (r *bulkRun) run(i int) {
	op := r.req.Operations[i]
	method := strings.ToUpper(op.Method)
	path := r.resolve(op.Path)
	target, ok := r.h.bulkRoute(method, path)
	if !ok {
		r.fail(i, badRequest(typeInvalidValue, "unsupported bulk operation %s %s", method, op.Path))
		return
	}
	if method == http.MethodPost && op.BulkID == "" {
		r.fail(i, badRequest(typeInvalidValue, "POST operations need a bulkId"))
		return
	}
	sub, err := http.NewRequestWithContext(r.c.Request().Context(), method, Prefix+path, bytes.NewReader([]byte(r.resolve(string(op.Data)))))
	if err != nil {
		r.fail(i, badRequest(typeInvalidValue, "invalid path %q", op.Path))
		return
	}
	if op.Version != "" {
		sub.Header.Set("If-Match", op.Version)
	}
	rec := httptest.NewRecorder()
	sc := r.c.Echo().NewContext(sub, rec)
	if target.id != "" {
		sc.SetParamNames("id")
		sc.SetParamValues(target.id)
	}
	_ = r.h.handle(target.handle)(sc) // errors are rendered into rec
	r.h.metrics.countOne(target.op, rec.Code, r.c.Request().UserAgent())
	r.record(i, op, method, rec)
}

func (r *bulkRun) record(i int, op bulkOperation, method string, rec *httptest.ResponseRecorder) {
	res := &bulkResult{Method: method, BulkID: op.BulkID, Status: strconv.Itoa(rec.Code), Version: rec.Header().Get("ETag")}
	var body document
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code >= 400 {
		r.errors++
		if op.BulkID != "" {
			r.failed[op.BulkID] = true
		}
		res.Response = body
	} else if m, ok := body["meta"].(map[string]any); ok {
		res.Location, _ = m["location"].(string)
		if method == http.MethodPost {
			r.ids[op.BulkID], _ = body["id"].(string)
		}
	} else {
		// 204 answers (DELETE, group PATCH) carry no body; the result
		// still names the resource (RFC 7644 §3.7.3).
		res.Location = r.h.base + "/" + strings.Trim(r.resolve(op.Path), "/")
	}
	r.results[i] = res
}

// bulkTarget is what a bulk operation runs: the single-resource
// handler, the resource id (none for a create), and the operation the
// metrics count it as.
type bulkTarget struct {
	handle func(echo.Context) error
	id     string
	op     operation
}

// bulkRoute maps a bulk operation to its target.
func (h *Handler) bulkRoute(method, path string) (bulkTarget, bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	handlers := map[string]map[string]func(echo.Context) error{
		"Users":  {http.MethodPost: h.createUser, http.MethodPut: h.replaceUser, http.MethodPatch: h.patchUser, http.MethodDelete: h.deleteUser},
		"Groups": {http.MethodPost: h.createGroup, http.MethodPut: h.replaceGroup, http.MethodPatch: h.patchGroup, http.MethodDelete: h.deleteGroup},
	}
	byMethod, ok := handlers[parts[0]]
	if !ok {
		return bulkTarget{}, false
	}
	switch {
	case len(parts) == 1 && method == http.MethodPost:
		return bulkTarget{handle: byMethod[method], op: operations[method+" /"+parts[0]]}, true
	case len(parts) == 2 && method != http.MethodPost && byMethod[method] != nil && parts[1] != "":
		return bulkTarget{handle: byMethod[method], id: parts[1], op: operations[method+" /"+parts[0]+"/:id"]}, true
	}
	return bulkTarget{}, false
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
