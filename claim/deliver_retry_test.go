package claim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer"
)

// unreadableOrgs is a store whose organizations cannot be read, as when
// the database refuses connections for a moment.
type unreadableOrgs struct{ directory.Store }

func (unreadableOrgs) Organization(context.Context, string) (directory.Organization, error) {
	return directory.Organization{}, directory.ErrUnavailable
}

type noPost struct{ posted int }

func (p *noPost) Post(context.Context, string, mailer.Message) error { p.posted++; return nil }

// TestDeliverRetriesUnreadableTemplate: a delivery that cannot read the
// organization or its template is tried again, not cancelled and
// recorded as failed like a template that does not render.
func TestDeliverRetriesUnreadableTemplate(t *testing.T) {
	eachBackend(t, envOptions{noWorkers: true}, func(t *testing.T, e *env) {
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		ada := e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
		jobs := jobArgs[claim.DeliverArgs](t, e, "claim.deliver")
		if len(jobs) != 1 || jobs[0].AccountID != ada.ID {
			t.Fatalf("deliveries %+v", jobs)
		}
		post := &noPost{}
		w := &claim.DeliverWorker{Store: unreadableOrgs{e.store}, Inviter: e.inviter, Postman: post}
		err := w.Work(t.Context(), &river.Job[claim.DeliverArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 10}, Args: jobs[0]})
		var cancel *river.JobCancelError
		if !errors.Is(err, directory.ErrUnavailable) || errors.As(err, &cancel) || post.posted != 0 {
			t.Fatalf("err = %v, posted %d; want a retryable ErrUnavailable and nothing sent", err, post.posted)
		}
		if a := e.account(ada.ID); a.LastDeliveryError != "" {
			t.Fatalf("recorded as failed: %q", a.LastDeliveryError)
		}
	})
}
