package directory

// Status is what admins filter people by: the lifecycle state of an
// active account, or deactivated whatever the state underneath.
type Status string

// The statuses.
const (
	StatusNotInvited  Status = "not_invited"
	StatusInvited     Status = "invited" // invited, not claimed yet
	StatusClaimed     Status = "claimed"
	StatusDeactivated Status = "deactivated"
)

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{StatusNotInvited, StatusInvited, StatusClaimed, StatusDeactivated}

// StatusOf is the account's status.
func StatusOf(a Account) Status {
	if !a.Active {
		return StatusDeactivated
	}
	return Status(a.State)
}

// StatusFilter selects the accounts of a status; false for an unknown one.
func StatusFilter(s Status) (Filter, bool) {
	switch s {
	case StatusNotInvited, StatusInvited, StatusClaimed:
		return And{Compare{AttrActive, OpEq, true}, Compare{AttrState, OpEq, string(s)}}, true
	case StatusDeactivated:
		return Compare{AttrActive, OpEq, false}, true
	}
	return nil, false
}

// StatusCounts counts accounts per Status.
type StatusCounts struct {
	NotInvited  int64 `json:"not_invited"`
	Invited     int64 `json:"invited"`
	Claimed     int64 `json:"claimed"`
	Deactivated int64 `json:"deactivated"`
	Total       int64 `json:"total"`
}
