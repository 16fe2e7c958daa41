package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// The traffic mixes replay what an identity provider does during a
// provisioning cycle, one operation per step, each shaped as that
// provider sends it (../shared/research/idp-clients.md):
//
//	entra  40 % filter-then-create: GET /Users?filter=userName eq "<new>"
//	          (expects totalResults 0), then POST with Entra's body (E-U1)
//	       30 % PATCH of an existing user, legacy dialect: "Replace",
//	          "active": "True" as a string (E-U10, E-U14)
//	       20 % group member Add, then Remove of the same member: PATCH
//	          /Groups/{id} with "$ref": null (E-G5, E-G6)
//	       10 % lookup of an existing user by userName or externalId (E-U4,
//	          E-U6)
//	okta   30 % filter-then-create: the filter with startIndex=1&count=100
//	          (O-P1), then POST with Okta's body (O-P2)
//	       30 % profile update: GET /Users/{id}, then PUT of everything read
//	          with a new title and a password (O-P6)
//	       15 % deactivate, and on the next sweep reactivate: path-less PATCH
//	          {"op":"replace","value":{"active":false}} (O-P7, O-P8)
//	       25 % group push: PATCH with the group's id and displayName, the
//	          removal of one member and the addition of another (O-G4, O-G5)
//	       and a full walk by startIndex/count=100 (its import, O-P4) at the
//	       first step and every 1,000th after, by one worker at a time
//
// Operations are picked by the step's number from a cycle of 20 that
// interleaves them by weight, so a run of N steps holds the same
// operations whatever the timing. Every request is timed and counted by
// its kind ("filter miss", "create", "patch", ...), and each operation
// is timed whole ("filter-then-create" is the pair).

const (
	mixCycle     = 20
	mixWalkEvery = 1000
	mixWalkCount = 100
)

// mixOp is one kind of operation and its share of a cycle.
type mixOp struct {
	name   string
	weight int // steps out of mixCycle
	run    func(m *mix, ctx context.Context, k int64, rng *rand.Rand) []part
}

func mixOps(name string) []mixOp {
	if name == "okta" {
		return []mixOp{
			{"filter-then-create", 6, (*mix).oktaCreate},
			{"update (GET, PUT)", 6, (*mix).oktaUpdate},
			{"deactivate or reactivate", 3, (*mix).oktaActive},
			{"group push", 5, (*mix).oktaMembers},
		}
	}
	return []mixOp{
		{"filter-then-create", 8, (*mix).entraCreate},
		{"patch user", 6, (*mix).entraPatch},
		{"group members", 4, (*mix).entraMembers},
		{"lookup", 2, (*mix).entraLookup},
	}
}

