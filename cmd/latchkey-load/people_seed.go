package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The people target's population: a company of N with the shape real
// directories have. Departments, titles and locations are skewed (a few
// large, many small: Sales is about a fifth of everyone, Legal about
// 1%), names repeat as names do, and the states are what an
// organization months into claiming looks like: 25% not invited, 30%
// invited, 40% claimed, 5% deactivated. One in ten has no email
// (frontline), one in five signs in with SSO. Accounts are created a
// minute apart over two years, in id order, as a store's UUIDv7 ids are.

// peopleSeedBatch is how many accounts one INSERT ... SELECT writes.
const peopleSeedBatch = 100_000

// peopleManagers is how many of the first accounts manage the others.
const peopleManagers = 1000

// peopleSeedStart is when the first seeded account was created.
var peopleSeedStart = time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)

var (
	peopleGiven = []string{"Ann", "Anna", "Annika", "Ben", "Carla", "Chen", "Dana", "David", "Elena", "Emil",
		"Fatima", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jana", "Jonas", "Julia", "Karim", "Kenji",
		"Lara", "Leon", "Lina", "Lucas", "Maria", "Mateo", "Mia", "Nadia", "Noah", "Olga", "Omar", "Paula",
		"Pedro", "Priya", "Rafael", "Rosa", "Sara", "Sofia", "Tariq", "Tom", "Una", "Victor", "Wei", "Yara",
		"Yusuf", "Zoe", "Émile", "Zoë"}
	peopleFamily = []string{"Abe", "Annan", "Becker", "Brandt", "Castro", "Chen", "Costa", "Diaz", "Dubois",
		"Evans", "Fischer", "Garcia", "Gomez", "Hansen", "Hoffmann", "Ito", "Jensen", "Kim", "Kowalski",
		"Kumar", "Lee", "Lopez", "Martin", "Meyer", "Moreau", "Müller", "Nakamura", "Nguyen", "Novak", "Okafor",
		"Olsen", "Park", "Patel", "Petrov", "Quinn", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith",
		"Suzuki", "Tanaka", "Torres", "Wagner", "Weber", "Wong", "Yilmaz", "Zhou", "Álvarez"}
	// peopleDepartments go from the largest to the smallest.
	peopleDepartments = []string{"Sales", "Retail", "Operations", "Support", "Logistics", "Engineering",
		"Nursing", "Kitchen", "Warehouse", "Customer Service", "Marketing", "Finance", "Facilities", "Security",
		"Product", "Design", "Procurement", "Quality", "Training", "Research", "HR", "IT", "Communications", "Legal"}
	peopleTitles = []string{"Sales Associate", "Cashier", "Nurse", "Driver", "Engineer", "Store Manager",
		"Warehouse Associate", "Cook", "Technician", "Analyst", "Support Agent", "Team Lead", "Designer",
		"Accountant", "Recruiter", "Product Manager", "Security Officer", "Cleaner", "Pharmacist", "Trainer",
		"Buyer", "Researcher", "Director", "Lawyer", "Receptionist", "Electrician", "Planner", "Auditor",
		"Editor", "Chief of Staff"}
	peopleCities = []string{"Berlin", "Lagos", "Lima", "Osaka", "Boston", "Madrid", "Pune", "Toronto",
		"Nairobi", "Warsaw", "Manila", "Lyon"}
)

// sqlTextArray writes a Go list as an SQL text[] literal (the lists are
// the constants above; quotes are doubled all the same).
func sqlTextArray(list []string) string {
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return "ARRAY[" + strings.Join(quoted, ",") + "]::text[]"
}

// draw is SQL for a number in [0, 1) fixed by account i and salt, so a
// seed is the same every time.
func draw(salt string) string {
	return "((abs(hashtext(i::text || '" + salt + "'))::bigint % 1000000) / 1000000.0)"
}

// pick is SQL for an element of list, skewed towards its start by power
// (1: uniform).
func pick(list []string, salt string, power float64) string {
	return fmt.Sprintf("(%s)[1 + floor(%d * power(%s, %g))::int]", sqlTextArray(list), len(list), draw(salt), power)
}

