package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/latchkeyhq/latchkey/directory"
)

// CreateGroup implements directory.GroupStore.
func (s *Store) CreateGroup(ctx context.Context, g *directory.Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	created := *g
	created.ID = id
	created.Version = 1
	created.CreatedAt = s.timestamp()
	created.UpdatedAt = created.CreatedAt
	row := fromGroup(&created) // no flags: a new group is neither default nor open
	if err := s.write(ctx, func(db *gorm.DB) error { return db.Omit(groupFlagColumns...).Create(&row).Error }); err != nil {
		return fmt.Errorf("gormstore: create group: %w", translate(err))
	}
	*g = row.toDomain()
	return nil
}

// Group implements directory.GroupStore.
func (s *Store) Group(ctx context.Context, orgID, id string) (directory.Group, error) {
	var row groupRow
	if err := first(s.ctx(ctx).Where("org_id = ? AND id = ?", orgID, id), &row); err != nil {
		return directory.Group{}, fmt.Errorf("gormstore: group: %w", err)
	}
	return row.toDomain(), nil
}

// UpdateGroup implements directory.GroupStore with the same conditional
// UPDATE as UpdateAccount. Members are not touched.
func (s *Store) UpdateGroup(ctx context.Context, g *directory.Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	next := *g
	next.Version = g.Version + 1
	next.UpdatedAt = s.timestamp()
	row := fromGroup(&next)
	var updated int64
	err := s.write(ctx, func(db *gorm.DB) error {
		res := db.Model(&groupRow{}).
			Where("org_id = ? AND id = ? AND version = ?", g.OrgID, g.ID, g.Version).
			Select("display_name", "display_name_lower", "external_id", "resource", "version", "updated_at").
			Updates(&row)
		updated = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: update group: %w", translate(err))
	}
	if updated == 0 {
		if _, err := s.Group(ctx, g.OrgID, g.ID); err != nil {
			return err
		}
		return fmt.Errorf("gormstore: update group: %w", directory.ErrVersionMismatch)
	}
	stored, err := s.Group(ctx, g.OrgID, g.ID)
	if err != nil {
		return err
	}
	*g = stored
	return nil
}

// DeleteGroup implements directory.GroupStore. Its member rows go by
// cascade; its own memberships in other groups are removed here.
func (s *Store) DeleteGroup(ctx context.Context, orgID, id string) error {
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("org_id = ? AND id = ?", orgID, id).Delete(&groupRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return directory.ErrNotFound
		}
		return tx.Where("org_id = ? AND member_id = ?", orgID, id).Delete(&groupMemberRow{}).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: delete group: %w", translate(err))
	}
	return nil
}

// ListGroups implements directory.GroupStore, ordered by id.
func (s *Store) ListGroups(ctx context.Context, orgID string, limit int, after string) ([]directory.Group, error) {
	query := s.ctx(ctx).Where("org_id = ?", orgID)
	if after != "" {
		query = query.Where("id > ?", after)
	}
	var rows []groupRow
	if err := query.Order("id").Limit(directory.PageLimit(limit)).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list groups: %w", translate(err))
	}
	out := make([]directory.Group, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toDomain())
	}
	return out, nil
}

// AddMembers implements directory.GroupStore as INSERT ... ON CONFLICT DO
// NOTHING: its cost does not depend on the group's size, and concurrent
// additions never lose one another.
func (s *Store) AddMembers(ctx context.Context, orgID, groupID string, members []directory.Member) (int, error) {
	members = distinctMembers(members)
	if len(members) == 0 {
		return 0, nil
	}
	for _, m := range members {
		if m.ID == groupID {
			return 0, &directory.ValidationError{Field: "members", Problem: "a group cannot be a member of itself"}
		}
	}
	var added int64
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireGroup(tx, orgID, groupID); err != nil {
			return err
		}
		if err := s.lockMembers(tx, orgID, members); err != nil {
			return err
		}
		now := s.timestamp()
		rows := make([]groupMemberRow, 0, len(members))
		for _, m := range members {
			rows = append(rows, groupMemberRow{OrgID: orgID, GroupID: groupID, MemberID: m.ID, MemberType: string(m.Type), CreatedAt: now})
		}
		for _, batch := range chunks(rows) {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&batch)
			if res.Error != nil {
				return res.Error
			}
			added += res.RowsAffected
		}
		return bumpGroup(tx, orgID, groupID, added, now)
	})
	if err != nil {
		return 0, fmt.Errorf("gormstore: add members: %w", translate(err))
	}
	return int(added), nil
}

// RemoveMembers implements directory.GroupStore as DELETEs by key.
func (s *Store) RemoveMembers(ctx context.Context, orgID, groupID string, memberIDs []string) (int, error) {
	memberIDs = distinct(memberIDs)
	if len(memberIDs) == 0 {
		return 0, nil
	}
	var removed int64
	err := s.ctx(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireGroup(tx, orgID, groupID); err != nil {
			return err
		}
		for _, batch := range chunks(memberIDs) {
			res := tx.Where("org_id = ? AND group_id = ? AND member_id IN ?", orgID, groupID, batch).Delete(&groupMemberRow{})
			if res.Error != nil {
				return res.Error
			}
			removed += res.RowsAffected
		}
		return bumpGroup(tx, orgID, groupID, removed, s.timestamp())
	})
	if err != nil {
		return 0, fmt.Errorf("gormstore: remove members: %w", translate(err))
	}
	return int(removed), nil
}

