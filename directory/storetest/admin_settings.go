package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// testOrganizationLifetimes: link and code lifetimes and the reminder
// schedule round-trip; nil reminders (the server's default) stay apart
// from an empty schedule (none); invalid ones are refused.
func testOrganizationLifetimes(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	if org.LinkTTL != 0 || org.CodeTTL != 0 || org.Reminders != nil {
		t.Fatalf("new organization lifetimes = %v, %v, %v; want the defaults (0, 0, nil)", org.LinkTTL, org.CodeTTL, org.Reminders)
	}
	cases := []struct {
		name      string
		link      time.Duration
		code      time.Duration
		reminders []time.Duration
	}{
		{"custom", 2 * time.Hour, 30 * 24 * time.Hour, []time.Duration{time.Hour, 48 * time.Hour}},
		{"no reminders", 7 * 24 * time.Hour, 0, []time.Duration{}},
		{"defaults again", 0, 0, nil},
	}
	for _, tc := range cases {
		org.LinkTTL, org.CodeTTL, org.Reminders = tc.link, tc.code, tc.reminders
		noErr(t, "UpdateOrganization "+tc.name, s.UpdateOrganization(ctx(t), &org))
		got, err := s.Organization(ctx(t), org.ID)
		noErr(t, "Organization "+tc.name, err)
		if got.LinkTTL != tc.link || got.CodeTTL != tc.code || !reflect.DeepEqual(got.Reminders, tc.reminders) {
			t.Fatalf("%s: stored %v, %v, %#v; want %v, %v, %#v", tc.name, got.LinkTTL, got.CodeTTL, got.Reminders, tc.link, tc.code, tc.reminders)
		}
	}

	created := directory.Organization{Slug: "beta", Name: "Beta", LinkTTL: 3 * time.Hour, Reminders: []time.Duration{}}
	noErr(t, "CreateOrganization with lifetimes", s.CreateOrganization(ctx(t), &created))
	if created.LinkTTL != 3*time.Hour || created.Reminders == nil || len(created.Reminders) != 0 {
		t.Fatalf("created organization lifetimes = %v, %#v", created.LinkTTL, created.Reminders)
	}

	for _, bad := range []struct {
		name   string
		change func(o *directory.Organization)
	}{
		{"link too short", func(o *directory.Organization) { o.LinkTTL = time.Minute }},
		{"link too long", func(o *directory.Organization) { o.LinkTTL = 91 * 24 * time.Hour }},
		{"code too long", func(o *directory.Organization) { o.CodeTTL = 366 * 24 * time.Hour }},
		{"reminders out of order", func(o *directory.Organization) { o.Reminders = []time.Duration{48 * time.Hour, 24 * time.Hour} }},
		{"too many reminders", func(o *directory.Organization) {
			o.Reminders = []time.Duration{1 * time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 5 * time.Hour, 6 * time.Hour}
		}},
	} {
		changed := org
		bad.change(&changed)
		wantErr(t, bad.name, s.UpdateOrganization(ctx(t), &changed), directory.ErrInvalid)
	}
	got, err := s.Organization(ctx(t), org.ID)
	noErr(t, "Organization after refused updates", err)
	if got.LinkTTL != 0 || got.Reminders != nil {
		t.Fatalf("refused updates changed the organization: %v, %#v", got.LinkTTL, got.Reminders)
	}
}

