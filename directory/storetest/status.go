package storetest

import (
	"testing"

	"github.com/latchkeyhq/latchkey/directory"
)

// testCountByStatus: being written (issue 6).
func testCountByStatus(t *testing.T, s directory.Store) { t.Skip("being written") }

// testListDeliveries: being written (issue 6).
func testListDeliveries(t *testing.T, s directory.Store) { t.Skip("being written") }