// peopleSeedSQL writes accounts $2..$3 of organization $1 ($4 managers,
// $5 the first creation time), generated in the database. Keep the
// columns in step with migrations/postgres (gormstore's fromAccount).
func peopleSeedSQL() string {
	location := "CASE WHEN l.n <= " + fmt.Sprint(len(peopleCities)) + " THEN (" + sqlTextArray(peopleCities) +
		")[l.n] ELSE 'Store ' || lpad(l.n::text, 3, '0') END"
	return `
INSERT INTO accounts (org_id, id, user_name, user_name_lower, display_name, display_name_lower,
  given_name, given_name_lower, family_name, family_name_lower, primary_email, primary_email_lower,
  active, state, auth_method, frontline, title, title_lower, department, department_lower,
  division, division_lower, employee_number, employee_number_lower, location, location_lower,
  manager_id, user_type, user_type_lower, resource, version, created_at, updated_at,
  invited_at, claimed_at, deactivated_at, invite_generation, invite_expires_at)
SELECT $1, ` + exportID("i") + `, p.user_name, lower(p.user_name), p.display, lower(p.display),
  p.given, lower(p.given), p.family, lower(p.family), p.email, lower(p.email),
  s.active, s.state, p.auth, p.email = '', p.title, lower(p.title), p.department, lower(p.department),
  p.division, lower(p.division), lpad(i::text, 7, '0'), lpad(i::text, 7, '0'), p.location, lower(p.location),
  CASE WHEN i > $4::int THEN ` + exportID("1 + i % $4::int") + ` END, p.user_type, lower(p.user_type), '{}', 1,
  t.created, t.created, t.invited, t.claimed,
  CASE WHEN NOT s.active THEN t.created + interval '300 days' END,
  CASE WHEN t.invited IS NULL THEN 0 ELSE 1 END, t.invited + interval '14 days'
FROM generate_series($2::int, $3::int) AS i,
LATERAL (SELECT 1 + floor(300 * power(` + draw("loc") + `, 1.5))::int AS n) AS l,
LATERAL (SELECT ` + draw("state") + ` AS r) AS sr,
LATERAL (SELECT sr.r >= 0.05 AS active,
  CASE WHEN sr.r < 0.03 THEN 'claimed' WHEN sr.r < 0.05 THEN 'invited' WHEN sr.r < 0.30 THEN 'not_invited'
       WHEN sr.r < 0.60 THEN 'invited' ELSE 'claimed' END AS state) AS s,
LATERAL (SELECT $5::timestamptz + i * interval '1 minute' AS created) AS c,
LATERAL (SELECT c.created,
  CASE WHEN s.state <> 'not_invited' THEN c.created + ` + draw("inv") + ` * interval '30 days' END AS invited) AS ti,
LATERAL (SELECT ti.created AS created, ti.invited,
  CASE WHEN s.state = 'claimed' THEN ti.invited + ` + draw("clm") + ` * interval '10 days' END AS claimed) AS t,
LATERAL (SELECT ` + pick(peopleGiven, "given", 1) + ` AS given, ` + pick(peopleFamily, "family", 1) + ` AS family) AS n,
LATERAL (SELECT n.given, n.family,
  CASE WHEN ` + draw("noname") + ` < 0.005 THEN '' ELSE n.given || ' ' || n.family END AS display,
  lower(n.given) || '.' || lower(n.family) || '.' || i || '@corp.example' AS user_name,
  CASE WHEN ` + draw("email") + ` < 0.10 THEN '' ELSE lower(n.given) || '.' || lower(n.family) || '.' || i || '@corp.example' END AS email,
  CASE WHEN ` + draw("sso") + ` < 0.20 THEN 'sso' ELSE 'password' END AS auth,
  ` + pick(peopleTitles, "title", 1.5) + ` AS title,
  ` + pick(peopleDepartments, "dept", 2) + ` AS department,
  ` + pick([]string{"North", "South", "East", "West", "Central", "Online"}, "div", 1) + ` AS division,
  ` + location + ` AS location,
  CASE WHEN ` + draw("type") + ` < 0.15 THEN 'Contractor' ELSE 'Employee' END AS user_type) AS p`
}

// peopleEmailsSQL gives every account with an address its emails row,
// as the store does.
const peopleEmailsSQL = `
INSERT INTO account_emails (org_id, account_id, position, type, value, value_lower, is_primary)
SELECT org_id, id, 0, 'work', primary_email, primary_email_lower, true FROM accounts
WHERE org_id = $1 AND primary_email <> ''`

// seedPeople writes n accounts in batches, then their emails, and
// vacuums, as a long-lived table would be.
func seedPeople(ctx context.Context, env *cli, pool *pgxpool.Pool, orgID string, n int) error {
	bar := startProgress(env.stderr, "seed people", int64(n))
	defer bar.finish()
	stmt := peopleSeedSQL()
	for from := 1; from <= n; from += peopleSeedBatch {
		to := min(from+peopleSeedBatch-1, n)
		if _, err := pool.Exec(ctx, stmt, orgID, from, to, peopleManagers, peopleSeedStart); err != nil {
			return fmt.Errorf("seed accounts %d to %d: %w", from, to, err)
		}
		bar.add(int64(to - from + 1))
	}
	if _, err := pool.Exec(ctx, peopleEmailsSQL, orgID); err != nil {
		return fmt.Errorf("seed emails: %w", err)
	}
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) accounts, account_emails"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}
