package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A scenario prepares (finds ids it needs, untimed, under the "setup"
// agent) and returns the step that the load driver repeats.
type step func(ctx context.Context, seq int64, rng *rand.Rand) outcome

// outcome is one request's result. wrong marks a 2xx answer with the
// wrong content (a lookup of an existing user that found nobody). A
// mix's step is one operation of several requests: op names it and
// parts lists its requests; status and err are then its first failure
// or its last answer.
type outcome struct {
	status int
	err    error
	wrong  bool
	op     string
	parts  []part
}

// part is one HTTP request of a mix's operation.
type part struct {
	kind   string
	status int
	took   time.Duration
	err    error
	wrong  bool
}

// scenarioEnv is what scenarios know about the population.
type scenarioEnv struct {
	t      *target
	users  int    // seeded users: user0000000 .. user(N-1)
	runID  string // makes created names unique across runs
	sample int    // how many user ids patch and members pick from
}

const setupAgent = "setup"

var scenarioNames = []string{"lookup-username", "lookup-externalid", "create", "patch", "members", "walk", "walk-cursor", "entra", "okta"}

func isWalk(name string) bool { return name == "walk" || name == "walk-cursor" }

// isMix tells the identity providers' traffic mixes (mix.go) from the
// single-request scenarios.
func isMix(name string) bool { return name == "entra" || name == "okta" }

// needsPopulation: these scenarios pick existing users, so they need to
// know how many were seeded.
func needsPopulation(name string) bool {
	return strings.HasPrefix(name, "lookup") || name == "patch" || name == "members" || isMix(name)
}

// prepare returns scenario name's step; its requests carry agent in the
// User-Agent so the server's log records can be told apart.
func (e scenarioEnv) prepare(ctx context.Context, name, agent string) (step, error) {
	switch name {
	case "lookup-username":
		return e.lookup(agent, "userName", seedUserName), nil
	case "lookup-externalid":
		return e.lookup(agent, "externalId", seedExternalID), nil
	case "create":
		return e.create(agent), nil
	case "entra", "okta":
		m, err := e.newMix(ctx, name, agent)
		if err != nil {
			return nil, err
		}
		return m.step, nil
	case "patch":
		ids, err := e.sampleUserIDs(ctx)
		if err != nil {
			return nil, err
		}
		return e.patch(agent, ids), nil
	case "members":
		ids, err := e.sampleUserIDs(ctx)
		if err != nil {
			return nil, err
		}
		groups, err := e.groupIDs(ctx)
		if err != nil {
			return nil, err
		}
		return e.members(agent, groups, ids), nil
	}
	return nil, fmt.Errorf("unknown scenario %q (want one of %s)", name, strings.Join(scenarioNames, ", "))
}

// lookup finds a random seeded user by one attribute; a 200 that does not
// find exactly one user counts as wrong.
func (e scenarioEnv) lookup(agent, attr string, value func(int) string) step {
	return func(ctx context.Context, _ int64, rng *rand.Rand) outcome {
		status, body, err := e.t.do(ctx, agent, http.MethodGet, filterPath("Users", attr, value(rng.IntN(e.users))), nil)
		return outcome{status: status, err: err, wrong: status == http.StatusOK && !bytes.Contains(body, []byte(`"totalResults":1`))}
	}
}

// create alternates Entra's (E-U1) and Okta's (O-P2) create bodies, each
// with a userName no run has used.
func (e scenarioEnv) create(agent string) step {
	return func(ctx context.Context, seq int64, _ *rand.Rand) outcome {
		body, _ := json.Marshal(createBody(e.runID, seq))
		status, _, err := e.t.do(ctx, agent, http.MethodPost, "/Users", body)
		return outcome{status: status, err: err}
	}
}

// createBody is Entra ID's create body for even seq, Okta's for odd.
func createBody(runID string, seq int64) map[string]any {
	name := createdUserName(runID, seq)
	if seq%2 == 0 {
		return entraCreateBody(name, fmt.Sprintf("%s-%08d-entra", runID, seq), seq)
	}
	return oktaCreateBody(name, fmt.Sprintf("00u%s%08d", runID, seq), seq)
}

// createdUserName is a userName no seeded user and no other run has.
func createdUserName(tag string, seq int64) string {
	return fmt.Sprintf("new-%s-%d@create.example", tag, seq)
}

// entraCreateBody is Entra ID's POST /Users (E-U1).
func entraCreateBody(name, externalID string, seq int64) map[string]any {
	given, family := personName(int(seq))
	return map[string]any{
		"schemas":    []any{coreUserURN, enterpriseURN},
		"externalId": externalID, "userName": name, "active": true,
		"emails":      []any{map[string]any{"primary": true, "type": "work", "value": name}},
		"meta":        map[string]any{"resourceType": "User"},
		"name":        map[string]any{"formatted": given + " " + family, "familyName": family, "givenName": given},
		"roles":       []any{},
		enterpriseURN: map[string]any{"department": fmt.Sprintf("Department %02d", seq%50)},
	}
}

// oktaCreateBody is Okta's POST /Users (O-P2): locale, groups, a
// generated password.
func oktaCreateBody(name, externalID string, seq int64) map[string]any {
	given, family := personName(int(seq))
	return map[string]any{
		"schemas": []any{coreUserURN}, "userName": name,
		"name":        map[string]any{"givenName": given, "familyName": family},
		"emails":      []any{map[string]any{"primary": true, "value": name, "type": "work"}},
		"displayName": given + " " + family, "locale": "en-US",
		"externalId": externalID, "groups": []any{}, "password": "1mz050nq", "active": true,
	}
}

// patch sends Entra's legacy dialect (capitalised ops, "True" as a
// string) to a random user; the title always changes, so it writes.
func (e scenarioEnv) patch(agent string, ids []string) step {
	return func(ctx context.Context, seq int64, rng *rand.Rand) outcome {
		_, family := personName(rng.IntN(1000))
		status, _, err := e.t.do(ctx, agent, http.MethodPatch, "/Users/"+ids[rng.IntN(len(ids))], entraPatchBody(seq, family))
		return outcome{status: status, err: err}
	}
}

// entraPatchBody is Entra ID's legacy PATCH (E-U10, E-U14): capitalised
// ops and "True" as a string.
func entraPatchBody(seq int64, family string) []byte {
	body, _ := json.Marshal(patchBody(
		map[string]any{"op": "Replace", "path": "title", "value": fmt.Sprintf("Title %d", seq)},
		map[string]any{"op": "Replace", "path": "name.familyName", "value": family},
		map[string]any{"op": "Replace", "path": "active", "value": "True"},
	))
	return body
}

// members adds and removes one member per request, Entra-style (E-G5,
// E-G6: "$ref": null, removal by value), on the seeded groups in turn.
func (e scenarioEnv) members(agent string, groups []seededGroup, ids []string) step {
	return func(ctx context.Context, seq int64, _ *rand.Rand) outcome {
		op := "Add"
		if seq%2 == 1 {
			op = "Remove"
		}
		user := ids[(seq/2)%int64(len(ids))]
		status, _, err := e.t.do(ctx, agent, http.MethodPatch, "/Groups/"+groups[(seq/2)%int64(len(groups))].id, entraMemberBody(op, user))
		return outcome{status: status, err: err}
	}
}

// entraMemberBody adds or removes one member as Entra ID does (E-G5,
// E-G6): "$ref": null, removal by value.
func entraMemberBody(op, user string) []byte {
	body, _ := json.Marshal(patchBody(map[string]any{
		"op": op, "path": "members", "value": []any{map[string]any{"$ref": nil, "value": user}},
	}))
	return body
}

func patchBody(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, op := range ops {
		list[i] = op
	}
	return map[string]any{"schemas": []any{patchOpURN}, "Operations": list}
}

// listResponse is the part of a ListResponse the scenarios read.
type listResponse struct {
	TotalResults int64  `json:"totalResults"`
	ItemsPerPage int    `json:"itemsPerPage"`
	StartIndex   int    `json:"startIndex"`
	NextCursor   string `json:"nextCursor"`
	Resources    []struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"Resources"`
}

func (e scenarioEnv) list(ctx context.Context, path string) (listResponse, error) {
	status, body, err := e.t.do(ctx, setupAgent, http.MethodGet, path, nil)
	if err != nil {
		return listResponse{}, err
	}
	if status != http.StatusOK {
		return listResponse{}, fmt.Errorf("GET %s: status %d: %s", path, status, truncate(body, 300))
	}
	var lr listResponse
	if err := json.Unmarshal(body, &lr); err != nil {
		return listResponse{}, fmt.Errorf("GET %s: %w", path, err)
	}
	return lr, nil
}

// sampleUserIDs looks up a bounded random sample of seeded users' ids.
func (e scenarioEnv) sampleUserIDs(ctx context.Context) ([]string, error) {
	n := min(e.sample, e.users)
	rng := rand.New(rand.NewPCG(uint64(e.users), 7))
	ids := make([]string, 0, n)
	for range n {
		lr, err := e.list(ctx, filterPath("Users", "userName", seedUserName(rng.IntN(e.users)))+"&attributes=id")
		if err != nil {
			return nil, err
		}
		if len(lr.Resources) != 1 {
			return nil, fmt.Errorf("seeded user not found; was the database seeded with --users %d?", e.users)
		}
		ids = append(ids, lr.Resources[0].ID)
	}
	return ids, nil
}

// seededGroup is a seeded group as the scenarios address it.
type seededGroup struct{ id, name string }

// groupIDs finds the seeded groups.
func (e scenarioEnv) groupIDs(ctx context.Context) ([]seededGroup, error) {
	path := "/Groups?excludedAttributes=members&count=100&filter=" + url.QueryEscape(fmt.Sprintf("displayName sw %q", groupPrefix))
	lr, err := e.list(ctx, path)
	if err != nil {
		return nil, err
	}
	ids := make([]seededGroup, 0, len(lr.Resources))
	for _, r := range lr.Resources {
		ids = append(ids, seededGroup{id: r.ID, name: r.DisplayName})
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no seeded groups (%s...); seed with --groups 1 or more", groupPrefix)
	}
	return ids, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