// testAuditFilters: every AuditQuery field narrows the events, filters
// combine, and paging with Before walks the matches newest first without
// gaps or repeats; other organizations' events never show.
func testAuditFilters(t *testing.T, s directory.Store) {
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	seed := []directory.AuditEvent{
		{ActorType: directory.ActorAdmin, ActorID: "adm1", Action: "account.invite", TargetType: "user", TargetID: "u1", At: at(1, 0)},
		{ActorType: directory.ActorAdmin, ActorID: "adm2", Action: "account.deactivate", TargetType: "user", TargetID: "u2", At: at(2, 0)},
		{ActorType: directory.ActorScimToken, ActorID: "tok", Action: "user.create", TargetType: "user", TargetID: "u1", At: at(3, 0)},
		{ActorType: directory.ActorAdmin, ActorID: "adm1", Action: "export.create", TargetType: "export", TargetID: "u1", At: at(4, 0)},
		{ActorType: directory.ActorPerson, ActorID: "u1", Action: "account.claim", TargetType: "user", TargetID: "u1", At: at(5, 0)},
		{ActorType: directory.ActorAdmin, ActorID: "adm1", Action: "accountx.other", TargetType: "user", TargetID: "u3", At: at(6, 0)},
	}
	ids := make([]string, len(seed))
	for i := range seed {
		seed[i].OrgID = org.ID
		noErr(t, "AppendAudit", s.AppendAudit(ctx(t), &seed[i]))
		ids[i] = seed[i].ID
	}
	noErr(t, "AppendAudit other org", s.AppendAudit(ctx(t), &directory.AuditEvent{OrgID: other.ID,
		ActorType: directory.ActorAdmin, ActorID: "adm1", Action: "account.invite", TargetType: "user", TargetID: "u1", At: at(1, 0)}))

	// want lists seed positions, newest first.
	cases := []struct {
		name string
		q    directory.AuditQuery
		want []int
	}{
		{"all", directory.AuditQuery{}, []int{5, 4, 3, 2, 1, 0}},
		{"action exact", directory.AuditQuery{Action: "account.invite"}, []int{0}},
		{"action prefix", directory.AuditQuery{Action: "account.*"}, []int{4, 1, 0}},
		{"action prefix with no match", directory.AuditQuery{Action: "session.*"}, nil},
		{"actor type", directory.AuditQuery{ActorType: directory.ActorAdmin}, []int{5, 3, 1, 0}},
		{"actor id", directory.AuditQuery{ActorID: "adm1"}, []int{5, 3, 0}},
		{"target type", directory.AuditQuery{TargetType: "user"}, []int{5, 4, 2, 1, 0}},
		{"target id", directory.AuditQuery{TargetID: "u1"}, []int{4, 3, 2, 0}},
		{"target type and id", directory.AuditQuery{TargetType: "user", TargetID: "u1"}, []int{4, 2, 0}},
		{"since (inclusive)", directory.AuditQuery{Since: at(4, 0)}, []int{5, 4, 3}},
		{"until (exclusive)", directory.AuditQuery{Until: at(2, 0)}, []int{0}},
		{"time window", directory.AuditQuery{Since: at(2, 0), Until: at(5, 0)}, []int{3, 2, 1}},
		{"combined", directory.AuditQuery{ActorID: "adm1", Action: "account.*", Since: at(1, 0)}, []int{0}},
	}
	for _, tc := range cases {
		got, err := s.ListAudit(ctx(t), org.ID, tc.q)
		noErr(t, "ListAudit "+tc.name, err)
		var gotIDs, wantIDs []string
		for _, e := range got {
			gotIDs = append(gotIDs, e.ID)
		}
		for _, i := range tc.want {
			wantIDs = append(wantIDs, ids[i])
		}
		if !reflect.DeepEqual(gotIDs, wantIDs) {
			t.Errorf("%s: events %v; want %v", tc.name, gotIDs, wantIDs)
		}
	}
	testAuditPaging(t, s, org.ID)
}

// testAuditPaging pages through many events of one actor, two at a time.
func testAuditPaging(t *testing.T, s directory.Store, orgID string) {
	var want []string
	for i := range 7 {
		e := directory.AuditEvent{OrgID: orgID, ActorType: directory.ActorAdmin, ActorID: "pager", Action: fmt.Sprintf("page.%d", i)}
		noErr(t, "AppendAudit", s.AppendAudit(ctx(t), &e))
		want = append([]string{e.ID}, want...)
	}
	var got []string
	before := ""
	for range 10 {
		page, err := s.ListAudit(ctx(t), orgID, directory.AuditQuery{ActorID: "pager", Action: "page.*", Limit: 2, Before: before})
		noErr(t, "ListAudit page", err)
		for _, e := range page {
			got = append(got, e.ID)
		}
		if len(page) < 2 {
			break
		}
		before = page[len(page)-1].ID
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paged events %v; want %v", got, want)
	}
}
