package console

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// mountPerson mounts one person's page and its actions.
func (k *Console) mountPerson(g *echo.Group) {
	g.GET("/people/:id", k.admin(k.showPerson))
	g.POST("/people/:id/:action", k.admin(k.personAction))
}

// personDetail is GET /admin/v1/people/{id}.
type personDetail struct {
	ID                string     `json:"id"`
	UserName          string     `json:"userName"`
	DisplayName       string     `json:"displayName"`
	GivenName         string     `json:"given_name"`
	FamilyName        string     `json:"family_name"`
	Email             string     `json:"email"`
	Status            string     `json:"status"`
	Title             string     `json:"title"`
	Department        string     `json:"department"`
	Division          string     `json:"division"`
	Location          string     `json:"location"`
	EmployeeNumber    string     `json:"employee_number"`
	AuthMethod        string     `json:"auth_method"`
	Frontline         bool       `json:"frontline"`
	InvitedAt         *time.Time `json:"invited_at"`
	ClaimedAt         *time.Time `json:"claimed_at"`
	CreatedAt         time.Time  `json:"created_at"`
	LastDeliveryError string     `json:"last_delivery_error"`
	ExternalID        string     `json:"external_id"`
	Emails            []struct {
		Type    string `json:"type"`
		Value   string `json:"value"`
		Primary bool   `json:"primary"`
	} `json:"emails"`
	Organization  string     `json:"organization"`
	CostCenter    string     `json:"cost_center"`
	UserType      string     `json:"user_type"`
	StartDate     *time.Time `json:"start_date"`
	SignInName    string     `json:"sign_in_name"`
	Active        bool       `json:"active"`
	State         string     `json:"state"`
	DeactivatedAt *time.Time `json:"deactivated_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	Manager       *struct {
		ID             string `json:"id"`
		DisplayName    string `json:"displayName"`
		EmployeeNumber string `json:"employee_number"`
	} `json:"manager"`
	Groups []struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"groups"`
	Invitation struct {
		InvitedAt           *time.Time `json:"invited_at"`
		ExpiresAt           *time.Time `json:"expires_at"`
		Generation          int64      `json:"generation"`
		HasClaimLink        bool       `json:"has_claim_link"`
		HasAccessCode       bool       `json:"has_access_code"`
		AccessCodeExpiresAt *time.Time `json:"access_code_expires_at"`
		LastDeliveryError   string     `json:"last_delivery_error"`
	} `json:"invitation"`
	History struct {
		Deliveries []struct {
			Generation  int64        `json:"generation"`
			Kind        deliveryKind `json:"kind"`
			Recipient   string       `json:"recipient"`
			DeliveredAt time.Time    `json:"delivered_at"`
		} `json:"deliveries"`
		// Events is nil when the admin's role cannot read the audit log.
		Events []auditEvent `json:"events"`
	} `json:"history"`
}

// claimSecrets are a person's claim link and access code, shown once on
// the page that asked for them.
type claimSecrets struct {
	ClaimLink           string     `json:"claim_link"`
	ClaimLinkExpiresAt  *time.Time `json:"claim_link_expires_at"`
	AccessCode          string     `json:"access_code"`
	AccessCodeExpiresAt *time.Time `json:"access_code_expires_at"`
	// New says the access code was just issued.
	New bool `json:"-"`
}

// personActions are the actions that apply to the person's state (the
// API still decides).
type personActions struct {
	Invite, Remind, Revoke, IssueCode, CancelCode, Claim, Deactivate, Reactivate, Delete bool
	// ClaimLabel names what "Get ..." shows.
	ClaimLabel string
}

type personView struct {
	P           personDetail
	Name        string
	StatusLabel string
	Actions     personActions
	Secret      *claimSecrets
	// AuditHref is the person's events in the audit log.
	AuditHref string
}

// personPage reads the person and builds their page.
func (k *Console) personPage(c echo.Context, id string) (page, error) {
	var p personDetail
	if err := k.call(c, http.MethodGet, "/people/"+url.PathEscape(id), nil, nil, &p); err != nil {
		return page{}, err
	}
	name := p.DisplayName
	if name == "" {
		name = p.UserName
	}
	view := personView{P: p, Name: name, StatusLabel: statusLabel(p.Status), Actions: actionsFor(p),
		AuditHref: Prefix + "/audit?" + url.Values{"target_type": {"user"}, "target_id": {p.ID}}.Encode()}
	return newPage(c, "people", name, view), nil
}

// actionsFor are the actions that make sense for p now.
func actionsFor(p personDetail) personActions {
	a := personActions{Deactivate: p.Active, Reactivate: !p.Active, Delete: p.State != "claimed"}
	if p.Active && p.State != "claimed" {
		a.Invite = p.State == "not_invited"
		a.Remind = p.State == "invited" && p.Email != ""
		a.Revoke = p.State == "invited"
		a.IssueCode = true
		a.CancelCode = p.Invitation.HasAccessCode
		a.Claim = p.Invitation.HasClaimLink || p.Invitation.HasAccessCode
		switch {
		case p.Invitation.HasClaimLink && p.Invitation.HasAccessCode:
			a.ClaimLabel = "Get claim link and access code"
		case p.Invitation.HasClaimLink:
			a.ClaimLabel = "Get claim link"
		default:
			a.ClaimLabel = "Get access code"
		}
	}
	return a
}

