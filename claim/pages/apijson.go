package pages

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// The API's JSON shapes (snake_case throughout).

type apiProfile struct {
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Title      string `json:"title"`
	Department string `json:"department"`
	Phone      string `json:"phone"`
}

type apiAccount struct {
	ID          string     `json:"id"`
	UserName    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Email       string     `json:"email,omitempty"`
	PictureURL  string     `json:"picture_url,omitempty"`
	Profile     apiProfile `json:"profile"`
}

type apiStep struct {
	Name      string `json:"name"`
	Done      bool   `json:"done"`
	Skippable bool   `json:"skippable"`
}

type apiGroup struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Member bool   `json:"member"`
}

type apiTerms struct {
	Version int    `json:"version"`
	Text    string `json:"text"`
}

type apiState struct {
	ClaimToken     string            `json:"claim_token,omitempty"`
	Method         string            `json:"method"`
	Organization   map[string]string `json:"organization"`
	Account        apiAccount        `json:"account"`
	Steps          []apiStep         `json:"steps"`
	NextStep       string            `json:"next_step"`
	Terms          *apiTerms         `json:"terms,omitempty"`
	EditableFields []string          `json:"editable_fields"`
}

func accountJSON(a directory.Account) apiAccount {
	prof := claim.ProfileOf(a)
	return apiAccount{ID: a.ID, UserName: shownUserName(a), DisplayName: personName(a), Email: a.PrimaryEmail(),
		PictureURL: pictureURL(a), Profile: apiProfile{GivenName: prof.GivenName, FamilyName: prof.FamilyName,
			Title: prof.Title, Department: prof.Department, Phone: prof.Phone}}
}

// writeState answers the claim's state; claimToken only when the call
// started the claim (the token is shown once). next_step "" means the
// claim may complete.
func (p *Pages) writeState(c echo.Context, cs *claimState, claimToken string) error {
	pl, err := p.planFor(c.Request().Context(), cs)
	if err != nil {
		return err
	}
	st := apiState{ClaimToken: claimToken, Method: cs.session.Method, Account: accountJSON(cs.account),
		Organization: map[string]string{"name": cs.org.Name, "slug": cs.org.Slug},
		NextStep:     pl.next(cs.progress), EditableFields: []string{}}
	for _, s := range pl.steps {
		st.Steps = append(st.Steps, apiStep{Name: s, Done: cs.progress.isDone(s), Skippable: skippable(s, cs.org, cs.account)})
	}
	if pl.terms.Version > 0 {
		st.Terms = &apiTerms{Version: pl.terms.Version, Text: pl.terms.Text}
	}
	for _, f := range directory.ProfileFields {
		if cs.org.Claim.Editable(f) {
			st.EditableFields = append(st.EditableFields, f)
		}
	}
	return c.JSON(http.StatusOK, st)
}

// apiFields renames the pages' form fields to the API's JSON names.
var apiFields = map[string]string{"givenName": "given_name", "familyName": "family_name", "userName": "username"}

// apiError writes err's problem as the API's error object.
func (p *Pages) apiError(c echo.Context, err error) error {
	pr := classify(err)
	p.logProblem(c, pr, err)
	setRetryAfter(c, pr.retryAfter)
	status := pr.status
	if pr.apiStatus != 0 {
		status = pr.apiStatus
	}
	field := pr.field
	if renamed, ok := apiFields[field]; ok {
		field = renamed
	}
	if field == "code" && c.Path() != apiPrefix+"/code" {
		field = "" // a claim problem met later is about the claim, not a typed code
	}
	return writeAPIError(c, status, pr.code, pr.message, field)
}

func writeAPIError(c echo.Context, status int, code, message, field string) error {
	body := map[string]string{"code": code, "message": message}
	if field != "" {
		body["field"] = field
	}
	return c.JSON(status, map[string]any{"error": body})
}

// writeServerErrorJSON implements server.Area's WriteError for the API.
func (p *Pages) writeServerErrorJSON(c echo.Context, status int, detail string) error {
	code := "error"
	switch status {
	case http.StatusNotFound:
		code = "not_found"
	case http.StatusMethodNotAllowed:
		code = "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		code = "too_large"
	case http.StatusServiceUnavailable:
		code = "unavailable"
	case http.StatusInternalServerError:
		code = "internal"
	}
	return writeAPIError(c, status, code, detail, "")
}
