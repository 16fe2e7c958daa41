package admin

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/credential"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

// matrixCustomRole is a custom role unlike any built-in one.
const (
	matrixCustomRole   directory.Role = "matrix_custom"
	matrixSettingsRole directory.Role = "matrix_settings"
)

// dummyID is an id no object has.
const dummyID = "00000000-0000-7000-8000-000000000000"

// TestPermissionMatrix walks every route of the table with a token of
// each built-in role, of a custom role and with none. A route the role's
// permissions allow never answers 403; one they do not allow answers 403
// and changes nothing in the database; without a token every route but
// the public ones answers 401. Answers must match the OpenAPI document.
// It reads the table, so routes added later are walked without edits.
func TestPermissionMatrix(t *testing.T) {
	// No workers: jobs the allowed requests queue stay queued, so the
	// database changes only by the requests themselves.
	eachBackendWith(t, envOptions{noWorkers: true}, func(t *testing.T, e *adminEnv) {
		api := newContract(e)
		m := newMatrix(e)
		routes := e.handler.routes()
		for i, r := range routes {
			for _, role := range m.roles() {
				m.check(t, api, i, r, role)
			}
			m.checkAnonymous(t, api, r)
		}
		if len(routes) < 10 {
			t.Fatalf("only %d routes walked", len(routes))
		}
	})
}

// matrix holds the real objects path parameters point at.
type matrix struct {
	e *adminEnv
	// ids by the path segment before the parameter: /people/:id takes
	// ids["people"]. Admins and their tokens are each case's own caller.
	ids map[string]string
}

func newMatrix(e *adminEnv) *matrix {
	e.t.Helper()
	ctx := e.t.Context()
	custom := directory.AdminRole{OrgID: e.org.ID, Name: matrixCustomRole,
		Permissions: []directory.Permission{directory.PermReadPeople, directory.PermManageScimTokens, directory.PermReadAudit}}
	must(e.t, e.store.CreateRole(ctx, &custom))
	// Settings without accounts: may not write templates, which carry
	// claim links (routes with Also).
	settings := directory.AdminRole{OrgID: e.org.ID, Name: matrixSettingsRole,
		Permissions: []directory.Permission{directory.PermReadSettings, directory.PermManageSettings}}
	must(e.t, e.store.CreateRole(ctx, &settings))
	person := e.person("matrix.person", "matrix.person@acme.example", nil)
	scim := directory.ScimToken{OrgID: e.org.ID, Name: "matrix", Hash: "matrix-scim-hash"}
	must(e.t, e.store.CreateScimToken(ctx, &scim))
	return &matrix{e: e, ids: map[string]string{
		"people":      person.ID,
		"scim-tokens": scim.ID,
		// The custom role its callers have: deleting it is refused (409)
		// as long as they exist, so every case finds it.
		"roles": string(matrixCustomRole),
	}}
}

func (m *matrix) roles() []directory.Role {
	return append(slices.Clone(directory.Roles), matrixCustomRole, matrixSettingsRole)
}

// permissionsOf is what role grants, as the API resolves it.
func (m *matrix) permissionsOf(role directory.Role) []directory.Permission {
	perms, err := rolePermissions(m.e.t.Context(), m.e.store, m.e.org.ID, role)
	must(m.e.t, err)
	return perms
}

// matrixCaller is a fresh admin for one case, with the token the request
// uses and a spare one :tokenId points at (so rotating or revoking it
// leaves the request's token working).
type matrixCaller struct {
	id, token, spareToken string
}

func (m *matrix) caller(n int, role directory.Role) matrixCaller {
	m.e.t.Helper()
	ctx := m.e.t.Context()
	adm := directory.Admin{OrgID: m.e.org.ID, Email: fmt.Sprintf("case%d.%s@matrix.example", n, role), Role: role}
	must(m.e.t, m.e.store.CreateAdmin(ctx, &adm))
	var toks [2]directory.AdminToken
	var secret string
	for i := range toks {
		plain, hash, err := m.e.hasher.New(credential.KindAdmin)
		must(m.e.t, err)
		toks[i] = directory.AdminToken{OrgID: m.e.org.ID, AdminID: adm.ID, Name: "matrix", Hash: hash}
		must(m.e.t, m.e.store.CreateAdminToken(ctx, &toks[i]))
		if i == 0 {
			secret = plain
		}
	}
	return matrixCaller{id: adm.ID, token: secret, spareToken: toks[1].ID}
}

// path fills in r's parameters: real objects where the table's path
// names a kind the matrix has, the caller's own admin and spare token,
// and an id nothing has for anything else.
func (m *matrix) path(r route, who matrixCaller) string {
	parts := strings.Split(r.Path, "/")
	for i, part := range parts {
		if !strings.HasPrefix(part, ":") {
			continue
		}
		value, ok := m.ids[parts[i-1]]
		switch {
		case parts[i-1] == "admins":
			value = who.id
		case parts[i-1] == "tokens":
			value = who.spareToken
		case !ok:
			value = dummyID
		}
		parts[i] = value
	}
	return Prefix + strings.Join(parts, "/")
}

