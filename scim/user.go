package scim

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/scim/schemas"
)

// lifecycleURNs are the extensions whose writable attributes live in
// typed columns (state, auth method, start date, frontline) rather than in
// the stored document; responses rebuild them from the account.
var lifecycleURNs = []string{
	schemas.LatchkeyURN, schemas.FacebookAccountStatusURN, schemas.FacebookAuthMethodURN,
	schemas.FacebookFrontlineURN, schemas.FacebookStartTermDatesURN,
}

// lifecycleWrite is what a request asked of the lifecycle attributes; nil
// fields were not sent.
type lifecycleWrite struct {
	invited    *bool
	authMethod *directory.AuthMethod
	startDate  **time.Time
	frontline  *bool
}

// applyUserDocument sets every account field from a normalized document
// and returns the document to store (without the lifecycle attributes,
// which have columns of their own). prior is the document a PATCH started
// from, nil for POST and PUT (see readLifecycle). now stamps state changes.
func applyUserDocument(a *directory.Account, doc, prior document, now time.Time) error {
	creating := a.ID == ""
	a.UserName = stringAt(doc, "userName")
	a.ExternalID = stringAt(doc, "externalId")
	a.DisplayName = stringAt(doc, "displayName")
	name := objectAt(doc, "name")
	a.GivenName, a.FamilyName = stringAt(name, "givenName"), stringAt(name, "familyName")
	a.Title = stringAt(doc, "title")
	a.UserType = stringAt(doc, "userType")
	a.Emails = emailsOf(doc)
	a.Location = workLocality(doc)
	ent := objectAt(doc, schemas.EnterpriseURN)
	a.Department, a.Division = stringAt(ent, "department"), stringAt(ent, "division")
	a.Organization, a.CostCenter = stringAt(ent, "organization"), stringAt(ent, "costCenter")
	a.EmployeeNumber = stringAt(ent, "employeeNumber")
	a.ManagerID = stringAt(objectAt(ent, "manager"), "value")
	if active, ok := doc["active"].(bool); ok {
		a.SetActive(active, now)
	} else if creating {
		a.Active = true
	}
	w, err := readLifecycle(doc, prior, *a)
	if err != nil {
		return err
	}
	if err := applyLifecycle(a, w, now); err != nil {
		return err
	}
	a.Resource = storedDocument(doc)
	return nil
}

// lifecycleAlias is where one lifecycle attribute appears: Latchkey's
// extension first, then Workplace's.
type lifecycleAlias struct{ urn, key string }

var (
	invitedAt    = []lifecycleAlias{{schemas.LatchkeyURN, "invited"}, {schemas.FacebookAccountStatusURN, "invited"}}
	frontlineAt  = []lifecycleAlias{{schemas.LatchkeyURN, "frontline"}, {schemas.FacebookFrontlineURN, "is_frontline"}}
	authMethodAt = []lifecycleAlias{{schemas.LatchkeyURN, "authMethod"}, {schemas.FacebookAuthMethodURN, "authMethod"}}
	startDateAt  = []lifecycleAlias{{schemas.LatchkeyURN, "startDate"}, {schemas.FacebookStartTermDatesURN, "startDate"}}
)

// written lists the values a request wrote to an attribute's aliases.
// Without prior (POST, PUT) that is every value present. A PATCH works on
// a document that shows every alias, so there a value counts only when it
// differs from prior's at the same place, and a removed one counts as nil:
// removing one alias is seen although the other still shows the old value.
func written(doc, prior document, aliases []lifecycleAlias) []any {
	var out []any
	for _, at := range aliases {
		v, present := objectAt(doc, at.urn)[at.key]
		if prior == nil {
			if present && v != nil {
				out = append(out, v)
			}
			continue
		}
		was, had := objectAt(prior, at.urn)[at.key]
		if present != had || !sameJSON(v, was) {
			out = append(out, v)
		}
	}
	return out
}

