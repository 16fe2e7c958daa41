package directory

import (
	"context"
	"strings"
	"time"
)

// InviteAction is what an invite rule does with the accounts it matches.
type InviteAction string

// The actions of invite rules.
const (
	// InviteNow invites a matching account at once.
	InviteNow InviteAction = "invite_now"
	// InviteOnStartDate invites it on its startDate, at the
	// organization's invite hour in its time zone (at once when the
	// account has no start date or it has passed).
	InviteOnStartDate InviteAction = "invite_on_start_date"
	// NeverInvite stops later rules and the organization's automatic
	// invitation from inviting it; only an explicit invitation does.
	NeverInvite InviteAction = "never"
)

// Valid reports whether a is one of the actions.
func (a InviteAction) Valid() bool {
	return a == InviteNow || a == InviteOnStartDate || a == NeverInvite
}

// InviteRule decides, in Position order, who is invited automatically:
// the first rule whose Filter (a SCIM filter over User attributes)
// matches an account that is not invited yet applies its Action.
type InviteRule struct {
	OrgID    string
	ID       string
	Name     string
	Position int
	Filter   string
	Action   InviteAction
	// Message is added to the invitations this rule sends.
	Message   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks the fields every backend relies on. That Filter parses
// is the caller's business: the store does not know SCIM.
func (r InviteRule) Validate() error {
	if strings.TrimSpace(r.Name) == "" {
		return invalid("name", "is required")
	}
	if strings.TrimSpace(r.Filter) == "" {
		return invalid("filter", "is required (a SCIM filter such as department eq \"Sales\")")
	}
	if !r.Action.Valid() {
		return invalid("action", "must be invite_now, invite_on_start_date or never")
	}
	return checkTexts("name", r.Name, "filter", r.Filter, "message", r.Message)
}

// Delivery records that one message of an invitation generation left:
// Kind is "invitation", "reminder-1", "reminder-2", ... or "resend-<n>".
type Delivery struct {
	OrgID       string
	AccountID   string
	Generation  int64
	Kind        string
	Recipient   string
	DeliveredAt time.Time
}

// OutboxMessage is a message kept instead of sent, when no SMTP server is
// configured, for admins to read.
type OutboxMessage struct {
	OrgID     string
	ID        string
	Recipient string
	Subject   string
	Text      string
	HTML      string
	CreatedAt time.Time
}

// MessageTemplate is an organization's own wording for one kind of
// message ("invitation", "reminder", "export"); see package mailer for
// the data a template may use.
type MessageTemplate struct {
	OrgID     string
	Kind      string
	Subject   string
	Text      string
	HTML      string
	UpdatedAt time.Time
}

// InvitationStore holds what invitations need besides accounts.
type InvitationStore interface {
	// CreateInviteRule assigns ID, timestamps and, when Position is 0,
	// the position after the last rule.
	CreateInviteRule(ctx context.Context, r *InviteRule) error
	// InviteRules returns the org's rules by Position, then creation.
	InviteRules(ctx context.Context, orgID string) ([]InviteRule, error)
	UpdateInviteRule(ctx context.Context, r *InviteRule) error
	DeleteInviteRule(ctx context.Context, orgID, id string) error

	// AccountByAccessCode finds the account whose current access code has
	// this keyed hash, in any organization (the code is all a person
	// types). Expiry is the caller's to check.
	AccountByAccessCode(ctx context.Context, hash string) (Account, error)
	// UpdateInvitation writes only the invitation fields of a (State,
	// InvitedAt, ClaimedAt, InviteGeneration, InviteExpiresAt and the
	// access code), if the stored version still equals a.Version (else
	// ErrVersionMismatch), and bumps a.Version and a.UpdatedAt in place.
	// Inviting changes none of what an identity provider wrote, so this
	// one statement does what UpdateAccount does with a full rewrite.
	UpdateInvitation(ctx context.Context, a *Account) error

	// MarkDelivered records d and reports true, or false when that
	// message of that generation was already recorded. It clears the
	// account's LastDeliveryError without changing its version.
	MarkDelivered(ctx context.Context, d Delivery) (bool, error)
	// ListDeliveries returns the account's recorded deliveries, newest
	// first.
	ListDeliveries(ctx context.Context, orgID, accountID string) ([]Delivery, error)
	// Delivered reports whether the message was recorded.
	Delivered(ctx context.Context, orgID, accountID string, generation int64, kind string) (bool, error)
	// RecordDeliveryFailure sets the account's LastDeliveryError without
	// changing its version (it is no change a client made).
	RecordDeliveryFailure(ctx context.Context, orgID, accountID, problem string) error

	// AppendOutbox assigns ID and, when zero, CreatedAt.
	AppendOutbox(ctx context.Context, m *OutboxMessage) error
	// ListOutbox returns the newest messages first.
	ListOutbox(ctx context.Context, orgID string, limit int) ([]OutboxMessage, error)

	// PutMessageTemplate creates or replaces the org's template of a kind.
	PutMessageTemplate(ctx context.Context, t *MessageTemplate) error
	MessageTemplate(ctx context.Context, orgID, kind string) (MessageTemplate, error)
}

// AttemptStore counts failed claim attempts per key ("source:<address>",
// "code:<hash>"), shared by every replica.
type AttemptStore interface {
	// RecordFailure counts one failure of key at at and returns the
	// failures within window ending at at (a count older than window
	// starts again from one).
	RecordFailure(ctx context.Context, key string, at time.Time, window time.Duration) (Attempts, error)
	// AttemptsOf returns key's failures (zero when none).
	AttemptsOf(ctx context.Context, key string) (Attempts, error)
	// ClearFailures forgets key's failures.
	ClearFailures(ctx context.Context, key string) error
	// RecentFailures sums the failures of every key last failing after
	// since: the global rate a guessing alarm watches.
	RecentFailures(ctx context.Context, since time.Time) (int64, error)
}

// Attempts are one key's failures.
type Attempts struct {
	Failures      int
	FirstFailedAt time.Time
	LastFailedAt  time.Time
}
