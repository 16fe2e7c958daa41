package admin

import (
	"encoding/json"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// bulkReply is a bulk action as the API shows it.
type bulkReply struct {
	ID        string              `json:"id"`
	Action    string              `json:"action"`
	Status    directory.JobStatus `json:"status"`
	Selection bulkSelection       `json:"selection"`
	Note      string              `json:"note,omitempty"`
	AdminID   string              `json:"admin_id"`
	// Total is how many people the selection matched when the action was
	// asked for; Done how many were handled so far: Changed were acted
	// on, Skipped needed nothing (already invited, say), Failed could not
	// be (Errors lists the first few, with the reason).
	Total   int64 `json:"total"`
	Done    int64 `json:"done"`
	Changed int64 `json:"changed"`
	Skipped int64 `json:"skipped"`
	Failed  int64 `json:"failed"`
	// Percent is Done of Total, 0 to 100.
	Percent    int         `json:"percent"`
	Errors     []bulkError `json:"errors"`
	CreatedAt  time.Time   `json:"created_at"`
	StartedAt  *time.Time  `json:"started_at,omitempty"`
	FinishedAt *time.Time  `json:"finished_at,omitempty"`
}

// bulkError is one person the action failed on, and why.
type bulkError struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
	Reason   string `json:"reason"`
}

func bulkReplyOf(b directory.BulkAction) bulkReply {
	out := bulkReply{ID: b.ID, Action: b.Action, Status: b.Status, AdminID: b.AdminID,
		Total: b.Total, Done: b.Done, Changed: b.Changed, Skipped: b.Skipped, Failed: b.Failed,
		Percent: bulkPercent(b), Errors: bulkErrorsOf(b), CreatedAt: b.CreatedAt, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt}
	// Written by this package; unreadable parts are shown empty.
	_ = json.Unmarshal(b.Params, &out.Selection)
	var opts bulkOptions
	_ = json.Unmarshal(b.Options, &opts)
	out.Note = opts.Note
	return out
}

// bulkPercent is Done of Total; people who came to match after the
// count can make Done pass Total, which still shows as 100 once done.
func bulkPercent(b directory.BulkAction) int {
	switch {
	case b.Status == directory.JobSucceeded:
		return 100
	case b.Total <= 0:
		return 0
	}
	return int(min(99, b.Done*100/b.Total))
}
