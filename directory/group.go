package directory

import (
	"encoding/json"
	"strings"
	"time"
)

// Group is a SCIM group. Its members live in their own table so adding or
// removing one member never rewrites the whole list.
type Group struct {
	OrgID       string
	ID          string
	DisplayName string
	ExternalID  string
	Resource    json.RawMessage
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Flags are read with the group; only SetGroupFlags changes them.
	Flags GroupFlags
}

// Validate checks the rules every backend relies on before writing.
func (g Group) Validate() error {
	if strings.TrimSpace(g.DisplayName) == "" {
		return invalid("displayName", "is required")
	}
	if err := checkText("displayName", g.DisplayName, 256); err != nil {
		return err
	}
	if err := checkTexts("externalId", g.ExternalID); err != nil {
		return err
	}
	return checkDocument("resource", g.Resource)
}

// MemberType says what a membership points at.
type MemberType string

// Members are accounts or (nested) groups.
const (
	MemberUser  MemberType = "User"
	MemberGroup MemberType = "Group"
)

// Member is one entry of a group's member list.
type Member struct {
	ID   string
	Type MemberType
}

// MemberQuery pages through a group's members ordered by member id.
type MemberQuery struct {
	Limit int
	After string
}
