package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/latchkeyhq/latchkey/directory"
)

// endBulk finishes b with status; a reason is shown among its errors.
func (h *Handler) endBulk(b *directory.BulkAction, status directory.JobStatus, reason string) {
	if reason != "" {
		tally := bulkTally{errors: bulkErrorsOf(*b)}
		tally.note(bulkError{Reason: reason})
		tally.addTo(b)
	}
	now := h.now().UTC()
	b.Status, b.FinishedAt = status, &now
}

// bulkTally counts one batch's outcomes.
type bulkTally struct {
	changed, skipped, failed int64
	errors                   []bulkError
}

func (t *bulkTally) note(e bulkError) {
	if len(t.errors) < maxBulkErrors {
		t.errors = append(t.errors, e)
	}
}

// addTo adds the batch to the bulk action's counts.
func (t *bulkTally) addTo(b *directory.BulkAction) {
	b.Changed += t.changed
	b.Skipped += t.skipped
	b.Failed += t.failed
	b.Done += t.changed + t.skipped + t.failed
	raw, err := json.Marshal(t.errors)
	if err == nil {
		b.Errors = raw
	}
}

func bulkErrorsOf(b directory.BulkAction) []bulkError {
	var list []bulkError
	_ = json.Unmarshal(b.Errors, &list) // written by addTo
	if list == nil {
		list = []bulkError{}
	}
	return list
}

// bulkFailure is the reason an action could not be done to a person, as
// a bulk action reports it: the claim package's conflicts say what is in
// the way.
func bulkFailure(a directory.Account, err error) bulkError {
	reason := err.Error()
	var invalid *directory.ValidationError
	switch {
	case errors.As(err, &invalid):
		reason = fmt.Sprintf("%s %s", invalid.Field, invalid.Problem)
	case errors.Is(err, directory.ErrConflict):
		reason, _ = strings.CutPrefix(reason, directory.ErrConflict.Error()+": ")
	}
	return bulkError{ID: a.ID, UserName: a.UserName, Reason: reason}
}
