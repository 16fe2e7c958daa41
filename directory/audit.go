package directory

import (
	"context"
	"encoding/json"
	"time"
)

// ActorType says what kind of principal performed an audited action.
type ActorType string

// Principals that change things.
const (
	ActorCLI        ActorType = "cli"
	ActorScimToken  ActorType = "scim_token"
	ActorScimClient ActorType = "scim_client"
	ActorAdmin      ActorType = "admin"
	ActorSystem     ActorType = "system"
	ActorPerson     ActorType = "person"
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

// Validate checks the fields every event needs and that Details is a JSON
// document a backend can store.
func (e AuditEvent) Validate() error {
	if e.OrgID == "" || e.Action == "" || e.ActorType == "" {
		return invalid("audit", "org, action and actor type are required")
	}
	if err := checkTexts("actorName", e.ActorName, "action", e.Action, "targetId", e.TargetID); err != nil {
		return err
	}
	return checkDocument("details", e.Details)
}

// Record appends e as done by actor (an empty actor is the system), with
// details (never secrets): the one way adapters write audit events.
func Record(ctx context.Context, store AuditStore, actor Actor, e AuditEvent, details map[string]any) error {
	e.ActorType, e.ActorID, e.ActorName, e.RequestID = actor.Type, actor.ID, actor.Name, actor.RequestID
	if e.ActorType == "" {
		e.ActorType = ActorSystem
	}
	if err := e.SetDetails(details); err != nil {
		return err
	}
	return store.AppendAudit(ctx, &e)
}

// SetDetails stores details as the event's JSON document; nil or empty
// details leave it without one. Details never hold secrets.
func (e *AuditEvent) SetDetails(details map[string]any) error {
	if len(details) == 0 {
		return nil
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return err
	}
	e.Details = raw
	return nil
}

// AuditQuery selects audit events of one organization, newest first.
// Every non-zero field narrows the selection. Before is the id of the
// last event of the previous page.
type AuditQuery struct {
	// Action matches exactly, or, ending in ".*", every action with that
	// prefix ("account.*").
	Action     string
	ActorType  ActorType
	ActorID    string
	TargetType string
	TargetID   string
	// Since (inclusive) and Until (exclusive) bound At.
	Since  time.Time
	Until  time.Time
	Limit  int
	Before string
}
