package claim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/mailer"
)

// DeliverWorker sends invitations and reminders. It is idempotent: it
// sends nothing for a generation that moved on, an account that was
// claimed, deactivated or deleted, an expired link, or a message already
// recorded as delivered; and it records each delivery, so a job that runs
// twice sends one email.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	Store   directory.Store
	Inviter *Inviter
	Postman Postman
	// Metrics may be nil.
	Metrics *Metrics
	// TemplateTTL is how long the organization's name and template are
	// reused (DefaultTemplateTTL when 0).
	TemplateTTL time.Duration

	cacheOnce sync.Once
	cache     *messageTemplates
}

func (w *DeliverWorker) templates() *messageTemplates {
	w.cacheOnce.Do(func() { w.cache = newMessageTemplates(w.TemplateTTL, w.Inviter.now) })
	return w.cache
}

// Work implements river.Worker.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	args := job.Args
	a, err := w.Store.Account(ctx, args.OrgID, args.AccountID)
	if errors.Is(err, directory.ErrNotFound) {
		return nil // deleted: nothing to send
	}
	if err != nil {
		return err
	}
	link := w.Inviter.ClaimLink(a)
	if a.InviteGeneration != args.Generation || link == "" || a.PrimaryEmail() == "" {
		w.Metrics.delivery(args.Message, "skipped")
		return nil
	}
	done, err := w.Store.Delivered(ctx, a.OrgID, a.ID, args.Generation, args.Message)
	if err != nil || done {
		if done {
			w.Metrics.delivery(args.Message, "skipped")
		}
		return err
	}
	msg, err := w.render(ctx, a, link, args)
	var unread templateUnread
	if errors.As(err, &unread) {
		return unread.err // the database, not the template: try again
	}
	if err != nil {
		return w.failed(ctx, a, args, err, true)
	}
	if err := w.Postman.Post(ctx, a.OrgID, msg); err != nil {
		lastTry := job.Attempt >= job.MaxAttempts
		return w.failed(ctx, a, args, err, mailer.IsPermanent(err) || lastTry)
	}
	w.Metrics.delivery(args.Message, "sent")
	// The message is out: record it even when the job's time ran out
	// meanwhile (a busy database), or the retry would send it again.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	return w.Store.InTx(ctx, func(tx directory.Store) error {
		recorded, err := tx.MarkDelivered(ctx, directory.Delivery{OrgID: a.OrgID, AccountID: a.ID,
			Generation: args.Generation, Kind: args.Message, Recipient: msg.To.Address})
		if err != nil || !recorded {
			return err
		}
		err = appendAudit(ctx, tx, directory.Actor{Type: directory.ActorSystem}, a, deliveryAction(args.Message),
			map[string]any{"generation": args.Generation, "message": args.Message})
		if err != nil {
			return err
		}
		return w.Inviter.nextReminder(ctx, tx, a, args)
	})
}

// recordTimeout bounds recording a delivery after the message was sent.
const recordTimeout = 30 * time.Second

func deliveryAction(message string) string {
	if strings.HasPrefix(message, "reminder") {
		return "reminder.sent"
	}
	return "invitation.sent"
}

// failed records a failure on the account and in the audit log when it
// is final (permanent, or the last attempt), and tells River whether to
// retry.
func (w *DeliverWorker) failed(ctx context.Context, a directory.Account, args DeliverArgs, cause error, final bool) error {
	if !final {
		w.Metrics.delivery(args.Message, "retry")
		return cause
	}
	w.Metrics.delivery(args.Message, "failed")
	problem := cause.Error()
	// The failure and its audit record commit together: no reader sees
	// one without the other.
	err := w.Store.InTx(ctx, func(tx directory.Store) error {
		if err := tx.RecordDeliveryFailure(ctx, a.OrgID, a.ID, problem); err != nil {
			return err
		}
		return appendAudit(ctx, tx, directory.Actor{Type: directory.ActorSystem}, a, "invitation.delivery_failed",
			map[string]any{"generation": args.Generation, "message": args.Message, "error": problem})
	})
	if err != nil {
		return err
	}
	return river.JobCancel(cause)
}

// templateUnread is render failing to read the organization or its
// template (a busy or unreachable database): temporary, unlike a template
// that does not compile or render, which no retry can mend.
type templateUnread struct{ err error }

func (e templateUnread) Error() string { return e.err.Error() }

// render fills the organization's template (or the default) for the
// message.
func (w *DeliverWorker) render(ctx context.Context, a directory.Account, link string, args DeliverArgs) (mailer.Message, error) {
	kind := mailer.KindInvitation
	if strings.HasPrefix(args.Message, "reminder") {
		kind = mailer.KindReminder
	}
	orgName, compiled, err := w.templates().get(ctx, w.Store, a.OrgID, kind)
	if err != nil { // Work tells an unreadable template (templateUnread) from a broken one
		return mailer.Message{}, fmt.Errorf("the organization's %s template: %w", kind, err)
	}
	to := recipient(a)
	msg, err := compiled.Render(mailer.Data{OrgName: orgName, Name: to.Name, GivenName: a.GivenName,
		Email: to.Address, Link: link, CustomMessage: args.Note, ExpiresAt: *a.InviteExpiresAt})
	if err != nil {
		return mailer.Message{}, err
	}
	msg.To = to
	msg.MessageID = deliveryMessageID(w.Inviter.base, a, args.Generation, args.Message)
	if kind == mailer.KindReminder {
		// Mail clients thread a reminder under its invitation.
		msg.References = []string{deliveryMessageID(w.Inviter.base, a, args.Generation, "invitation")}
	}
	return msg, nil
}
