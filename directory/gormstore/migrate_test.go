package gormstore

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/migrations"
)

// models lists every gorm model; each must match a migrated table exactly.
var models = []any{
	&organizationRow{}, &accountRow{}, &accountEmailRow{}, &groupRow{}, &groupMemberRow{},
	&scimTokenRow{}, &scimClientRow{}, &adminRow{}, &adminTokenRow{}, &auditEventRow{},
	&inviteRuleRow{}, &deliveryRow{}, &outboxRow{}, &templateRow{}, &attemptRow{}, &sessionRow{},
	&samlSettingsRow{}, &samlRequestRow{}, &samlAssertionRow{},
	&termsRow{}, &termsAcceptanceRow{}, &passwordRow{}, &pictureRow{},
	&adminRoleRow{}, &bulkActionRow{}, &exportRow{}, &exportChunkRow{},
}

func TestMigrations(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := openEmpty(t, b.dialect, b.url(t))
			dialect := migrations.Dialect(b.dialect)

			err := migrations.Check(t.Context(), s.DB(), dialect)
			if !errors.Is(err, migrations.ErrPending) {
				t.Fatalf("Check on an empty database = %v; want ErrPending", err)
			}
			first, err := migrations.Up(t.Context(), s.DB(), dialect)
			if err != nil {
				t.Fatalf("first Up: %v", err)
			}
			if len(first) == 0 {
				t.Fatal("first Up applied nothing")
			}
			second, err := migrations.Up(t.Context(), s.DB(), dialect)
			if err != nil || len(second) != 0 {
				t.Fatalf("second Up applied %d migrations, err %v; want 0, nil", len(second), err)
			}
			if err := migrations.Check(t.Context(), s.DB(), dialect); err != nil {
				t.Fatalf("Check after Up: %v", err)
			}
			status, err := migrations.Status(t.Context(), s.DB(), dialect)
			if err != nil || len(status) != len(first) || !status[0].Applied {
				t.Fatalf("Status = %+v, %v; want %d applied", status, err, len(first))
			}
			checkSchemaMatchesModels(t, s)
		})
	}
}

// checkSchemaMatchesModels compares each model's columns with the table's,
// in both directions, so a migration and the code cannot drift apart.
func checkSchemaMatchesModels(t *testing.T, s *Store) {
	t.Helper()
	for _, m := range models {
		stmt := s.db.Model(m).Statement
		if err := stmt.Parse(m); err != nil {
			t.Fatalf("parse model %T: %v", m, err)
		}
		table := stmt.Schema.Table
		if !s.db.Migrator().HasTable(table) {
			t.Errorf("table %s is missing", table)
			continue
		}
		types, err := s.db.Migrator().ColumnTypes(m)
		if err != nil {
			t.Fatalf("columns of %s: %v", table, err)
		}
		var inDB []string
		for _, c := range types {
			inDB = append(inDB, c.Name())
		}
		inModel := stmt.Schema.DBNames
		for _, col := range inModel {
			if !slices.Contains(inDB, col) {
				t.Errorf("%s.%s is in the model but not in the migrated table", table, col)
			}
		}
		for _, col := range inDB {
			if !slices.Contains(inModel, col) {
				t.Errorf("%s.%s is in the migrated table but not in the model", table, col)
			}
		}
	}
}

// TestRefusesNewerDatabase: a binary must not run on a schema a newer
// binary wrote, must say what to do instead, and must change nothing.
func TestRefusesNewerDatabase(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := openMigrated(t, b.dialect, b.url(t))
			if err := s.db.Exec("INSERT INTO "+migrations.TableName+" (version_id, is_applied) VALUES (?, ?)", 99999, true).Error; err != nil {
				t.Fatalf("pretend a newer migration ran: %v", err)
			}
			dialect := migrations.Dialect(b.dialect)
			if err := migrations.Check(t.Context(), s.DB(), dialect); !errors.Is(err, migrations.ErrDatabaseNewer) {
				t.Fatalf("Check = %v; want ErrDatabaseNewer", err)
			}
			var before, after int64
			s.db.Table(migrations.TableName).Count(&before)
			_, err := migrations.Up(t.Context(), s.DB(), dialect)
			if !errors.Is(err, migrations.ErrDatabaseNewer) || !strings.Contains(err.Error(), "never run an older binary") {
				t.Fatalf("Up = %v; want ErrDatabaseNewer with advice", err)
			}
			if s.db.Table(migrations.TableName).Count(&after); after != before {
				t.Fatalf("a refused Up changed %s from %d to %d rows", migrations.TableName, before, after)
			}
		})
	}
}