// sameJSON compares two decoded values as JSON, so that the int64 of a
// rendered resource equals the json.Number of a parsed request.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// readLifecycle reads the lifecycle attributes from Latchkey's extension
// and Workplace's aliases. A value that equals the account's current one
// is no write; of several differing ones the first wins.
func readLifecycle(doc, prior document, cur directory.Account) (lifecycleWrite, error) {
	var w lifecycleWrite
	// On create cur is the zero account: its state "" is not invited.
	invited := cur.State == directory.StateInvited || cur.State == directory.StateClaimed
	w.invited = changedBool(invited, written(doc, prior, invitedAt)...)
	w.frontline = changedBool(cur.Frontline, written(doc, prior, frontlineAt)...)
	for _, v := range written(doc, prior, authMethodAt) {
		s, ok := v.(string)
		if !ok {
			continue
		}
		m := directory.AuthMethod(strings.ToLower(s))
		if !m.Valid() {
			return w, badRequest(typeInvalidValue, "authMethod must be password or sso")
		}
		if m != cur.AuthMethod {
			w.authMethod = &m
			break
		}
	}
	start, err := startDate(written(doc, prior, startDateAt), cur.StartDate)
	if err != nil {
		return w, err
	}
	w.startDate = start
	return w, nil
}

func changedBool(current bool, values ...any) *bool {
	for _, v := range values {
		if b, ok := v.(bool); ok && b != current {
			return &b
		}
	}
	return nil
}

// startDate reads an RFC 3339 date (Latchkey) or epoch seconds (Workplace;
// 0 means none); nil (a removed alias) means none too. The outer nil means
// "not sent or unchanged".
func startDate(values []any, cur *time.Time) (**time.Time, error) {
	for _, v := range values {
		t, err := parseStartDate(v)
		if err != nil {
			return nil, err
		}
		if !sameDate(t, cur) {
			return &t, nil
		}
	}
	return nil, nil
}

func parseStartDate(v any) (*time.Time, error) {
	var t time.Time
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		parsed, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, badRequest(typeInvalidValue, "startDate must be a date-time such as 2027-01-04T09:00:00Z")
		}
		t = parsed.UTC()
	case json.Number:
		secs, err := v.Int64()
		if err != nil {
			return nil, badRequest(typeInvalidValue, "startDate must be whole seconds since the epoch")
		}
		if secs == 0 {
			return nil, nil
		}
		if secs < 0 || secs > directory.MaxStartDate.Unix() {
			return nil, badRequest(typeInvalidValue, "startDate %d is not seconds since the epoch before the year 10000 (milliseconds? divide by 1000)", secs)
		}
		t = time.Unix(secs, 0).UTC()
	default:
		return nil, badRequest(typeInvalidValue, "startDate must be a date-time string or epoch seconds")
	}
	if t.Before(directory.MinStartDate) || t.After(directory.MaxStartDate) {
		return nil, badRequest(typeInvalidValue, "startDate must lie between the years 1 and 9999")
	}
	return &t, nil
}

// sameDate compares to the second, the precision Workplace's alias has.
func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Unix() == b.Unix()
}

// applyLifecycle applies the writable lifecycle attributes. Writing
// invited=true invites a not-invited account; invited=false revokes an
// unclaimed invitation; a claimed account stays claimed.
func applyLifecycle(a *directory.Account, w lifecycleWrite, now time.Time) error {
	if a.State == "" {
		a.State = directory.StateNotInvited
	}
	if w.invited != nil {
		switch {
		case *w.invited && a.State == directory.StateNotInvited:
			a.State = directory.StateInvited
			t := now
			a.InvitedAt = &t
		case !*w.invited && a.State == directory.StateInvited:
			a.State = directory.StateNotInvited
			a.InvitedAt = nil
		}
	}
	if w.authMethod != nil {
		a.AuthMethod = *w.authMethod
	}
	if a.AuthMethod == "" {
		a.AuthMethod = directory.AuthPassword
	}
	if w.startDate != nil {
		a.StartDate = *w.startDate
	}
	if w.frontline != nil {
		a.Frontline = *w.frontline
	}
	return nil
}

