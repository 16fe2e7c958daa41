package admin

import (
	"github.com/labstack/echo/v4"

	"github.com/latchkeyhq/latchkey/directory"
	"github.com/latchkeyhq/latchkey/server"
)

// audit records, in tx, that the calling admin did action to a target of
// their organization; details never hold secrets.
func audit(c echo.Context, tx directory.AuditStore, action, targetType, targetID string, details map[string]any) error {
	ctx := c.Request().Context()
	who := callerFrom(ctx)
	e := directory.AuditEvent{OrgID: who.OrgID, Action: action, TargetType: targetType, TargetID: targetID}
	return directory.Record(ctx, tx, who.actor(server.RequestID(ctx)), e, details)
}