func (m *matrix) check(t *testing.T, api *contract, n int, r route, role directory.Role) {
	t.Helper()
	who := m.caller(n, role)
	allowed := r.Auth == authNone
	if !allowed {
		held := m.permissionsOf(role)
		allowed = !slices.ContainsFunc(r.permissions(), func(p directory.Permission) bool { return !slices.Contains(held, p) })
	}
	path := m.path(r, who)
	var body any
	if r.Body != nil {
		body = "{}"
	}
	before := fingerprint(t, m.e)
	resp := m.e.do(r.Method, path, who.token, body)
	name := fmt.Sprintf("%s %s as %s", r.Method, r.Path, role)
	switch {
	case allowed && resp.Status == http.StatusForbidden:
		t.Errorf("%s: allowed by the role (%q) but answered 403: %s", name, r.Permission, resp.Body)
	case !allowed && (resp.Status != http.StatusForbidden || resp.JSON()["code"] != "forbidden"):
		t.Errorf("%s: the role lacks %s but answered %d %s", name, r.Permission, resp.Status, resp.Body)
	case !allowed && fingerprint(t, m.e) != before:
		t.Errorf("%s: refused with 403, yet the database changed", name)
	}
	if resp.Status >= 500 {
		t.Errorf("%s: answered %d %s", name, resp.Status, resp.Body)
	}
	if err := api.check(r.Method, path, who.token, body, resp); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

func (m *matrix) checkAnonymous(t *testing.T, api *contract, r route) {
	t.Helper()
	path := m.path(r, matrixCaller{id: dummyID, spareToken: dummyID})
	var body any
	if r.Body != nil {
		body = "{}"
	}
	before := fingerprint(t, m.e)
	resp := m.e.do(r.Method, path, "", body)
	name := r.Method + " " + r.Path + " without a token"
	switch {
	case r.Auth == authNone && resp.Status == http.StatusUnauthorized:
		t.Errorf("%s: a public route answered 401", name)
	case r.Auth != authNone && resp.Status != http.StatusUnauthorized:
		t.Errorf("%s: answered %d %s; want 401", name, resp.Status, resp.Body)
	case r.Auth != authNone && fingerprint(t, m.e) != before:
		t.Errorf("%s: refused with 401, yet the database changed", name)
	}
	if err := api.check(r.Method, path, "", body, resp); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

// fingerprint hashes every row of every table of Latchkey's (not the job
// queue's, whose own bookkeeping runs on its own), leaving out when a
// token was last used: refused requests still prove who they are.
func fingerprint(t *testing.T, e *adminEnv) string {
	t.Helper()
	db := e.store.DB()
	h := sha256.New()
	for _, table := range tableNames(t, e) {
		rows, err := db.QueryContext(t.Context(), `SELECT * FROM "`+table+`"`)
		must(t, err)
		lines, err := rowLines(rows)
		must(t, err)
		slices.Sort(lines)
		fmt.Fprintf(h, "%s\n%s\n", table, strings.Join(lines, "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func tableNames(t *testing.T, e *adminEnv) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	if e.b.dialect == gormstore.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	rows, err := e.store.DB().QueryContext(t.Context(), q)
	must(t, err)
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		must(t, rows.Scan(&name))
		if !strings.HasPrefix(name, "river_") && name != "schema_migrations" {
			names = append(names, name)
		}
	}
	must(t, rows.Err())
	slices.Sort(names)
	return names
}

// rowLines renders each row as one line, skipping last_used_at columns.
func rowLines(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var lines []string
	for rows.Next() {
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		var b strings.Builder
		for i, v := range values {
			if cols[i] == "last_used_at" {
				continue
			}
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(&b, "%s=%v;", cols[i], v)
		}
		lines = append(lines, b.String())
	}
	return lines, rows.Err()
}

// TestFingerprintSeesChanges: the matrix's "changed nothing" has teeth:
// any written row changes the fingerprint, a token's last use does not.
func TestFingerprintSeesChanges(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *adminEnv) {
		token := e.token(e.org.ID, "root@acme.example", directory.RoleSystemAdmin)
		before := fingerprint(t, e)
		tok, err := e.store.AdminTokenByHash(t.Context(), e.hasher.Hash(token))
		must(t, err)
		must(t, e.store.TouchAdminToken(t.Context(), e.org.ID, tok.ID, time.Now()))
		if fingerprint(t, e) != before {
			t.Fatal("recording a token's use changed the fingerprint")
		}
		ev := directory.AuditEvent{OrgID: e.org.ID, ActorType: directory.ActorSystem, Action: "test.write"}
		must(t, e.store.AppendAudit(t.Context(), &ev))
		if fingerprint(t, e) == before {
			t.Fatal("an audit record did not change the fingerprint")
		}
	})
}