// storedDocument is doc without what has columns of its own: the
// lifecycle extensions (Workplace's termDate, which Latchkey does not
// model, is kept), active and externalId.
func storedDocument(doc document) json.RawMessage {
	stored := document{}
	for k, v := range doc {
		switch {
		case k == "active", k == "externalId":
		case strings.EqualFold(k, schemas.FacebookStartTermDatesURN):
			if obj, ok := v.(map[string]any); ok && obj["termDate"] != nil {
				stored[schemas.FacebookStartTermDatesURN] = document{"termDate": obj["termDate"]}
			}
		case isLifecycleURN(k):
		default:
			stored[k] = v
		}
	}
	raw, _ := json.Marshal(stored) // a decoded JSON document always marshals
	return raw
}

func isLifecycleURN(key string) bool {
	for _, urn := range lifecycleURNs {
		if strings.EqualFold(key, urn) {
			return true
		}
	}
	return false
}

func emailsOf(doc document) []directory.Email {
	list, _ := doc["emails"].([]any)
	out := make([]directory.Email, 0, len(list))
	for _, item := range list {
		e, _ := item.(map[string]any)
		if v := stringAt(e, "value"); v != "" {
			primary, _ := e["primary"].(bool)
			out = append(out, directory.Email{Type: stringAt(e, "type"), Value: v, Primary: primary})
		}
	}
	return out
}

// workLocality is the locality of the primary address, else of the work
// address, else of the first one: what admins filter as "location".
func workLocality(doc document) string {
	list, _ := doc["addresses"].([]any)
	var first, work string
	for i, item := range list {
		a, _ := item.(map[string]any)
		loc := stringAt(a, "locality")
		if p, _ := a["primary"].(bool); p && loc != "" {
			return loc
		}
		if i == 0 {
			first = loc
		}
		if work == "" && strings.EqualFold(stringAt(a, "type"), "work") {
			work = loc
		}
	}
	if work != "" {
		return work
	}
	return first
}

// userDoc renders an account for a response: userResource plus the
// derived claim link and access code, which exist only while they work.
func (h *Handler) userDoc(a directory.Account) document {
	doc := userResource(a, h.base)
	addPicture(doc, a, h.root)
	if h.claims == nil {
		return doc
	}
	lk, _ := doc[schemas.LatchkeyURN].(document)
	status, _ := doc[schemas.FacebookAccountStatusURN].(document)
	if link := h.claims.ClaimLink(a); link != "" {
		lk["claimLink"], status["claimLink"] = link, link
	}
	if code := h.claims.AccessCode(a); code != "" {
		lk["accessCode"], status["accessCode"] = code, code
		status["accessCodeExpirationDate"] = a.AccessCodeExpiresAt.Unix()
	}
	return doc
}

// picturePath is where the server serves profile pictures, below the
// server's root: {root}/pictures/{PictureID}.
const picturePath = "/pictures/"

// addPicture puts the picture the person uploaded while claiming their
// account first in photos, as the primary one; the photos the IdP sent
// (the stored document's) follow it, no longer primary. Without a picture
// photos is exactly what the IdP sent. The picture is rendered, never
// stored: it is derived from a.PictureID like the claim link, so it is
// absent from editableUser (PATCH and the no-op check) and dropOwnPhotos
// keeps clients that write back what they read from storing it.
func addPicture(doc document, a directory.Account, root string) {
	if a.PictureID == "" {
		return
	}
	photos := []any{document{"value": root + picturePath + url.PathEscape(a.PictureID), "type": "photo", "primary": true}}
	list, _ := doc["photos"].([]any)
	for _, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			photos = append(photos, item)
			continue
		}
		if isOwnPhoto(obj, root) {
			continue
		}
		obj = maps.Clone(obj)
		obj["primary"] = false
		photos = append(photos, obj)
	}
	doc["photos"] = photos
}

// isOwnPhoto reports a photo whose URL is one of the server's pictures.
func isOwnPhoto(photo map[string]any, root string) bool {
	v := stringAt(photo, "value")
	prefix := root + picturePath
	return len(v) >= len(prefix) && strings.EqualFold(v[:len(prefix)], prefix)
}

