package directory

import (
	"encoding/json"
	"time"
)

// ActorType says what kind of principal performed an audited action.
type ActorType string

// Principals that change things.
const (
	ActorCLI       ActorType = "cli"
	ActorScimToken ActorType = "scim_token"
	ActorAdmin     ActorType = "admin"
	ActorSystem    ActorType = "system"
	ActorPerson    ActorType = "person"
)

// AuditEvent records one change: who did what to which object, when.
// Details never hold secrets (tokens, codes, passwords, assertions).
type AuditEvent struct {
	OrgID         string
	ID            string
	At            time.Time
	ActorType     ActorType
	ActorID       string
	ActorName     string
	Action        string
	TargetType    string
	TargetID      string
	BeforeVersion int64
	AfterVersion  int64
	RequestID     string
	Details       json.RawMessage
}

// AuditQuery selects audit events of one organization, newest first.
// Before is the id of the last event of the previous page.
type AuditQuery struct {
	Action   string
	TargetID string
	Limit    int
	Before   string
}
