package gormstore

import "errors"

// errPending answers the store methods of issue 6 not written yet
// (pending_*.go); this file goes when they are.
var errPending = errors.New("gormstore: not implemented yet")
