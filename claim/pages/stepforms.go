package pages

import (
	"context"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/picture"
)

// Upload bounds. The upload routes take bodies up to uploadLimit, well
// above picture.MaxUploadBytes: a photo a little too large is read whole
// and refused next to the field, instead of the connection being cut
// mid-upload (browsers then show their own error). Multipart files above
// multipartMemory wait in temporary files, removed after the request.
const (
	uploadLimit     = 3 * picture.MaxUploadBytes
	multipartMemory = 1 << 20
	// groupsShown bounds the groups one page lists.
	groupsShown = 25
)

// --- terms ---

type termsView struct {
	Text      string
	Version   int
	Skippable bool
}

func (p *Pages) showTerms(c echo.Context, cs *claimState, pl plan, pg page) error {
	pg.Data = termsView{Text: pl.terms.Text, Version: pl.terms.Version, Skippable: skippable(stepTerms, cs.org, cs.account)}
	return p.render(c, pg.statusOr(http.StatusOK), "terms", pg)
}

func (p *Pages) submitTerms(c echo.Context, cs *claimState) error {
	version, _ := strconv.Atoi(c.FormValue("version"))
	return p.acceptTerms(c.Request().Context(), cs, version, c.FormValue("accept") == "yes")
}

// --- profile ---

// profileField is one profile detail: an input where the organization
// lets people edit it, else a read-only value.
type profileField struct {
	Name, Label, Value, Type, Autocomplete string
}

type profileView struct {
	Fields, ReadOnly []profileField
	AnyEditable      bool
	Skippable        bool
}

// profileFields pairs each form field with the setting that allows it.
func profileFields(prof claim.Profile) []struct {
	setting string
	field   profileField
} {
	return []struct {
		setting string
		field   profileField
	}{
		{directory.FieldName, profileField{"givenName", "Given name", prof.GivenName, "text", "given-name"}},
		{directory.FieldName, profileField{"familyName", "Family name", prof.FamilyName, "text", "family-name"}},
		{directory.FieldTitle, profileField{"title", "Job title", prof.Title, "text", "organization-title"}},
		{directory.FieldDepartment, profileField{"department", "Department", prof.Department, "text", "off"}},
		{directory.FieldPhone, profileField{"phone", "Work phone", prof.Phone, "tel", "tel"}},
	}
}

func (p *Pages) showProfile(c echo.Context, cs *claimState, _ plan, pg page) error {
	view := profileView{Skippable: skippable(stepProfile, cs.org, cs.account)}
	for _, f := range profileFields(claim.ProfileOf(cs.account)) {
		if cs.org.Claim.Editable(f.setting) {
			if pg.status != 0 {
				f.field.Value = c.FormValue(f.field.Name) // what the person typed, next to the problem
			}
			view.Fields = append(view.Fields, f.field)
			view.AnyEditable = true
		} else {
			view.ReadOnly = append(view.ReadOnly, f.field)
		}
	}
	pg.Data = view
	return p.render(c, pg.statusOr(http.StatusOK), "profile", pg)
}

func typedProfile(c echo.Context) claim.Profile {
	return claim.Profile{GivenName: c.FormValue("givenName"), FamilyName: c.FormValue("familyName"),
		Title: c.FormValue("title"), Department: c.FormValue("department"), Phone: c.FormValue("phone")}
}

func (p *Pages) submitProfile(c echo.Context, cs *claimState) error {
	return p.saveProfile(c.Request().Context(), cs, typedProfile(c))
}

// --- picture ---

type pictureView struct {
	PictureURL string
	Skippable  bool
}

func (p *Pages) showPicture(c echo.Context, cs *claimState, _ plan, pg page) error {
	pg.Data = pictureView{PictureURL: pictureURL(cs.account), Skippable: skippable(stepPicture, cs.org, cs.account)}
	return p.render(c, pg.statusOr(http.StatusOK), "picture", pg)
}

func (p *Pages) submitPicture(c echo.Context, cs *claimState) error {
	// A browser sends an empty file part when none was chosen.
	f, err := uploadedPicture(c, &formError{field: "picture", message: "Choose a JPEG or PNG picture" + skipHint(cs, stepPicture) + "."}, true)
	if err != nil {
		return err
	}
	defer f.Close()
	return p.savePicture(c.Request().Context(), cs, f)
}

// uploadedPicture opens the multipart field "picture": without it (or,
// when emptyIsMissing, with an empty file) it answers missing; a file
// over the size limit is refused before it is read.
func uploadedPicture(c echo.Context, missing *formError, emptyIsMissing bool) (multipart.File, error) {
	fh, err := c.FormFile("picture")
	switch {
	case err != nil || (emptyIsMissing && fh.Size == 0):
		return nil, missing
	case fh.Size > picture.MaxUploadBytes:
		return nil, &http.MaxBytesError{Limit: picture.MaxUploadBytes}
	}
	return fh.Open()
}

