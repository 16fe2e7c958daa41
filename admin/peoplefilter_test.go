package admin

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

func TestPeopleFilterCompiles(t *testing.T) {
	yes := true
	jan := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	active := directory.Compare{Attr: directory.AttrActive, Op: directory.OpEq, Value: true}
	for _, tc := range []struct {
		name string
		in   peopleFilter
		want directory.Filter
	}{
		{"everyone", peopleFilter{}, nil},
		{"invited", peopleFilter{Status: "invited"},
			directory.And{active, directory.Compare{Attr: directory.AttrState, Op: directory.OpEq, Value: "invited"}}},
		{"deactivated or claimed", peopleFilter{Status: "deactivated, claimed"}, directory.Or{
			directory.Compare{Attr: directory.AttrActive, Op: directory.OpEq, Value: false},
			directory.And{active, directory.Compare{Attr: directory.AttrState, Op: directory.OpEq, Value: "claimed"}}}},
		{"department and email", peopleFilter{Department: "Sales", HasEmail: &yes}, directory.And{
			directory.Compare{Attr: directory.AttrDepartment, Op: directory.OpEq, Value: "Sales"},
			directory.Compare{Attr: directory.AttrPrimaryEmail, Op: directory.OpPr}}},
		{"date", peopleFilter{InvitedBefore: "2026-01-31"},
			directory.Compare{Attr: directory.AttrInvitedAt, Op: directory.OpLt, Value: jan}},
		{"scim filter", peopleFilter{Filter: `title eq "Nurse"`},
			directory.Compare{Attr: directory.AttrTitle, Op: directory.OpEq, Value: "Nurse"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.compile()
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("compile(%+v) = %#v, %v; want %#v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestPeopleFilterRejects(t *testing.T) {
	f := peopleFilter{Status: "pending", AuthMethod: "kerberos", CreatedAfter: "yesterday", Filter: `salary gt 5`}
	_, err := f.compile()
	var p *problem
	if !errors.As(err, &p) || p.Status != 400 {
		t.Fatalf("compile = %v; want a 400 problem", err)
	}
	var fields []string
	for _, e := range p.Errors {
		fields = append(fields, e.Field)
	}
	if want := []string{"status", "auth_method", "created_after", "filter"}; !reflect.DeepEqual(fields, want) {
		t.Fatalf("fields at fault = %v; want %v (every one at once)", fields, want)
	}
}

func TestPeopleQueryParameters(t *testing.T) {
	for _, tc := range []struct {
		query string
		ok    bool
	}{
		{"status=invited&department=Sales&sort=displayName", true},
		{"has_email=false&q=ann", true},
		{"has_email=maybe", false},
		{"departement=Sales", false},
		{"status=invited&status=claimed", false},
	} {
		q, _ := url.ParseQuery(tc.query)
		_, err := parsePeopleQuery(q, "sort", "cursor", "limit")
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.query, err)
		}
	}
	q, _ := url.ParseQuery("departement=Sales")
	_, err := parsePeopleQuery(q, "sort")
	var p *problem
	if !errors.As(err, &p) || len(p.Allowed) != len(peopleFilterParams)+1 || p.Errors[0].Field != "departement" {
		t.Fatalf("unknown parameter: %+v", p)
	}
}
