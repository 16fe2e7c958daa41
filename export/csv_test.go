package export

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// fixedLinks answers the same link and code for everyone who may have one.
type fixedLinks struct{}

func (fixedLinks) ClaimLink(a directory.Account) string {
	if a.State == directory.StateInvited && a.Active {
		return "https://latchkey.example.com/claim/" + a.ID
	}
	return ""
}

func (fixedLinks) AccessCode(a directory.Account) string {
	if a.PrimaryEmail() == "" && a.Active {
		return "ABCD-EFGH-JKLM-NPQR"
	}
	return ""
}

func TestNeutralise(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Ada", "Ada"},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\tTab", "'\tTab"},
		{"\rReturn", "'\rReturn"},
		{"a=b", "a=b"},
		{" =1+1", " =1+1"},
		{"'quoted", "'quoted"},
	} {
		if got := Neutralise(tc.in); got != tc.want {
			t.Errorf("Neutralise(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// TestLineRoundTrip: what line writes, encoding/csv reads back cell for
// cell (after neutralising), whatever the text holds.
func TestLineRoundTrip(t *testing.T) {
	cells := []string{"plain", "comma, inside", `a "quoted" word`, "line\nbreak", "crlf\r\nbreak", "lone\rcr",
		"", " leading space", "=1+2", "-5", "émoji 🙂", `"`, "\r", ","}
	var l line
	for _, c := range cells {
		l.text(c)
	}
	l.end()
	l.text("second")
	l.end()
	if !bytes.HasSuffix(l.buf, []byte("second\r\n")) {
		t.Fatalf("records do not end with CRLF: %q", l.buf)
	}
	r := csv.NewReader(bytes.NewReader(l.buf))
	got, err := r.Read()
	if err != nil {
		t.Fatalf("read back: %v (%q)", err, l.buf)
	}
	want := make([]string, len(cells))
	for i, c := range cells {
		want[i] = Neutralise(c)
	}
	// encoding/csv reads a quoted CRLF as LF, as RFC 4180 readers may.
	want[4] = "crlf\nbreak"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read back\n %q\nwant\n %q", got, want)
	}
}

func TestRowCells(t *testing.T) {
	invited := time.Date(2026, 3, 1, 9, 30, 15, 999, time.FixedZone("CET", 3600))
	rows := []struct {
		name string
		row  directory.ExportRow
		want []string
	}{
		{"invited with email", directory.ExportRow{
			Account: directory.Account{ID: "id-1", UserName: "ann", DisplayName: "Ann Example", GivenName: "Ann",
				FamilyName: "Example", Emails: []directory.Email{{Value: "ann@acme.example", Primary: true}},
				EmployeeNumber: "E-2", Title: "Rep", Department: "Sales", Division: "EMEA", Location: "Paris",
				AuthMethod: directory.AuthPassword, State: directory.StateInvited, Active: true, InvitedAt: &invited},
			ManagerName: "Big Boss", ManagerEmployeeNumber: "E-1"},
			[]string{"id-1", "ann", "Ann Example", "Ann", "Example", "ann@acme.example", "E-2", "Rep", "Sales", "EMEA",
				"Paris", "Big Boss", "E-1", "password", "invited", "2026-03-01T08:30:15Z", "",
				"https://latchkey.example.com/claim/id-1", ""}},
		{"deactivated without email", directory.ExportRow{
			Account: directory.Account{ID: "id-2", UserName: "=HYPERLINK(\"x\")", AuthMethod: directory.AuthSSO,
				State: directory.StateInvited, Active: false}},
			[]string{"id-2", `'=HYPERLINK("x")`, "", "", "", "", "", "", "", "", "", "", "", "sso", "deactivated",
				"", "", "", ""}},
	}
	for _, tc := range rows {
		var l line
		l.row(&tc.row, fixedLinks{})
		got, err := csv.NewReader(bytes.NewReader(l.buf)).Read()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != len(Columns) || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: cells\n %q\nwant\n %q", tc.name, got, tc.want)
		}
	}
}
