package claim_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/directory/gormstore"
)

// TestTwoServersDeliverOnce: two server processes (each its own store and
// River workers) on one PostgreSQL deliver every invitation exactly once.
func TestTwoServersDeliverOnce(t *testing.T) {
	b := backends[1]
	e := newEnv(t, b, b.url(t), envOptions{})
	second, err := gormstore.Open(t.Context(), gormstore.Options{URL: e.url, Dialect: b.dialect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = second.Close() })
	e.metrics = prometheus.NewRegistry() // the second worker set counts on its own
	e.startWorkers(second, slog.New(slog.DiscardHandler))

	e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
	const n = 40
	for i := range n {
		e.user(fmt.Sprintf("p%02d@acme.example", i), fmt.Sprintf("p%02d@acme.example", i), "Sales", nil)
	}
	msgs := e.smtp.Wait(n)
	e.settle(n)
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.To[0]]++
	}
	for to, count := range seen {
		if count != 1 {
			t.Errorf("%s got %d invitations", to, count)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d people got invitations; want %d", len(seen), n)
	}
}

// TestCrashedWorkerStillDelivers: the process sending an invitation dies
// mid-job (the job is left "running", nothing recorded); another process
// sends it once River takes the job for stuck.
func TestCrashedWorkerStillDelivers(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b, b.url(t), envOptions{noWorkers: true})
			e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
			ada := e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
			crash := `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = $1, attempted_by = '{"crashed-host"}' WHERE kind = 'claim.deliver'`
			if b.dialect == gormstore.SQLite {
				crash = `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = ?, attempted_by = '["crashed-host"]' WHERE kind = 'claim.deliver'`
			}
			res, err := e.store.DB().ExecContext(t.Context(), crash, time.Now().Add(-time.Hour).UTC())
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("%d delivery jobs; want 1", n)
			}
			e.startWorkers(e.store, slog.New(slog.DiscardHandler))
			eventually(t, 60*time.Second, "the rescued invitation arrives", func() bool { return e.smtp.Count() == 1 })
			if got := e.smtp.Messages()[0].To[0]; got != ada.UserName {
				t.Fatalf("the invitation went to %s", got)
			}
			e.settle(1)
		})
	}
}
