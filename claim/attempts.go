package claim

import "context"

// Check returns *TooManyAttempts while any of keys must still wait after
// its failures. Other guessable secrets (passwords on the sign-in page)
// share the guard's limits through Check, Fail and Clear; each caller
// picks keys of its own ("signin:source:<address>", ...).
func (g *Guard) Check(ctx context.Context, keys ...string) error { return g.check(ctx, keys...) }

// Fail counts one failure of each key: a wrong password.
func (g *Guard) Fail(ctx context.Context, keys ...string) error {
	return g.fail(ctx, reasonWrongPassword, keys...)
}

// Clear forgets key's failures, after a success.
func (g *Guard) Clear(ctx context.Context, key string) error { return g.store.ClearFailures(ctx, key) }
