package gormstore

import (
	"fmt"
	"testing"

	"github.com/latchkeyhq/latchkey/internal/testdb"
)

func TestZZScratchPlan(t *testing.T) {
	s := openMigrated(t, SQLite, testdb.SQLitePath(t))
	generateAccounts(t, s)
	s.db.Exec("UPDATE accounts SET external_id = NULL WHERE id > '00005000'")
	for _, q := range []string{
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND likelihood(a.external_id = ?, 0.0000001) ORDER BY a.id LIMIT 101",
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND (a.external_id IS NOT NULL AND likelihood(a.external_id = ?, 0.001)) ORDER BY a.id LIMIT 101",
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND (a.department_lower = ?) ORDER BY a.id LIMIT 101 OFFSET 5",
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND (a.department_lower = ?) AND a.id > 'x' ORDER BY a.id LIMIT 101",
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND (a.department_lower = ? OR a.external_id = 'x') ORDER BY a.id LIMIT 101",
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND (a.external_id IS NOT NULL AND a.external_id = ?) ORDER BY a.id LIMIT 101",
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND (a.external_id = ? AND a.external_id IS NOT NULL) ORDER BY a.id LIMIT 101",
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND (a.external_id IS NOT NULL AND a.external_id = ?)",
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND (a.department_lower = ?) ORDER BY a.id LIMIT 101",
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND (a.manager_id = ?) ORDER BY a.id LIMIT 101",
		"SELECT a.* FROM accounts a WHERE a.org_id = ? AND EXISTS (SELECT 1 FROM account_emails e WHERE e.org_id = a.org_id AND e.account_id = a.id AND (e.value_lower = ?)) ORDER BY a.id LIMIT 101",
	} {
		var rows []struct{ Detail string }
		s.db.Raw("EXPLAIN QUERY PLAN "+q, "org", "x").Scan(&rows)
		fmt.Println(q, "\n   ", rows)
	}
}
