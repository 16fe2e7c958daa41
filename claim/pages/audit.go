package pages

import (
	"context"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/server"
)

// personActor is the person a request acts for: the account's owner.
func personActor(ctx context.Context, a directory.Account) directory.Actor {
	return directory.Actor{Type: directory.ActorPerson, ID: a.ID, Name: a.UserName, RequestID: server.RequestID(ctx)}
}

// record appends e (OrgID, Action and the target set by the caller) as
// done by actor, with details (never secrets).
func record(ctx context.Context, tx directory.Store, actor directory.Actor, e directory.AuditEvent, details map[string]any) error {
	return directory.Record(ctx, tx, actor, e, details)
}

// accountEvent is an audit event about account a, as it is now.
func accountEvent(a directory.Account, action string) directory.AuditEvent {
	return directory.AuditEvent{OrgID: a.OrgID, Action: action, TargetType: "user", TargetID: a.ID, AfterVersion: a.Version}
}