// opCycle spreads the operations over a cycle by smooth weighted round
// robin: each op appears weight times, as evenly spaced as they go.
func opCycle(ops []mixOp) []int {
	total := 0
	for _, op := range ops {
		total += op.weight
	}
	current := make([]int, len(ops))
	cycle := make([]int, 0, total)
	for range total {
		best := 0
		for i, op := range ops {
			current[i] += op.weight
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		cycle = append(cycle, best)
	}
	return cycle
}

// mix is a prepared traffic mix: the users and groups it works on and
// how many of each operation have started (pairs and sweeps follow it).
type mix struct {
	env       scenarioEnv
	agent     string
	tag       string // makes created userNames unique to the run and phase
	ids       []string
	groups    []seededGroup
	ops       []mixOp
	cycle     []int
	started   []atomic.Int64
	walkEvery int64
	walking   atomic.Bool
}

func (e scenarioEnv) newMix(ctx context.Context, name, agent string) (*mix, error) {
	sample, err := e.sampleUserIDs(ctx)
	if err != nil {
		return nil, err
	}
	ids := distinct(sample)
	if len(ids) < 2 {
		return nil, fmt.Errorf("%s: the mix needs at least 2 seeded users (got %d)", agent, len(ids))
	}
	groups, err := e.groupIDs(ctx)
	if err != nil {
		return nil, err
	}
	m := &mix{env: e, agent: agent, tag: e.runID + "-" + agent, ids: ids, groups: groups, ops: mixOps(name)}
	m.cycle = opCycle(m.ops)
	m.started = make([]atomic.Int64, len(m.ops))
	if name == "okta" {
		m.walkEvery = mixWalkEvery
	}
	return m, nil
}

func distinct(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := list[:0:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// step runs operation number seq.
func (m *mix) step(ctx context.Context, seq int64, rng *rand.Rand) outcome {
	if m.walkEvery > 0 && seq%m.walkEvery == 0 && m.walking.CompareAndSwap(false, true) {
		defer m.walking.Store(false)
		return operation("full walk", m.fullWalk(ctx))
	}
	i := m.cycle[seq%int64(len(m.cycle))]
	k := m.started[i].Add(1) - 1
	return operation(m.ops[i].name, m.ops[i].run(m, ctx, k, rng))
}

// operation sums an operation up: its first failed request, else its
// last.
func operation(name string, parts []part) outcome {
	out := outcome{op: name, parts: parts}
	for _, p := range parts {
		out.status, out.err = p.status, p.err
		out.wrong = out.wrong || p.wrong
		if !p.ok() {
			break
		}
	}
	return out
}

func (p part) ok() bool { return p.err == nil && p.status >= 200 && p.status < 300 }

// send times one request of kind; its User-Agent names the mix and the
// kind, so a server log can be read per kind.
func (m *mix) send(ctx context.Context, kind, method, path string, body []byte) (part, []byte) {
	t0 := time.Now()
	status, resp, err := m.env.t.do(ctx, m.agent+"/"+kind, method, path, body)
	return part{kind: kind, status: status, took: time.Since(t0), err: err}, resp
}

// filterMiss is an IdP's existence check before a create: a 200 that
// finds someone is wrong (the name is new).
func (m *mix) filterMiss(ctx context.Context, path string) part {
	p, body := m.send(ctx, "filter miss", http.MethodGet, path, nil)
	p.wrong = p.status == http.StatusOK && !bytes.Contains(body, []byte(`"totalResults":0`))
	return p
}

func (m *mix) createThen(ctx context.Context, filter string, body map[string]any) []part {
	miss := m.filterMiss(ctx, filter)
	if !miss.ok() || miss.wrong {
		return []part{miss} // a provider that finds the user updates it instead
	}
	raw, _ := json.Marshal(body)
	created, _ := m.send(ctx, "create", http.MethodPost, "/Users", raw)
	return []part{miss, created}
}

func (m *mix) entraCreate(ctx context.Context, k int64, _ *rand.Rand) []part {
	name := createdUserName(m.tag, k)
	return m.createThen(ctx, filterPath("Users", "userName", name),
		entraCreateBody(name, fmt.Sprintf("%s-%08d", m.tag, k), k))
}

func (m *mix) entraPatch(ctx context.Context, k int64, rng *rand.Rand) []part {
	_, family := personName(rng.IntN(1000))
	p, _ := m.send(ctx, "patch", http.MethodPatch, "/Users/"+m.ids[rng.IntN(len(m.ids))], entraPatchBody(k, family))
	return []part{p}
}

// entraMembers adds a member, and the next time removes it again.
func (m *mix) entraMembers(ctx context.Context, k int64, _ *rand.Rand) []part {
	op := "Add"
	if k%2 == 1 {
		op = "Remove"
	}
	g := m.groups[(k/2)%int64(len(m.groups))]
	p, _ := m.send(ctx, "members", http.MethodPatch, "/Groups/"+g.id, entraMemberBody(op, m.ids[(k/2)%int64(len(m.ids))]))
	return []part{p}
}

// entraLookup finds a seeded user by userName, or by externalId (Entra's
// default matching attribute), in turn.
func (m *mix) entraLookup(ctx context.Context, k int64, rng *rand.Rand) []part {
	i := rng.IntN(max(m.env.users, 1))
	path := filterPath("Users", "userName", seedUserName(i))
	if k%2 == 1 {
		path = filterPath("Users", "externalId", seedExternalID(i))
	}
	p, body := m.send(ctx, "lookup", http.MethodGet, path, nil)
	p.wrong = p.status == http.StatusOK && !bytes.Contains(body, []byte(`"totalResults":1`))
	return []part{p}
}

func (m *mix) oktaCreate(ctx context.Context, k int64, _ *rand.Rand) []part {
	name := createdUserName(m.tag, k)
	return m.createThen(ctx, filterPath("Users", "userName", name)+"&startIndex=1&count=100",
		oktaCreateBody(name, fmt.Sprintf("00u%s%08d", m.tag, k), k))
}

// The Okta mix updates the first half of its users and deactivates the
// second: a PUT sends back the "active" it read, so on one user the two
// would undo each other.
func (m *mix) updatePool() []string     { return m.ids[:len(m.ids)/2] }
func (m *mix) activationPool() []string { return m.ids[len(m.ids)/2:] }

// oktaUpdate reads a user and PUTs back all of it with a new title and
// a password, as Okta does.
func (m *mix) oktaUpdate(ctx context.Context, k int64, rng *rand.Rand) []part {
	pool := m.updatePool()
	path := "/Users/" + pool[rng.IntN(len(pool))]
	got, body := m.send(ctx, "get", http.MethodGet, path, nil)
	if !got.ok() {
		return []part{got}
	}
	var user map[string]any
	if err := json.Unmarshal(body, &user); err != nil {
		got.err = fmt.Errorf("GET %s: %w", path, err)
		return []part{got}
	}
	user["title"] = "Okta title " + strconv.FormatInt(k, 10)
	user["password"] = "1mz050nq"
	raw, _ := json.Marshal(user)
	put, _ := m.send(ctx, "put", http.MethodPut, path, raw)
	return []part{got, put}
}

// oktaActive sweeps the activation pool: the first pass deactivates each
// user, the next reactivates them, and so on.
func (m *mix) oktaActive(ctx context.Context, k int64, _ *rand.Rand) []part {
	pool := m.activationPool()
	active := (k/int64(len(pool)))%2 == 1
	kind := "deactivate"
	if active {
		kind = "reactivate"
	}
	body, _ := json.Marshal(map[string]any{"schemas": []any{patchOpURN},
		"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": active}}}})
	p, _ := m.send(ctx, kind, http.MethodPatch, "/Users/"+pool[k%int64(len(pool))], body)
	return []part{p}
}