func (k *Console) showPerson(c echo.Context) error {
	pg, err := k.personPage(c, c.Param("id"))
	if err != nil {
		return err
	}
	return k.render(c, http.StatusOK, "person", pg)
}

// personAction runs one action on the person through the API: a state
// change redirects back to their page with what happened; the claim
// link or a new access code is shown on the page this answer renders,
// never put in a URL or cookie; a refusal (409, 400) is a notice on
// their page.
func (k *Console) personAction(c echo.Context) error {
	id := c.Param("id")
	base := "/people/" + url.PathEscape(id)
	back := Prefix + "/people/" + url.PathEscape(id)
	var state struct {
		UserName string `json:"userName"`
	}
	var err error
	var secret *claimSecrets
	var done string
	switch c.Param("action") {
	case "invite":
		var body any
		if note := c.FormValue("note"); note != "" {
			body = map[string]string{"note": note}
		}
		err = k.call(c, http.MethodPost, base+"/invite", nil, body, &state)
		done = "Invited %s: the invitation is on its way."
	case "remind":
		err = k.call(c, http.MethodPost, base+"/remind", nil, nil, &state)
		done = "Sent %s a reminder."
	case "revoke":
		err = k.call(c, http.MethodPost, base+"/revoke", nil, nil, &state)
		done = "Revoked the invitation of %s: their claim link and access code no longer work."
	case "deactivate":
		err = k.call(c, http.MethodPost, base+"/deactivate", nil, nil, &state)
		done = "Deactivated %s."
	case "reactivate":
		err = k.call(c, http.MethodPost, base+"/reactivate", nil, nil, &state)
		done = "Reactivated %s."
	case "cancel-code":
		err = k.call(c, http.MethodDelete, base+"/access-code", nil, nil, nil)
		done = "Cancelled the access code."
	case "delete":
		if err = k.call(c, http.MethodDelete, base, nil, nil, nil); err == nil {
			return seeOther(c, Prefix+"/people", "Deleted the person.")
		}
	case "access-code":
		var reply struct {
			AccessCode string `json:"access_code"`
			Person     struct {
				AccessCodeExpiresAt *time.Time `json:"access_code_expires_at"`
			} `json:"person"`
		}
		if err = k.call(c, http.MethodPost, base+"/access-code", nil, nil, &reply); err == nil {
			secret = &claimSecrets{AccessCode: reply.AccessCode, AccessCodeExpiresAt: reply.Person.AccessCodeExpiresAt, New: true}
		}
	case "claim":
		var reply claimSecrets
		if err = k.call(c, http.MethodGet, base+"/claim", nil, nil, &reply); err == nil {
			secret = &reply
		}
	default:
		return errNotFound
	}
	var apiErr *apiError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusConflict || apiErr.Status == http.StatusBadRequest) {
		pg, perr := k.personPage(c, id)
		if perr != nil {
			return perr
		}
		pg.Notice, pg.Errors = readableDetail(apiErr.Detail), apiErr.fields()
		return k.render(c, apiErr.Status, "person", pg)
	}
	if err != nil {
		return err
	}
	if secret != nil {
		pg, err := k.personPage(c, id)
		if err != nil {
			return err
		}
		view := pg.Data.(personView)
		view.Secret = secret
		pg.Data = view
		c.Response().Header().Set("Cache-Control", "no-store")
		return k.render(c, http.StatusOK, "person", pg)
	}
	who := state.UserName
	if who == "" {
		who = "them"
	}
	return seeOther(c, back, strings.Replace(done, "%s", who, 1))
}

// apiReference is an API path in a problem's detail ("(POST
// /people/{id}/reactivate)"): the console's buttons say it instead.
var apiReference = regexp.MustCompile(`\s*\((?:GET|POST|PUT|PATCH|DELETE) [^)]*\)`)

// readableDetail is an API problem's detail for a page: the API paths
// it names left out.
func readableDetail(detail string) string {
	return capitalize(apiReference.ReplaceAllString(detail, "")) + "."
}

// deliveryKind is the kind of an email sent to a person, as the
// delivery log records it: "invitation", "reminder-2", "resend-<n>".
type deliveryKind string

// Label says it in words: "Invitation", "Reminder 2", "Sent again by an admin".
func (k deliveryKind) Label() string {
	s := string(k)
	switch {
	case s == "invitation":
		return "Invitation"
	case strings.HasPrefix(s, "reminder-"):
		return "Reminder " + strings.TrimPrefix(s, "reminder-")
	case strings.HasPrefix(s, "resend-"):
		return "Reminder sent by an admin"
	}
	return s
}