// dropOwnPhotos removes from a written document the photos that are the
// server's own pictures: Okta PUTs back everything it read, and Latchkey's
// picture must not end up stored as if the IdP had sent it (where it would
// show twice, or outlive the picture). photos left empty is removed.
func dropOwnPhotos(doc document, root string) {
	list, ok := doc["photos"].([]any)
	if !ok {
		return
	}
	kept := slices.DeleteFunc(slices.Clone(list), func(item any) bool {
		obj, ok := item.(map[string]any)
		return ok && isOwnPhoto(obj, root)
	})
	switch {
	case len(kept) == len(list):
	case len(kept) == 0:
		delete(doc, "photos")
	default:
		doc["photos"] = kept
	}
}

// userResource renders an account as the SCIM User the client sees.
func userResource(a directory.Account, baseURL string) document {
	doc := decodeStored(a.Resource)
	doc["id"] = a.ID
	doc["userName"] = a.UserName
	doc["active"] = a.Active
	if a.ExternalID != "" {
		doc["externalId"] = a.ExternalID
	}
	addLifecycle(doc, a)
	doc["meta"] = meta("User", baseURL+"/Users/"+a.ID, a.CreatedAt, a.UpdatedAt, a.Version)
	doc["schemas"] = schemaList(doc, schemas.UserURN)
	return doc
}

func addLifecycle(doc document, a directory.Account) {
	invited := a.State != directory.StateNotInvited
	claimed := a.State == directory.StateClaimed
	lk := document{"invited": invited, "claimed": claimed, "authMethod": string(a.AuthMethod), "frontline": a.Frontline}
	status := document{"invited": invited, "claimed": claimed, "canDelete": !claimed}
	if a.InvitedAt != nil {
		lk["inviteDate"] = formatTime(*a.InvitedAt)
		status["inviteDate"] = a.InvitedAt.Unix()
	}
	if a.ClaimedAt != nil {
		lk["claimDate"] = formatTime(*a.ClaimedAt)
		status["claimDate"] = a.ClaimedAt.Unix()
	}
	// The person's own name, never the IdP's to write: normalize drops it
	// from PUT and POST (readOnly), PATCH may only leave it as it is, and
	// applyUserDocument never sets Account.SignInName.
	if a.SignInName != "" {
		lk["signInName"] = a.SignInName
	}
	dates := objectAt(doc, schemas.FacebookStartTermDatesURN)
	merged := document{}
	for k, v := range dates {
		merged[k] = v
	}
	if a.StartDate != nil {
		lk["startDate"] = formatTime(*a.StartDate)
		merged["startDate"] = a.StartDate.Unix()
	}
	doc[schemas.LatchkeyURN] = lk
	doc[schemas.FacebookAccountStatusURN] = status
	doc[schemas.FacebookAuthMethodURN] = document{"authMethod": string(a.AuthMethod)}
	doc[schemas.FacebookFrontlineURN] = document{"is_frontline": a.Frontline}
	if len(merged) > 0 {
		doc[schemas.FacebookStartTermDatesURN] = merged
	}
}

func meta(resourceType, location string, created, modified time.Time, version int64) document {
	return document{
		"resourceType": resourceType,
		"created":      formatTime(created),
		"lastModified": formatTime(modified),
		"location":     location,
		"version":      etag(version),
	}
}

// etag is the weak entity tag of a version: the resource's meta.version
// and its ETag header.
func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// schemaList names the core schema and every extension present, so
// clients see exactly which URNs the document carries.
func schemaList(doc document, core string) []string {
	list := []string{core}
	for k := range doc {
		if strings.HasPrefix(strings.ToLower(k), "urn:") {
			list = append(list, k)
		}
	}
	slices.Sort(list[1:])
	return list
}

func decodeStored(raw json.RawMessage) document {
	doc := document{}
	if len(raw) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return document{}
		}
	}
	return doc
}

func stringAt(doc document, key string) string {
	s, _ := doc[key].(string)
	return s
}

func objectAt(doc document, key string) document {
	obj, _ := doc[key].(map[string]any)
	return obj
}
