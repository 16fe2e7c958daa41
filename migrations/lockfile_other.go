//go:build !unix

package migrations

import (
	"context"
	"os"
)

// lockFile does nothing where flock is missing: there, run `latchkey
// migrate` only while no server is starting on the same SQLite file.
func lockFile(context.Context, *os.File, func()) error { return nil }
