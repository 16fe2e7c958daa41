package scim

import (
	"context"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/server"
)

// audit records one SCIM write inside its transaction: the token that did
// it, what, to which resource, and the versions before and after.
func (h *Handler) audit(ctx context.Context, tx directory.Store, action, targetType, targetID string, before, after int64, details map[string]any) error {
	p := principalFrom(ctx)
	actor := directory.Actor{Type: directory.ActorScimToken, ID: p.TokenID, Name: p.TokenName, RequestID: requestID(ctx)}
	e := directory.AuditEvent{OrgID: p.OrgID, Action: action, TargetType: targetType, TargetID: targetID,
		BeforeVersion: before, AfterVersion: after}
	return directory.Record(ctx, tx, actor, e, details)
}

func requestID(ctx context.Context) string { return server.RequestID(ctx) }

// actor is the caller, as the account policy records it.
func (h *Handler) actor(ctx context.Context) directory.Actor {
	p := principalFrom(ctx)
	return directory.Actor{Type: directory.ActorScimToken, ID: p.TokenID, Name: p.TokenName, RequestID: requestID(ctx)}
}