// ListMembers implements directory.GroupStore, ordered by member id.
func (s *Store) ListMembers(ctx context.Context, orgID, groupID string, q directory.MemberQuery) ([]directory.Member, error) {
	query := s.ctx(ctx).Where("org_id = ? AND group_id = ?", orgID, groupID)
	if q.After != "" {
		query = query.Where("member_id > ?", q.After)
	}
	var rows []groupMemberRow
	if err := query.Order("member_id").Limit(directory.PageLimit(q.Limit)).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("gormstore: list members: %w", translate(err))
	}
	out := make([]directory.Member, 0, len(rows))
	for _, r := range rows {
		out = append(out, directory.Member{ID: r.MemberID, Type: directory.MemberType(r.MemberType)})
	}
	return out, nil
}

// CountMembers implements directory.GroupStore.
func (s *Store) CountMembers(ctx context.Context, orgID, groupID string) (int64, error) {
	var n int64
	err := s.ctx(ctx).Model(&groupMemberRow{}).Where("org_id = ? AND group_id = ?", orgID, groupID).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("gormstore: count members: %w", translate(err))
	}
	return n, nil
}

// MemberCounts implements directory.GroupStore in one grouped query.
func (s *Store) MemberCounts(ctx context.Context, orgID string, groupIDs []string) (map[string]int64, error) {
	counts := make(map[string]int64, len(groupIDs))
	for _, batch := range chunks(distinct(groupIDs)) {
		var rows []struct {
			GroupID string
			N       int64
		}
		err := s.ctx(ctx).Model(&groupMemberRow{}).Select("group_id, COUNT(*) AS n").
			Where("org_id = ? AND group_id IN ?", orgID, batch).Group("group_id").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("gormstore: member counts: %w", translate(err))
		}
		for _, r := range rows {
			counts[r.GroupID] = r.N
		}
	}
	return counts, nil
}

func requireGroup(tx *gorm.DB, orgID, groupID string) error {
	var n int64
	if err := tx.Model(&groupRow{}).Where("org_id = ? AND id = ?", orgID, groupID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return directory.ErrNotFound
	}
	return nil
}

// lockMembers checks that every referenced account or group is in the
// organization and, on PostgreSQL, holds a KEY SHARE lock on each until the
// transaction ends, so a concurrent delete cannot slip in between the check
// and the insert and leave a membership pointing at nothing. (SQLite runs
// one write transaction at a time, so it needs no lock.)
func (s *Store) lockMembers(tx *gorm.DB, orgID string, members []directory.Member) error {
	ids := map[directory.MemberType][]string{}
	for _, m := range members {
		switch m.Type {
		case directory.MemberUser, directory.MemberGroup:
			ids[m.Type] = append(ids[m.Type], m.ID)
		default:
			return &directory.ValidationError{Field: "members.type", Problem: "must be User or Group"}
		}
	}
	for typ, want := range ids {
		var model any = &accountRow{}
		if typ == directory.MemberGroup {
			model = &groupRow{}
		}
		for _, batch := range chunks(want) {
			q := tx.Model(model).Where("org_id = ? AND id IN ?", orgID, batch)
			if s.dialect == Postgres {
				q = q.Clauses(clause.Locking{Strength: "KEY SHARE"})
			}
			var found []string
			if err := q.Pluck("id", &found).Error; err != nil {
				return err
			}
			if len(found) != len(batch) {
				return fmt.Errorf("member %w", directory.ErrNotFound)
			}
		}
	}
	return nil
}

// bumpGroup raises the group's version when its membership changed.
func bumpGroup(tx *gorm.DB, orgID, groupID string, changed int64, now time.Time) error {
	if changed == 0 {
		return nil
	}
	return tx.Model(&groupRow{}).Where("org_id = ? AND id = ?", orgID, groupID).
		Updates(map[string]any{"version": gorm.Expr("version + 1"), "updated_at": now}).Error
}

// chunkSize keeps every statement well below the drivers' bound-parameter
// limits (SQLite 32766, PostgreSQL 65535) however many members one call names.
const chunkSize = 1000

func chunks[T any](items []T) [][]T {
	var out [][]T
	for len(items) > chunkSize {
		out = append(out, items[:chunkSize])
		items = items[chunkSize:]
	}
	return append(out, items)
}

func distinctMembers(members []directory.Member) []directory.Member {
	seen := make(map[string]bool, len(members))
	out := members[:0:0]
	for _, m := range members {
		if !seen[m.ID] {
			seen[m.ID] = true
			out = append(out, m)
		}
	}
	return out
}

func distinct(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}