// oktaMembers pushes a group as Okta does: its id and name again, one
// member out and another in.
func (m *mix) oktaMembers(ctx context.Context, k int64, _ *rand.Rand) []part {
	g := m.groups[k%int64(len(m.groups))]
	out, in := m.ids[(2*k)%int64(len(m.ids))], m.ids[(2*k+1)%int64(len(m.ids))]
	body, _ := json.Marshal(map[string]any{"schemas": []any{patchOpURN}, "Operations": []any{
		map[string]any{"op": "replace", "value": map[string]any{"id": g.id, "displayName": g.name}},
		map[string]any{"op": "remove", "path": fmt.Sprintf("members[value eq %q]", out)},
		map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": in, "display": in}}},
	}})
	p, _ := m.send(ctx, "members", http.MethodPatch, "/Groups/"+g.id, body)
	return []part{p}
}

// fullWalk reads every user by startIndex/count=100, as Okta's import
// does, until the last page or the phase's end.
func (m *mix) fullWalk(ctx context.Context) []part {
	var parts []part
	end := stopAt(ctx)
	for start := 1; ctx.Err() == nil && (end.IsZero() || time.Now().Before(end)); {
		p, body := m.send(ctx, "walk page", http.MethodGet,
			"/Users?startIndex="+strconv.Itoa(start)+"&count="+strconv.Itoa(mixWalkCount), nil)
		var page listResponse
		if p.ok() {
			if err := json.Unmarshal(body, &page); err != nil {
				p.err = err
			}
		}
		parts = append(parts, p)
		if !p.ok() || len(page.Resources) == 0 {
			break
		}
		start += len(page.Resources)
		if int64(start) > page.TotalResults {
			break
		}
	}
	return parts
}