func skipHint(cs *claimState, step string) string {
	if skippable(step, cs.org, cs.account) {
		return ", or skip this step"
	}
	return ""
}

// pictureURL is where an account's picture is served, "" when it has
// none.
func pictureURL(a directory.Account) string {
	if a.PictureID == "" {
		return ""
	}
	return picturesPrefix + "/" + a.PictureID
}

// --- username ---

type userNameView struct{ UserName string }

func (p *Pages) showUserName(c echo.Context, cs *claimState, _ plan, pg page) error {
	name := shownUserName(cs.account)
	if pg.status != 0 {
		name = c.FormValue("userName")
	}
	pg.Data = userNameView{UserName: name}
	return p.render(c, pg.statusOr(http.StatusOK), "username", pg)
}

func (p *Pages) submitUserName(c echo.Context, cs *claimState) error {
	return p.pickUserName(c.Request().Context(), cs, c.FormValue("userName"))
}

// --- password ---

type passwordView struct{ UserName string }

func (p *Pages) showPassword(c echo.Context, cs *claimState, _ plan, pg page) error {
	pg.Data = passwordView{UserName: shownUserName(cs.account)}
	return p.render(c, pg.statusOr(http.StatusOK), "password", pg)
}

func (p *Pages) submitPassword(c echo.Context, cs *claimState) error {
	return p.choosePassword(c.Request().Context(), cs, c.FormValue("password"), c.FormValue("confirm"))
}

// --- groups ---

type groupView struct {
	ID, Name string
	Member   bool
}

type groupsView struct {
	Query     string
	Groups    []groupView
	Skippable bool
}

func (p *Pages) showGroups(c echo.Context, cs *claimState, _ plan, pg page) error {
	query := strings.TrimSpace(c.QueryParam("q"))
	groups, err := p.offeredGroups(c.Request().Context(), cs, query)
	if err != nil {
		return err
	}
	pg.Data = groupsView{Query: query, Groups: groups, Skippable: skippable(stepGroups, cs.org, cs.account)}
	return p.render(c, pg.statusOr(http.StatusOK), "groups", pg)
}

// offeredGroups are the organization's default groups (or, when it has
// none, its open groups), or the open groups matching query, each
// marked when the person is already a member.
func (p *Pages) offeredGroups(ctx context.Context, cs *claimState, query string) ([]groupView, error) {
	var groups []directory.Group
	var err error
	if query == "" {
		groups, err = p.store.DefaultGroups(ctx, cs.org.ID)
	}
	if err == nil && len(groups) == 0 {
		groups, err = p.store.SearchOpenGroups(ctx, cs.org.ID, query, groupsShown)
	}
	if err != nil {
		return nil, err
	}
	member, err := p.memberOf(ctx, cs.account)
	if err != nil {
		return nil, err
	}
	views := make([]groupView, 0, len(groups))
	for _, g := range groups {
		views = append(views, groupView{ID: g.ID, Name: g.DisplayName, Member: member[g.ID]})
	}
	return views, nil
}

// memberOf is the set of groups a is a direct member of (one page is
// plenty: it only marks the groups a page lists).
func (p *Pages) memberOf(ctx context.Context, a directory.Account) (map[string]bool, error) {
	page, err := p.store.FindGroups(ctx, a.OrgID, directory.ListQuery{Limit: directory.MaxPageSize,
		Filter: directory.Compare{Attr: directory.AttrMemberValue, Op: directory.OpEq, Value: a.ID}})
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(page.Groups))
	for _, g := range page.Groups {
		set[g.ID] = true
	}
	return set, nil
}

func (p *Pages) submitGroups(c echo.Context, cs *claimState) error {
	form, err := c.FormParams()
	if err != nil {
		return errBadRequest
	}
	return p.joinGroups(c.Request().Context(), cs, form["group"])
}

// --- finish ---

type finishView struct{ Name string }

func (p *Pages) showFinish(c echo.Context, cs *claimState) error {
	pl, err := p.planFor(c.Request().Context(), cs)
	if err != nil {
		return err
	}
	if pl.next(cs.progress) != "" {
		return p.goToNextStep(c, cs)
	}
	return p.render(c, http.StatusOK, "finish", page{Title: "Almost done", OrgName: cs.org.Name,
		Data: finishView{Name: personName(cs.account)}})
}

// submitComplete claims the account and signs the person in with a new
// session.
func (p *Pages) submitComplete(c echo.Context, cs *claimState) error {
	secret, err := p.complete(c.Request().Context(), cs)
	if err != nil {
		return err
	}
	p.cookies.setSession(c, secret, p.cookieLifetime(directory.PurposeSignIn))
	return seeOther(c, "/account/welcome")
}
