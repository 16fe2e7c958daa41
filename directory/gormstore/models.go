package gormstore

import (
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// The gorm models mirror the tables of migrations/*/*.sql column for
// column; TestMigrations checks that they agree.

type organizationRow struct {
	ID        string    `gorm:"column:id;primaryKey"`
	Slug      string    `gorm:"column:slug"`
	Name      string    `gorm:"column:name"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

func (organizationRow) TableName() string { return "organizations" }

func (r organizationRow) toDomain() directory.Organization {
	return directory.Organization{ID: r.ID, Slug: r.Slug, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
}

type accountRow struct {
	OrgID               string     `gorm:"column:org_id;primaryKey"`
	ID                  string     `gorm:"column:id;primaryKey"`
	UserName            string     `gorm:"column:user_name"`
	UserNameLower       string     `gorm:"column:user_name_lower"`
	ExternalID          *string    `gorm:"column:external_id"`
	DisplayName         string     `gorm:"column:display_name"`
	DisplayNameLower    string     `gorm:"column:display_name_lower"`
	GivenName           string     `gorm:"column:given_name"`
	GivenNameLower      string     `gorm:"column:given_name_lower"`
	FamilyName          string     `gorm:"column:family_name"`
	FamilyNameLower     string     `gorm:"column:family_name_lower"`
	PrimaryEmail        string     `gorm:"column:primary_email"`
	PrimaryEmailLower   string     `gorm:"column:primary_email_lower"`
	Active              bool       `gorm:"column:active"`
	State               string     `gorm:"column:state"`
	AuthMethod          string     `gorm:"column:auth_method"`
	Frontline           bool       `gorm:"column:frontline"`
	Title               string     `gorm:"column:title"`
	TitleLower          string     `gorm:"column:title_lower"`
	Department          string     `gorm:"column:department"`
	DepartmentLower     string     `gorm:"column:department_lower"`
	Division            string     `gorm:"column:division"`
	DivisionLower       string     `gorm:"column:division_lower"`
	Organization        string     `gorm:"column:organization"`
	OrganizationLower   string     `gorm:"column:organization_lower"`
	CostCenter          string     `gorm:"column:cost_center"`
	CostCenterLower     string     `gorm:"column:cost_center_lower"`
	EmployeeNumber      string     `gorm:"column:employee_number"`
	EmployeeNumberLower string     `gorm:"column:employee_number_lower"`
	Location            string     `gorm:"column:location"`
	LocationLower       string     `gorm:"column:location_lower"`
	ManagerID           *string    `gorm:"column:manager_id"`
	StartDate           *time.Time `gorm:"column:start_date"`
	Resource            string     `gorm:"column:resource"`
	Version             int64      `gorm:"column:version"`
	CreatedAt           time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt           time.Time  `gorm:"column:updated_at;autoUpdateTime:false"`
	InvitedAt           *time.Time `gorm:"column:invited_at"`
	ClaimedAt           *time.Time `gorm:"column:claimed_at"`
	DeactivatedAt       *time.Time `gorm:"column:deactivated_at"`
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
}

func (groupRow) TableName() string { return "groups" }

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
