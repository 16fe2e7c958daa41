package gormstore

import "database/sql"

// SQLTx is the database/sql transaction a Store handed out by InTx runs
// in, and nil for any other Store. The job queue inserts its jobs through
// it, so a job commits or rolls back with the state change that asked for
// it.
func (s *Store) SQLTx() *sql.Tx {
	if !s.inTx {
		return nil
	}
	tx, _ := s.db.Statement.ConnPool.(*sql.Tx)
	return tx
}
