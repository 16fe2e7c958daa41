package admin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// personPage is GET /people/{id}: everything about one person an admin
// may read, without the claim link or access code themselves.
type personPage struct {
	personItem
	ExternalID    string          `json:"external_id,omitempty"`
	Emails        []personEmail   `json:"emails"`
	Organization  string          `json:"organization"`
	CostCenter    string          `json:"cost_center"`
	UserType      string          `json:"user_type"`
	StartDate     *time.Time      `json:"start_date,omitempty"`
	SignInName    string          `json:"sign_in_name,omitempty"` // chosen while claiming
	Active        bool            `json:"active"`
	State         directory.State `json:"state"` // the claim state, kept under a deactivation
	DeactivatedAt *time.Time      `json:"deactivated_at,omitempty"`
	UpdatedAt     time.Time       `json:"updated_at"`
	// Version is the SCIM resource's version (its ETag is W/"<version>").
	Version int64 `json:"version"`
	// Manager is absent without one; only id when the manager is gone.
	Manager    *personRef       `json:"manager,omitempty"`
	Groups     []groupRef       `json:"groups"`
	Invitation personInvitation `json:"invitation"`
	History    personHistory    `json:"history"`
}

type personEmail struct {
	Type    string `json:"type"`
	Value   string `json:"value"`
	Primary bool   `json:"primary"`
}

// personRef names another person.
type personRef struct {
	ID             string `json:"id"`
	DisplayName    string `json:"displayName,omitempty"`
	EmployeeNumber string `json:"employee_number,omitempty"`
}

type groupRef struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// personInvitation is where the person's invitation stands. Whether a
// claim link or access code works now is shown, never the secret: that
// is GET /people/{id}/claim, audited.
type personInvitation struct {
	InvitedAt *time.Time `json:"invited_at,omitempty"`
	// ExpiresAt is when the current claim link stops working.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Generation grows with every invitation, revocation and
	// deactivation; deliveries name the generation they belong to.
	Generation          int64      `json:"generation"`
	HasClaimLink        bool       `json:"has_claim_link"`
	HasAccessCode       bool       `json:"has_access_code"`
	AccessCodeExpiresAt *time.Time `json:"access_code_expires_at,omitempty"`
	LastDeliveryError   string     `json:"last_delivery_error,omitempty"`
}

// personHistory is what happened to the person, newest first.
type personHistory struct {
	// Deliveries are the invitation messages that left: the invitation,
	// reminders and resends of each generation.
	Deliveries []personDelivery `json:"deliveries"`
	// Events are the latest audit events about the person (up to 50):
	// SCIM writes, admin actions, the claim. Only for callers whose role
	// grants audit.read; absent otherwise.
	Events []auditItem `json:"events,omitempty"`
}

type personDelivery struct {
	Generation  int64     `json:"generation"`
	Kind        string    `json:"kind"` // invitation, reminder-1, ..., resend-1, ...
	Recipient   string    `json:"recipient"`
	DeliveredAt time.Time `json:"delivered_at"`
}

// personEventLimit is how many audit events the page shows; the audit
// log (GET /audit?target_id=...) has the rest.
const personEventLimit = 50

func (h *Handler) showPerson(c echo.Context) error {
	if err := checkQueryParams(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	a, err := h.store.Account(ctx, who.OrgID, c.Param("id"))
	if err != nil {
		return err
	}
	page := h.personPageOf(a)
	if page.Manager, err = h.managerOf(ctx, a); err != nil {
		return err
	}
	if page.Groups, err = h.groupsOf(ctx, a); err != nil {
		return err
	}
	if page.History.Deliveries, err = h.deliveriesOf(ctx, a); err != nil {
		return err
	}
	if who.can(directory.PermReadAudit) {
		if page.History.Events, err = h.eventsOf(ctx, a); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, page)
}

func (h *Handler) personPageOf(a directory.Account) personPage {
	page := personPage{personItem: personItemOf(a), ExternalID: a.ExternalID, Organization: a.Organization,
		CostCenter: a.CostCenter, UserType: a.UserType, StartDate: a.StartDate, SignInName: a.SignInName,
		Active: a.Active, State: a.State, DeactivatedAt: a.DeactivatedAt, UpdatedAt: a.UpdatedAt, Version: a.Version,
		Emails: make([]personEmail, 0, len(a.Emails))}
	for _, e := range a.Emails {
		page.Emails = append(page.Emails, personEmail{Type: e.Type, Value: e.Value, Primary: e.Primary})
	}
	page.Invitation = personInvitation{InvitedAt: a.InvitedAt, Generation: a.InviteGeneration,
		HasClaimLink: h.inviter.ClaimLink(a) != "", LastDeliveryError: a.LastDeliveryError}
	if page.Invitation.HasClaimLink {
		page.Invitation.ExpiresAt = a.InviteExpiresAt
	}
	if h.inviter.AccessCode(a) != "" {
		page.Invitation.HasAccessCode, page.Invitation.AccessCodeExpiresAt = true, a.AccessCodeExpiresAt
	}
	return page
}

// managerOf names the person's manager; a manager the directory no
// longer has is shown by id alone.
func (h *Handler) managerOf(ctx context.Context, a directory.Account) (*personRef, error) {
	if a.ManagerID == "" {
		return nil, nil
	}
	m, err := h.store.Account(ctx, a.OrgID, a.ManagerID)
	switch {
	case errors.Is(err, directory.ErrNotFound):
		return &personRef{ID: a.ManagerID}, nil
	case err != nil:
		return nil, err
	}
	return &personRef{ID: m.ID, DisplayName: m.DisplayName, EmployeeNumber: m.EmployeeNumber}, nil
}

// groupsOf lists the groups the person is a direct member of, by name
// (one indexed query on memberships).
func (h *Handler) groupsOf(ctx context.Context, a directory.Account) ([]groupRef, error) {
	page, err := h.store.FindGroups(ctx, a.OrgID, directory.ListQuery{
		Filter: directory.Compare{Attr: directory.AttrMemberValue, Op: directory.OpEq, Value: a.ID},
		SortBy: directory.AttrDisplayName, Limit: directory.MaxPageSize})
	if err != nil {
		return nil, err
	}
	out := make([]groupRef, 0, len(page.Groups))
	for _, g := range page.Groups {
		out = append(out, groupRef{ID: g.ID, DisplayName: g.DisplayName})
	}
	return out, nil
}

func (h *Handler) deliveriesOf(ctx context.Context, a directory.Account) ([]personDelivery, error) {
	ds, err := h.store.ListDeliveries(ctx, a.OrgID, a.ID)
	if err != nil {
		return nil, err
	}
	out := make([]personDelivery, 0, len(ds))
	for _, d := range ds {
		out = append(out, personDelivery{Generation: d.Generation, Kind: d.Kind, Recipient: d.Recipient, DeliveredAt: d.DeliveredAt})
	}
	return out, nil
}

func (h *Handler) eventsOf(ctx context.Context, a directory.Account) ([]auditItem, error) {
	events, err := h.store.ListAudit(ctx, a.OrgID, directory.AuditQuery{TargetType: "user", TargetID: a.ID, Limit: personEventLimit})
	if err != nil {
		return nil, err
	}
	out := make([]auditItem, 0, len(events))
	for _, e := range events {
		out = append(out, auditItemOf(e))
	}
	return out, nil
}
