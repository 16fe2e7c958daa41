package admin

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
)

// peopleRoutes are Workplace's People section: the filtered list with its
// status tabs' counts, and one person's page. Nothing here shows a
// secret: claim links and access codes are the audited
// GET /people/{id}/claim of the actions.
func (h *Handler) peopleRoutes() []route {
	const tag = "people"
	read := directory.PermReadPeople
	return []route{
		{Method: http.MethodGet, Path: "/people", Permission: read, Tag: tag,
			Summary: "People matching the filters, one page at a time (follow next_cursor)",
			Query:   append(peopleFilterDocs(), peopleListDocs...), Reply: peoplePage{}, Handle: h.listPeople},
		{Method: http.MethodGet, Path: "/people/counts", Permission: read, Tag: tag,
			Summary: "How many people match the filters, per status (the status tabs, Invite all (N), Remind all (N))",
			Query:   peopleFilterDocs(), Reply: directory.StatusCounts{}, Handle: h.countPeople},
		{Method: http.MethodGet, Path: "/people/:id", Permission: read, Tag: tag,
			Summary: "One person: attributes, groups, invitation state and history (audit events need audit.read)",
			Reply:   personPage{}, Handle: h.showPerson},
	}
}

// peoplePage is one page of GET /people.
type peoplePage struct {
	Items []personItem `json:"items"`
	// NextCursor continues the list; absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// personItem is a person as lists show them. userName and displayName
// keep their SCIM names; the rest are Latchkey's own, in snake case.
type personItem struct {
	ID             string               `json:"id"`
	UserName       string               `json:"userName"`
	DisplayName    string               `json:"displayName"`
	GivenName      string               `json:"given_name"`
	FamilyName     string               `json:"family_name"`
	Email          string               `json:"email"` // the primary email; "" for none
	Status         directory.Status     `json:"status"`
	Title          string               `json:"title"`
	Department     string               `json:"department"`
	Division       string               `json:"division"`
	Location       string               `json:"location"`
	EmployeeNumber string               `json:"employee_number"`
	ManagerID      string               `json:"manager_id,omitempty"`
	AuthMethod     directory.AuthMethod `json:"auth_method"`
	// Frontline people claim with an access code instead of a link.
	Frontline bool       `json:"frontline"`
	InvitedAt *time.Time `json:"invited_at,omitempty"`
	ClaimedAt *time.Time `json:"claimed_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	// LastDeliveryError says why the last invitation email could not be
	// delivered; absent once one was.
	LastDeliveryError string `json:"last_delivery_error,omitempty"`
}

func personItemOf(a directory.Account) personItem {
	auth := a.AuthMethod
	if auth == "" {
		auth = directory.AuthPassword
	}
	return personItem{
		ID: a.ID, UserName: a.UserName, DisplayName: a.DisplayName, GivenName: a.GivenName, FamilyName: a.FamilyName,
		Email: a.PrimaryEmail(), Status: directory.StatusOf(a), Title: a.Title, Department: a.Department,
		Division: a.Division, Location: a.Location, EmployeeNumber: a.EmployeeNumber, ManagerID: a.ManagerID,
		AuthMethod: auth, Frontline: a.Frontline, InvitedAt: a.InvitedAt, ClaimedAt: a.ClaimedAt,
		CreatedAt: a.CreatedAt, LastDeliveryError: a.LastDeliveryError,
	}
}

func (h *Handler) listPeople(c echo.Context) error {
	q, err := parsePeopleList(c.QueryParams())
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	page, err := h.store.FindAccounts(ctx, callerFrom(ctx).OrgID, q.store)
	if err != nil {
		return err
	}
	out := peoplePage{Items: make([]personItem, 0, len(page.Accounts))}
	for _, a := range page.Accounts {
		out.Items = append(out.Items, personItemOf(a))
	}
	if page.NextCursor != "" {
		out.NextCursor = q.cursor(page.NextCursor)
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handler) countPeople(c echo.Context) error {
	f, err := parsePeopleQuery(c.QueryParams())
	if err != nil {
		return err
	}
	filter, err := f.compile()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	counts, err := h.store.CountByStatus(ctx, callerFrom(ctx).OrgID, filter)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, counts)
}
