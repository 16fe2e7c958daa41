package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/latchkeyhq/latchkey/directory"
)

// copyWriter is the PostgreSQL fast path: COPY of the rows gormstore
// would insert. Keep accountColumns and accountCopyRow in step with
// migrations/postgres and gormstore's fromAccount / emailRows.
type copyWriter struct {
	pool       *pgxpool.Pool
	orgID      string
	department string
	memberIDs  []string
}

var accountColumns = []string{
	"org_id", "id", "user_name", "user_name_lower", "external_id",
	"display_name", "display_name_lower", "given_name", "given_name_lower", "family_name", "family_name_lower",
	"primary_email", "primary_email_lower", "active", "state", "auth_method", "frontline",
	"title", "title_lower", "department", "department_lower", "division", "division_lower",
	"organization", "organization_lower", "cost_center", "cost_center_lower",
	"employee_number", "employee_number_lower", "location", "location_lower",
	"manager_id", "start_date", "resource", "version", "created_at", "updated_at",
	"invited_at", "claimed_at", "deactivated_at",
}

var emailColumns = []string{"org_id", "account_id", "position", "type", "value", "value_lower", "is_primary"}

func newCopyWriter(ctx context.Context, url string, workers int, orgID, department string, memberIDs []string) (*copyWriter, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(workers)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &copyWriter{pool: pool, orgID: orgID, department: department, memberIDs: memberIDs}, nil
}

func (w *copyWriter) close() { w.pool.Close() }

// write copies users [from, to) and their emails in one transaction.
func (w *copyWriter) write(ctx context.Context, from, to int) error {
	accounts := make([][]any, 0, to-from)
	var emails [][]any
	now := time.Now().UTC().Truncate(time.Microsecond)
	for i := from; i < to; i++ {
		a := seedAccountIn(w.orgID, i, w.department)
		id, err := uuid.NewV7() // the store's id scheme: time-ordered UUIDv7
		if err != nil {
			return err
		}
		a.ID, a.Version, a.CreatedAt, a.UpdatedAt = id.String(), 1, now, now
		if err := a.Validate(); err != nil {
			return fmt.Errorf("user %d: %w", i, err)
		}
		accounts = append(accounts, accountCopyRow(&a))
		emails = append(emails, emailCopyRows(&a)...)
		if i < len(w.memberIDs) {
			w.memberIDs[i] = a.ID
		}
	}
	return pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"accounts"}, accountColumns, pgx.CopyFromRows(accounts)); err != nil {
			return fmt.Errorf("copy accounts: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"account_emails"}, emailColumns, pgx.CopyFromRows(emails)); err != nil {
			return fmt.Errorf("copy account_emails: %w", err)
		}
		return nil
	})
}

// accountCopyRow mirrors gormstore's fromAccount: lower-cased copies with
// strings.ToLower, empty optional text as NULL, the default auth method.
func accountCopyRow(a *directory.Account) []any {
	lower := strings.ToLower
	auth := string(a.AuthMethod)
	if auth == "" {
		auth = string(directory.AuthPassword)
	}
	return []any{
		a.OrgID, a.ID, a.UserName, lower(a.UserName), nullText(a.ExternalID),
		a.DisplayName, lower(a.DisplayName), a.GivenName, lower(a.GivenName), a.FamilyName, lower(a.FamilyName),
		a.PrimaryEmail(), lower(a.PrimaryEmail()), a.Active, string(a.State), auth, a.Frontline,
		a.Title, lower(a.Title), a.Department, lower(a.Department), a.Division, lower(a.Division),
		a.Organization, lower(a.Organization), a.CostCenter, lower(a.CostCenter),
		a.EmployeeNumber, lower(a.EmployeeNumber), a.Location, lower(a.Location),
		nullText(a.ManagerID), a.StartDate, string(a.Resource), a.Version, a.CreatedAt, a.UpdatedAt,
		a.InvitedAt, a.ClaimedAt, a.DeactivatedAt,
	}
}

// emailCopyRows mirrors gormstore's emailRows.
func emailCopyRows(a *directory.Account) [][]any {
	rows := make([][]any, 0, len(a.Emails))
	for i, e := range a.Emails {
		rows = append(rows, []any{a.OrgID, a.ID, int32(i), e.Type, e.Value, strings.ToLower(e.Value), e.Primary})
	}
	return rows
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
