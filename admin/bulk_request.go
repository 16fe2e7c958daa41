package admin

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/riverqueue/river"

	"github.com/latchkeyhq/latchkey/directory"
)

// bulkActionName is what a bulk action does to each person it selects.
type bulkActionName string

// The bulk actions: the actions on one person (actions.go) that make
// sense for many.
const (
	bulkInvite     bulkActionName = "invite"
	bulkRemind     bulkActionName = "remind"
	bulkRevoke     bulkActionName = "revoke"
	bulkIssueCode  bulkActionName = "issue_code"
	bulkCancelCode bulkActionName = "cancel_code"
	bulkDeactivate bulkActionName = "deactivate"
	bulkReactivate bulkActionName = "reactivate"
)

// bulkActionNames lists the bulk actions.
func bulkActionNames() []bulkActionName {
	return []bulkActionName{bulkInvite, bulkRemind, bulkRevoke, bulkIssueCode, bulkCancelCode, bulkDeactivate, bulkReactivate}
}

// maxBulkIDs bounds an explicit selection; a filter selects any number.
// The ids become one clause each, and a store query takes at most 1000
// clauses: 500 leaves room for the longest SCIM filter (2048 bytes) and
// the clauses each batch adds (created before, id after the cursor).
const maxBulkIDs = 500

// bulkRequest is the body of POST /bulk-actions. The people filters sit
// inline, named as GET /people's query parameters (so "filter" is the
// SCIM filter expression, as there):
//
//	{"action": "invite", "status": "not_invited", "department": "Sales", "note": "Welcome!"}
//
// ids narrows the selection to those people (a selection made in a
// list); with filters too, a person must match both. No filter and no
// ids select everyone. Ids of no one in the organization select no one.
type bulkRequest struct {
	// Action is invite, remind, revoke, issue_code, cancel_code,
	// deactivate or reactivate.
	Action bulkActionName `json:"action"`
	bulkSelection
	// Note is added to the invitation emails (invite only).
	Note string `json:"note,omitempty"`
}

// bulkSelection is who a bulk action applies to; it is stored as the
// bulk action's Params and read again by every batch.
type bulkSelection struct {
	peopleFilter
	IDs []string `json:"ids,omitempty"`
}

// bulkOptions are a bulk action's Options: the note of its invitations
// and the request that asked for it, which its audit records name.
type bulkOptions struct {
	Note      string `json:"note,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// check checks the request, reporting every field at fault at once, and
// returns who the action applies to (nil: everyone).
func (r bulkRequest) check() (directory.Filter, error) {
	var errs []fieldError
	fail := func(field, message string) { errs = append(errs, fieldError{Field: field, Message: message}) }
	switch {
	case r.Action == "":
		fail("action", "is required: "+bulkActionList())
	case !r.Action.valid():
		fail("action", "must be "+bulkActionList())
	case r.Note != "" && r.Action != bulkInvite:
		fail("note", "only invitations carry a note")
	}
	if p := checkNote("note", r.Note); p != nil {
		errs = append(errs, p.Errors...)
	}
	errs = append(errs, r.checkIDs()...)
	selected, err := r.bulkSelection.filter()
	var bad *problem
	switch {
	case errors.As(err, &bad):
		errs = append(errs, bad.Errors...)
	case err != nil:
		return nil, err
	}
	if len(errs) > 0 {
		return nil, invalidFields(errs)
	}
	return selected, nil
}

func (r bulkRequest) checkIDs() []fieldError {
	switch {
	case r.IDs == nil:
		return nil
	case len(r.IDs) == 0:
		return []fieldError{{Field: "ids", Message: "name at least one person, or leave ids out to select by the filters alone"}}
	case len(r.IDs) > maxBulkIDs:
		return []fieldError{{Field: "ids", Message: fmt.Sprintf("at most %d ids; select more people with filters", maxBulkIDs)}}
	}
	var errs []fieldError
	for i, id := range r.IDs {
		if id == "" || len(id) > 64 || strings.TrimSpace(id) != id {
			errs = append(errs, fieldError{Field: fmt.Sprintf("ids[%d]", i), Message: "must be a person's id"})
		}
	}
	return errs
}

func (a bulkActionName) valid() bool { return slices.Contains(bulkActionNames(), a) }

func bulkActionList() string {
	all := bulkActionNames()
	names := make([]string, len(all))
	for i, n := range all {
		names[i] = string(n)
	}
	return strings.Join(names, ", ")
}

// filter is the selection as a store filter (nil: everyone).
func (s bulkSelection) filter() (directory.Filter, error) {
	f, err := s.peopleFilter.compile()
	if err != nil {
		return nil, err
	}
	if len(s.IDs) == 0 {
		return f, nil
	}
	byID := make(directory.Or, 0, len(s.IDs))
	for _, id := range s.IDs {
		byID = append(byID, directory.Compare{Attr: directory.AttrID, Op: directory.OpEq, Value: id})
	}
	if f == nil {
		return byID, nil
	}
	return directory.And{f, byID}, nil
}

// bulkUnique keeps one job per bulk action (and continuation): a retried
// request or a rescued job never runs a bulk action twice at once.
func bulkUnique() *river.InsertOpts {
	return &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}
