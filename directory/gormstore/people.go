package gormstore

import (
	"context"
	"fmt"

	"github.com/latchkeyhq/latchkey/directory"
)

// CountByStatus implements directory.AccountStore: one GROUP BY over the
// filter FindAccounts would use, so a tab's count and its list agree.
func (s *Store) CountByStatus(ctx context.Context, orgID string, filter directory.Filter) (directory.StatusCounts, error) {
	q := fragment(`SELECT a.active AS active, a.state AS state, COUNT(*) AS n FROM "accounts" a WHERE a.org_id = `)
	q.bind(orgID)
	if filter != nil {
		q.WriteString(" AND ")
		if err := translateFilter(s.dialect, accountEntity, filter, q); err != nil {
			return directory.StatusCounts{}, fmt.Errorf("gormstore: count by status: %w", err)
		}
	}
	q.WriteString(" GROUP BY a.active, a.state")
	var groups []struct {
		Active bool
		State  string
		N      int64
	}
	if err := s.ctx(ctx).Raw(q.String(), q.args...).Scan(&groups).Error; err != nil {
		return directory.StatusCounts{}, fmt.Errorf("gormstore: count by status: %w", translate(err))
	}
	var c directory.StatusCounts
	for _, g := range groups {
		c.Total += g.N
		switch status := directory.StatusOf(directory.Account{Active: g.Active, State: directory.State(g.State)}); status {
		case directory.StatusNotInvited:
			c.NotInvited += g.N
		case directory.StatusInvited:
			c.Invited += g.N
		case directory.StatusClaimed:
			c.Claimed += g.N
		case directory.StatusDeactivated:
			c.Deactivated += g.N
		}
	}
	return c, nil
}

// ListDeliveries implements directory.InvitationStore. An account gets a
// handful of messages per invitation, so the newest MaxPageSize are all
// anyone reads.
func (s *Store) ListDeliveries(ctx context.Context, orgID, accountID string) ([]directory.Delivery, error) {
	var rows []deliveryRow
	err := s.ctx(ctx).Where("org_id = ? AND account_id = ?", orgID, accountID).
		Order("delivered_at DESC, generation DESC, kind DESC").Limit(directory.MaxPageSize).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("gormstore: list deliveries: %w", translate(err))
	}
	out := make([]directory.Delivery, len(rows))
	for i, r := range rows {
		out[i] = directory.Delivery{OrgID: r.OrgID, AccountID: r.AccountID, Generation: r.Generation, Kind: r.Kind,
			Recipient: r.Recipient, DeliveredAt: r.DeliveredAt.UTC()}
	}
	return out, nil
}
