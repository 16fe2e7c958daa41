package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// exportSeedBatch is how many accounts one INSERT ... SELECT writes.
const exportSeedBatch = 100_000

// exportManagers is how many of the first accounts manage the others.
const exportManagers = 1000

// exportID is SQL for the id of account number n (an SQL expression):
// a UUID whose leading 48 bits grow with n, as the store's UUIDv7 ids
// grow with time, so id order is insertion order here as it is in a
// real table; claim links need ids that parse as UUIDs.
func exportID(n string) string {
	h := "lpad(to_hex(" + n + "), 12, '0')"
	r := "md5((" + n + ")::text)"
	return "substr(" + h + ", 1, 8) || '-' || substr(" + h + ", 9, 4) || '-7' || substr(" + r + ", 1, 3) || '-8' || substr(" + r + ", 4, 3) || '-' || substr(" + r + ", 7, 12)"
}

// exportSeedSQL writes accounts $2..$3 of organization $1 ($4 managers),
// generated in the database (a million rows in seconds, where the store
// would take minutes): every one invited with a link valid for 14 days;
// one in 20 without email, frontline, with a live access code; all but
// the managers with one of the first $4 accounts as manager. Keep the
// columns in step with migrations/postgres (gormstore's fromAccount).
var exportSeedSQL = `
INSERT INTO accounts (org_id, id, user_name, user_name_lower, display_name, display_name_lower,
  given_name, given_name_lower, family_name, family_name_lower, primary_email, primary_email_lower,
  active, state, auth_method, frontline, title, title_lower, department, department_lower,
  division, division_lower, employee_number, employee_number_lower, location, location_lower,
  manager_id, resource, version, created_at, updated_at, invited_at, invite_generation, invite_expires_at,
  access_code_hash, access_code_generation, access_code_expires_at)
SELECT $1, ` + exportID("i") + `, p.user_name, p.user_name, p.given || ' ' || p.family, lower(p.given || ' ' || p.family),
  p.given, lower(p.given), p.family, lower(p.family), p.email, p.email,
  true, 'invited', 'password', p.frontline, p.title, lower(p.title), 'Department ' || (i % 50), 'department ' || (i % 50),
  'Division ' || (i % 7), 'division ' || (i % 7), lpad(i::text, 7, '0'), lpad(i::text, 7, '0'),
  'Site ' || (i % 120), 'site ' || (i % 120),
  CASE WHEN i > $4::int THEN ` + exportID("1 + i % $4::int") + ` END,
  '{}', 1, now(), now(), now(), 1, now() + interval '14 days',
  CASE WHEN p.frontline THEN md5('code' || i) END, CASE WHEN p.frontline THEN 1 ELSE 0 END,
  CASE WHEN p.frontline THEN now() + interval '90 days' END
FROM generate_series($2::int, $3::int) AS i,
LATERAL (SELECT 'user' || lpad(i::text, 7, '0') || '@load.example' AS user_name,
  (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','Ken'])[1 + i % 8] AS given,
  (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Allen','Thompson'])[1 + (i / 8) % 8] AS family,
  (ARRAY['Engineer','Analyst','Manager','Designer','Cashier','Nurse','Driver','Technician'])[1 + i % 8] AS title,
  i % 20 = 0 AS frontline,
  CASE WHEN i % 20 = 0 THEN '' ELSE 'user' || lpad(i::text, 7, '0') || '@load.example' END AS email) AS p`

// exportEmailsSQL gives every account with an address its emails row, as
// the store does.
const exportEmailsSQL = `
INSERT INTO account_emails (org_id, account_id, position, type, value, value_lower, is_primary)
SELECT org_id, id, 0, 'work', primary_email, primary_email_lower, true FROM accounts
WHERE org_id = $1 AND primary_email <> ''`

// seedExportPeople writes n invited accounts in batches, then their
// emails, and vacuums, as a long-lived table would be.
func seedExportPeople(ctx context.Context, env *cli, pool *pgxpool.Pool, orgID string, n int) error {
	if exportManagers > n {
		return fmt.Errorf("--users must be at least %d (the managers)", exportManagers)
	}
	bar := startProgress(env.stderr, "seed invited accounts", int64(n))
	defer bar.finish()
	for from := 1; from <= n; from += exportSeedBatch {
		to := min(from+exportSeedBatch-1, n)
		if _, err := pool.Exec(ctx, exportSeedSQL, orgID, from, to, exportManagers); err != nil {
			return fmt.Errorf("seed accounts %d to %d: %w", from, to, err)
		}
		bar.add(int64(to - from + 1))
	}
	if _, err := pool.Exec(ctx, exportEmailsSQL, orgID); err != nil {
		return fmt.Errorf("seed emails: %w", err)
	}
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) accounts, account_emails"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}
