package gormstore

import (
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// The gorm models mirror the tables of migrations/*/*.sql column for
// column; TestMigrations checks that they agree.

type accountRow struct {
	OrgID                string     `gorm:"column:org_id;primaryKey"`
	ID                   string     `gorm:"column:id;primaryKey"`
	UserName             string     `gorm:"column:user_name"`
	UserNameLower        string     `gorm:"column:user_name_lower"`
	ExternalID           *string    `gorm:"column:external_id"`
	DisplayName          string     `gorm:"column:display_name"`
	DisplayNameLower     string     `gorm:"column:display_name_lower"`
	GivenName            string     `gorm:"column:given_name"`
	GivenNameLower       string     `gorm:"column:given_name_lower"`
	FamilyName           string     `gorm:"column:family_name"`
	FamilyNameLower      string     `gorm:"column:family_name_lower"`
	PrimaryEmail         string     `gorm:"column:primary_email"`
	PrimaryEmailLower    string     `gorm:"column:primary_email_lower"`
	Active               bool       `gorm:"column:active"`
	State                string     `gorm:"column:state"`
	AuthMethod           string     `gorm:"column:auth_method"`
	Frontline            bool       `gorm:"column:frontline"`
	Title                string     `gorm:"column:title"`
	TitleLower           string     `gorm:"column:title_lower"`
	Department           string     `gorm:"column:department"`
	DepartmentLower      string     `gorm:"column:department_lower"`
	Division             string     `gorm:"column:division"`
	DivisionLower        string     `gorm:"column:division_lower"`
	Organization         string     `gorm:"column:organization"`
	OrganizationLower    string     `gorm:"column:organization_lower"`
	CostCenter           string     `gorm:"column:cost_center"`
	CostCenterLower      string     `gorm:"column:cost_center_lower"`
	EmployeeNumber       string     `gorm:"column:employee_number"`
	EmployeeNumberLower  string     `gorm:"column:employee_number_lower"`
	Location             string     `gorm:"column:location"`
	LocationLower        string     `gorm:"column:location_lower"`
	ManagerID            *string    `gorm:"column:manager_id"`
	StartDate            *time.Time `gorm:"column:start_date"`
	Resource             string     `gorm:"column:resource"`
	Version              int64      `gorm:"column:version"`
	CreatedAt            time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt            time.Time  `gorm:"column:updated_at;autoUpdateTime:false"`
	InvitedAt            *time.Time `gorm:"column:invited_at"`
	ClaimedAt            *time.Time `gorm:"column:claimed_at"`
	DeactivatedAt        *time.Time `gorm:"column:deactivated_at"`
	UserType             string     `gorm:"column:user_type"`
	UserTypeLower        string     `gorm:"column:user_type_lower"`
	InviteGeneration     int64      `gorm:"column:invite_generation"`
	InviteExpiresAt      *time.Time `gorm:"column:invite_expires_at"`
	AccessCodeHash       *string    `gorm:"column:access_code_hash"`
	AccessCodeGeneration int64      `gorm:"column:access_code_generation"`
	AccessCodeExpiresAt  *time.Time `gorm:"column:access_code_expires_at"`
	LastDeliveryError    string     `gorm:"column:last_delivery_error"`
	PictureID            string     `gorm:"column:picture_id"`
	SignInName           string     `gorm:"column:sign_in_name"`
	SignInNameLower      string     `gorm:"column:sign_in_name_lower"`
}

func (accountRow) TableName() string { return "accounts" }

type accountEmailRow struct {
	OrgID      string `gorm:"column:org_id;primaryKey"`
	AccountID  string `gorm:"column:account_id;primaryKey"`
	Position   int    `gorm:"column:position;primaryKey;autoIncrement:false"`
	Type       string `gorm:"column:type"`
	Value      string `gorm:"column:value"`
	ValueLower string `gorm:"column:value_lower"`
	IsPrimary  bool   `gorm:"column:is_primary"`
}

func (accountEmailRow) TableName() string { return "account_emails" }

func fromAccount(a *directory.Account) accountRow {
	return accountRow{
		OrgID: a.OrgID, ID: a.ID,
		UserName: a.UserName, UserNameLower: lower(a.UserName),
		ExternalID:  nullable(a.ExternalID),
		DisplayName: a.DisplayName, DisplayNameLower: lower(a.DisplayName),
		GivenName: a.GivenName, GivenNameLower: lower(a.GivenName),
		FamilyName: a.FamilyName, FamilyNameLower: lower(a.FamilyName),
		PrimaryEmail: a.PrimaryEmail(), PrimaryEmailLower: lower(a.PrimaryEmail()),
		Active: a.Active, State: string(a.State), AuthMethod: authMethodOrDefault(a.AuthMethod),
		Frontline: a.Frontline,
		Title:     a.Title, TitleLower: lower(a.Title),
		Department: a.Department, DepartmentLower: lower(a.Department),
		Division: a.Division, DivisionLower: lower(a.Division),
		Organization: a.Organization, OrganizationLower: lower(a.Organization),
		CostCenter: a.CostCenter, CostCenterLower: lower(a.CostCenter),
		EmployeeNumber: a.EmployeeNumber, EmployeeNumberLower: lower(a.EmployeeNumber),
		Location: a.Location, LocationLower: lower(a.Location),
		ManagerID: nullable(a.ManagerID),
		StartDate: utcPtr(a.StartDate),
		Resource:  resourceOrEmpty(a.Resource),
		Version:   a.Version,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		InvitedAt: utcPtr(a.InvitedAt), ClaimedAt: utcPtr(a.ClaimedAt), DeactivatedAt: utcPtr(a.DeactivatedAt),
		UserType: a.UserType, UserTypeLower: lower(a.UserType),
		InviteGeneration: a.InviteGeneration, InviteExpiresAt: utcPtr(a.InviteExpiresAt),
		AccessCodeHash: nullable(a.AccessCodeHash), AccessCodeGeneration: a.AccessCodeGeneration,
		AccessCodeExpiresAt: utcPtr(a.AccessCodeExpiresAt), LastDeliveryError: a.LastDeliveryError,
		PictureID:  a.PictureID,
		SignInName: a.SignInName, SignInNameLower: lower(a.SignInName),
	}
}

func (r accountRow) toDomain(emails []accountEmailRow) directory.Account {
	a := directory.Account{
		OrgID: r.OrgID, ID: r.ID,
		UserName: r.UserName, ExternalID: deref(r.ExternalID),
		DisplayName: r.DisplayName, GivenName: r.GivenName, FamilyName: r.FamilyName,
		Active: r.Active, State: directory.State(r.State), AuthMethod: directory.AuthMethod(r.AuthMethod),
		Frontline: r.Frontline,
		Title:     r.Title, Department: r.Department, Division: r.Division, Organization: r.Organization,
		CostCenter: r.CostCenter, EmployeeNumber: r.EmployeeNumber, Location: r.Location,
		ManagerID: deref(r.ManagerID), StartDate: utcPtr(r.StartDate),
		Resource: []byte(r.Resource), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		InvitedAt: utcPtr(r.InvitedAt), ClaimedAt: utcPtr(r.ClaimedAt), DeactivatedAt: utcPtr(r.DeactivatedAt),
		UserType: r.UserType, InviteGeneration: r.InviteGeneration, InviteExpiresAt: utcPtr(r.InviteExpiresAt),
		AccessCodeHash: deref(r.AccessCodeHash), AccessCodeGeneration: r.AccessCodeGeneration,
		AccessCodeExpiresAt: utcPtr(r.AccessCodeExpiresAt), LastDeliveryError: r.LastDeliveryError,
		PictureID: r.PictureID, SignInName: r.SignInName,
	}
	for _, e := range emails {
		a.Emails = append(a.Emails, directory.Email{Type: e.Type, Value: e.Value, Primary: e.IsPrimary})
	}
	return a
}

func emailRows(a *directory.Account) []accountEmailRow {
	rows := make([]accountEmailRow, 0, len(a.Emails))
	for i, e := range a.Emails {
		rows = append(rows, accountEmailRow{
			OrgID: a.OrgID, AccountID: a.ID, Position: i,
			Type: e.Type, Value: e.Value, ValueLower: lower(e.Value), IsPrimary: e.Primary,
		})
	}
	return rows
}

type groupRow struct {
	OrgID            string    `gorm:"column:org_id;primaryKey"`
	ID               string    `gorm:"column:id;primaryKey"`
	DisplayName      string    `gorm:"column:display_name"`
	DisplayNameLower string    `gorm:"column:display_name_lower"`
	ExternalID       *string   `gorm:"column:external_id"`
	Resource         string    `gorm:"column:resource"`
	Version          int64     `gorm:"column:version"`
	CreatedAt        time.Time `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt        time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
	// The claim flags are read with the group but written only by
	// SetGroupFlags: CreateGroup omits them, UpdateGroup names its columns.
	IsDefault bool `gorm:"column:is_default"`
	IsOpen    bool `gorm:"column:is_open"`
}

func (groupRow) TableName() string { return "groups" }

// groupFlagColumns are the groups columns SCIM writes never touch.
var groupFlagColumns = []string{"is_default", "is_open"}

func fromGroup(g *directory.Group) groupRow {
	return groupRow{
		OrgID: g.OrgID, ID: g.ID,
		DisplayName: g.DisplayName, DisplayNameLower: lower(g.DisplayName),
		ExternalID: nullable(g.ExternalID), Resource: resourceOrEmpty(g.Resource),
		Version: g.Version, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt,
	}
}

func (r groupRow) toDomain() directory.Group {
	return directory.Group{
		OrgID: r.OrgID, ID: r.ID, DisplayName: r.DisplayName, ExternalID: deref(r.ExternalID),
		Resource: []byte(r.Resource), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Flags: directory.GroupFlags{Default: r.IsDefault, Open: r.IsOpen},
	}
}

type groupMemberRow struct {
	OrgID      string    `gorm:"column:org_id;primaryKey"`
	GroupID    string    `gorm:"column:group_id;primaryKey"`
	MemberID   string    `gorm:"column:member_id;primaryKey"`
	MemberType string    `gorm:"column:member_type"`
	CreatedAt  time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (groupMemberRow) TableName() string { return "group_members" }

// lower is the one case-folding rule for every *_lower column; queries
// fold their arguments with it too, so matching is identical on SQLite
// (whose lower() is ASCII-only) and PostgreSQL.
func lower(s string) string { return strings.ToLower(s) }

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

func resourceOrEmpty(r []byte) string {
	if len(r) == 0 {
		return "{}"
	}
	return string(r)
}

func authMethodOrDefault(m directory.AuthMethod) string {
	if m == "" {
		return string(directory.AuthPassword)
	}
	return string(m)
}

type inviteRuleRow struct {
	OrgID     string    `gorm:"column:org_id;primaryKey"`
	ID        string    `gorm:"column:id;primaryKey"`
	Name      string    `gorm:"column:name"`
	Position  int       `gorm:"column:position"`
	Filter    string    `gorm:"column:filter"`
	Action    string    `gorm:"column:action"`
	Message   string    `gorm:"column:message"`
	CreatedAt time.Time `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (inviteRuleRow) TableName() string { return "invite_rules" }

func fromInviteRule(r *directory.InviteRule) inviteRuleRow {
	return inviteRuleRow{OrgID: r.OrgID, ID: r.ID, Name: r.Name, Position: r.Position, Filter: r.Filter,
		Action: string(r.Action), Message: r.Message, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (r inviteRuleRow) toDomain() directory.InviteRule {
	return directory.InviteRule{OrgID: r.OrgID, ID: r.ID, Name: r.Name, Position: r.Position, Filter: r.Filter,
		Action: directory.InviteAction(r.Action), Message: r.Message, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type deliveryRow struct {
	OrgID       string    `gorm:"column:org_id;primaryKey"`
	AccountID   string    `gorm:"column:account_id;primaryKey"`
	Generation  int64     `gorm:"column:generation;primaryKey;autoIncrement:false"`
	Kind        string    `gorm:"column:kind;primaryKey"`
	Recipient   string    `gorm:"column:recipient"`
	DeliveredAt time.Time `gorm:"column:delivered_at"`
}

func (deliveryRow) TableName() string { return "deliveries" }

type outboxRow struct {
	OrgID     string    `gorm:"column:org_id;primaryKey"`
	ID        string    `gorm:"column:id;primaryKey"`
	Recipient string    `gorm:"column:recipient"`
	Subject   string    `gorm:"column:subject"`
	TextBody  string    `gorm:"column:text_body"`
	HTMLBody  string    `gorm:"column:html_body"`
	CreatedAt time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (outboxRow) TableName() string { return "outbox_messages" }

func (r outboxRow) toDomain() directory.OutboxMessage {
	return directory.OutboxMessage{OrgID: r.OrgID, ID: r.ID, Recipient: r.Recipient, Subject: r.Subject,
		Text: r.TextBody, HTML: r.HTMLBody, CreatedAt: r.CreatedAt.UTC()}
}

type templateRow struct {
	OrgID     string    `gorm:"column:org_id;primaryKey"`
	Kind      string    `gorm:"column:kind;primaryKey"`
	Subject   string    `gorm:"column:subject"`
	TextBody  string    `gorm:"column:text_body"`
	HTMLBody  string    `gorm:"column:html_body"`
	UpdatedAt time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (templateRow) TableName() string { return "message_templates" }

func (r templateRow) toDomain() directory.MessageTemplate {
	return directory.MessageTemplate{OrgID: r.OrgID, Kind: r.Kind, Subject: r.Subject, Text: r.TextBody,
		HTML: r.HTMLBody, UpdatedAt: r.UpdatedAt.UTC()}
}
