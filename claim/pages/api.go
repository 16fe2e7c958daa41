package pages

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/claim"
	"github.com/latchkeyhq/latchkey/directory"
)

// apiPrefix is where the mobile app's claim API lives. It is the claim
// pages as JSON: POST /code starts a claim and answers a claim_token,
// which every other call sends as "Authorization: Bearer <claim_token>".
// It is a session secret (stored only as its keyed hash) and no cookie
// is ever read or set, so there is no CSRF to defend against.
//
//	POST /api/v1/claim/code      {"code": "ABCD-EFGH-JKLM-NPQR"} → the state and claim_token
//	GET  /api/v1/claim           the state: account, organization, steps, next_step, terms
//	POST /api/v1/claim/terms     {"accept": true, "version": 3}
//	POST /api/v1/claim/profile   {"given_name", "family_name", "title", "department", "phone"}
//	POST /api/v1/claim/picture   multipart (field "picture") or a raw image/jpeg or image/png body
//	POST /api/v1/claim/username  {"username": "ada.l"}
//	POST /api/v1/claim/password  {"password": "…", "confirm": "…"}
//	GET  /api/v1/claim/groups    ?q= search; default groups without
//	POST /api/v1/claim/groups    {"groups": ["<group id>", …]}
//	POST /api/v1/claim/skip      {"step": "picture"}
//	POST /api/v1/claim/complete  → {"claimed": true, "session_token": "…", "account": …}
//
// Errors are {"error": {"code", "message", "field"}}: 400 invalid, 401
// no or ended claim token, 404 unknown code, 409 username taken, already
// claimed, step order, 410 expired or revoked, 429 with Retry-After.
const apiPrefix = "/api/v1/claim"

// maxJSONBody bounds the JSON bodies of the API (pictures have their
// own limit).
const maxJSONBody = 64 << 10

func (p *Pages) mountAPI(g *echo.Group) {
	g.POST("/code", p.api(p.apiRedeemCode))
	g.GET("", p.api(p.withBearer(p.apiState)))
	g.POST("/terms", p.api(p.withBearer(p.apiTerms)))
	g.POST("/profile", p.api(p.withBearer(p.apiProfile)))
	g.POST("/picture", p.api(p.withBearer(p.apiPicture)))
	g.POST("/username", p.api(p.withBearer(p.apiUserName)))
	g.POST("/password", p.api(p.withBearer(p.apiPassword)))
	g.GET("/groups", p.api(p.withBearer(p.apiGroups)))
	g.POST("/groups", p.api(p.withBearer(p.apiJoinGroups)))
	g.POST("/skip", p.api(p.withBearer(p.apiSkip)))
	g.POST("/complete", p.api(p.withBearer(p.apiComplete)))
}

// api wraps an API handler: an error it returns becomes its JSON
// problem.
func (p *Pages) api(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := h(c); err != nil {
			return p.apiError(c, err)
		}
		return nil
	}
}

// withBearer loads the claim session of the request's bearer token.
func (p *Pages) withBearer(h func(c echo.Context, cs *claimState) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if !ok {
			return errNoSession
		}
		cs, err := p.loadClaim(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		return h(c, cs)
	}
}

// readJSON decodes a small JSON body into v.
func readJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, maxJSONBody))
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return errBadRequest
	}
	return nil
}

func (p *Pages) apiRedeemCode(c echo.Context) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := p.inviter.RedeemCode(ctx, p.store, p.guard, c.RealIP(), in.Code)
	if err != nil {
		return err
	}
	secret, s, err := p.startSession(ctx, p.store, directory.Session{OrgID: a.OrgID, AccountID: a.ID,
		Method: string(claim.MethodCode), Purpose: directory.PurposeClaim, InviteGeneration: a.InviteGeneration})
	if err != nil {
		return err
	}
	cs, err := p.loadClaim(ctx, secret)
	if err != nil {
		return err
	}
	if cs.ssoPending() {
		_ = p.store.DeleteSession(ctx, s.Hash)
		return errSSORequired
	}
	return p.writeState(c, cs, secret)
}

func (p *Pages) apiState(c echo.Context, cs *claimState) error { return p.writeState(c, cs, "") }

func (p *Pages) apiTerms(c echo.Context, cs *claimState) error {
	var in struct {
		Accept  bool `json:"accept"`
		Version int  `json:"version"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	return p.afterStep(c, cs, p.acceptTerms(c.Request().Context(), cs, in.Version, in.Accept))
}

func (p *Pages) apiProfile(c echo.Context, cs *claimState) error {
	current := claim.ProfileOf(cs.account)
	in := apiProfile{GivenName: current.GivenName, FamilyName: current.FamilyName, Title: current.Title,
		Department: current.Department, Phone: current.Phone}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	prof := claim.Profile{GivenName: in.GivenName, FamilyName: in.FamilyName, Title: in.Title,
		Department: in.Department, Phone: in.Phone}
	return p.afterStep(c, cs, p.saveProfile(c.Request().Context(), cs, prof))
}

// apiPicture takes the picture as a multipart field "picture" or as the
// whole body (Content-Type image/jpeg or image/png).
func (p *Pages) apiPicture(c echo.Context, cs *claimState) error {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return p.afterStep(c, cs, p.savePicture(c.Request().Context(), cs, c.Request().Body))
	}
	if err := c.Request().ParseMultipartForm(multipartMemory); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return errBadRequest
	}
	f, err := uploadedPicture(c, &formError{field: "picture", message: "Send the picture in the multipart field \"picture\"."}, false)
	if err != nil {
		return err
	}
	defer f.Close()
	return p.afterStep(c, cs, p.savePicture(c.Request().Context(), cs, f))
}

func (p *Pages) apiUserName(c echo.Context, cs *claimState) error {
	var in struct {
		UserName string `json:"username"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	return p.afterStep(c, cs, p.pickUserName(c.Request().Context(), cs, in.UserName))
}

func (p *Pages) apiPassword(c echo.Context, cs *claimState) error {
	var in struct {
		Password string `json:"password"`
		Confirm  string `json:"confirm"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	return p.afterStep(c, cs, p.choosePassword(c.Request().Context(), cs, in.Password, in.Confirm))
}

func (p *Pages) apiGroups(c echo.Context, cs *claimState) error {
	groups, err := p.offeredGroups(c.Request().Context(), cs, strings.TrimSpace(c.QueryParam("q")))
	if err != nil {
		return err
	}
	out := make([]apiGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, apiGroup(g))
	}
	return c.JSON(http.StatusOK, map[string]any{"groups": out})
}

func (p *Pages) apiJoinGroups(c echo.Context, cs *claimState) error {
	var in struct {
		Groups []string `json:"groups"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	return p.afterStep(c, cs, p.joinGroups(c.Request().Context(), cs, in.Groups))
}

func (p *Pages) apiSkip(c echo.Context, cs *claimState) error {
	var in struct {
		Step string `json:"step"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	return p.afterStep(c, cs, p.skipStep(c.Request().Context(), cs, in.Step))
}

func (p *Pages) apiComplete(c echo.Context, cs *claimState) error {
	secret, err := p.complete(c.Request().Context(), cs)
	if err != nil {
		return err
	}
	a, err := p.store.Account(c.Request().Context(), cs.account.OrgID, cs.account.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"claimed": true, "session_token": secret, "account": accountJSON(a)})
}

// afterStep answers a step with the new state, or its error.
func (p *Pages) afterStep(c echo.Context, cs *claimState, err error) error {
	if err != nil {
		return err
	}
	return p.writeState(c, cs, "")
}
