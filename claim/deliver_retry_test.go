package claim_test

import (
	"context"
	"errors"
	"testing"
	"time"

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

// countingReads counts the reads a delivery makes of the organization
// and its templates (the real store underneath).
type countingReads struct {
	directory.Store
	reads int
}

func (s *countingReads) Organization(ctx context.Context, id string) (directory.Organization, error) {
	s.reads++
	return s.Store.Organization(ctx, id)
}

func (s *countingReads) MessageTemplate(ctx context.Context, orgID, kind string) (directory.MessageTemplate, error) {
	s.reads++
	return s.Store.MessageTemplate(ctx, orgID, kind)
}

// TestDeliverReusesTemplates: a worker reads the organization and its
// template once per TemplateTTL, not once per email; after the TTL an
// edited template is used.
func TestDeliverReusesTemplates(t *testing.T) {
	eachBackend(t, envOptions{noWorkers: true}, func(t *testing.T, e *env) {
		e.rule("Sales", `department eq "Sales"`, directory.InviteNow)
		e.user("ada@acme.example", "ada@acme.example", "Sales", nil)
		e.user("bob@acme.example", "bob@acme.example", "Sales", nil)
		jobs := jobArgs[claim.DeliverArgs](t, e, "claim.deliver")
		if len(jobs) != 2 {
			t.Fatalf("deliveries %+v", jobs)
		}
		run := func(w *claim.DeliverWorker, args claim.DeliverArgs) {
			t.Helper()
			err := w.Work(t.Context(), &river.Job[claim.DeliverArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 10}, Args: args})
			if err != nil {
				t.Fatal(err)
			}
		}
		post := &lastPost{}
		store := &countingReads{Store: e.store}
		cached := &claim.DeliverWorker{Store: store, Inviter: e.inviter, Postman: post, TemplateTTL: time.Hour}
		run(cached, jobs[0])
		err := e.store.PutMessageTemplate(t.Context(), &directory.MessageTemplate{OrgID: e.org.ID, Kind: "invitation", Subject: "Edited {{.OrgName}}"})
		if err != nil {
			t.Fatal(err)
		}
		run(cached, jobs[1])
		if store.reads != 2 || post.last.Subject == "Edited Acme" {
			t.Fatalf("two emails read %d times (want 2: once each thing), second subject %q", store.reads, post.last.Subject)
		}
		fresh := &claim.DeliverWorker{Store: e.store, Inviter: e.inviter, Postman: post, TemplateTTL: time.Nanosecond}
		reminder := jobs[1]
		reminder.Message = "resend-1"
		run(fresh, reminder)
		if post.last.Subject != "Edited Acme" {
			t.Fatalf("after the TTL the subject is %q; want the edited template", post.last.Subject)
		}
	})
}

type lastPost struct{ last mailer.Message }

func (p *lastPost) Post(_ context.Context, _ string, m mailer.Message) error { p.last = m; return nil }
