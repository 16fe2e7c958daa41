package export

import (
	"testing"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// BenchmarkRow is the formatting cost of one typical row (without the
// claim link, which claim's own cost decides).
func BenchmarkRow(b *testing.B) {
	invited := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	r := directory.ExportRow{Account: directory.Account{ID: "01a21b8d-a0d4-7c12-acb4-7fb14d4a83ab", UserName: "user0012345@load.example",
		DisplayName: "Grace Hopper", GivenName: "Grace", FamilyName: "Hopper",
		Emails: []directory.Email{{Value: "user0012345@load.example", Primary: true}}, EmployeeNumber: "0012345",
		Title: "Engineer", Department: "Department 12", Division: "Division 3", Location: "Site 17",
		AuthMethod: directory.AuthPassword, State: directory.StateInvited, Active: true, InvitedAt: &invited},
		ManagerName: "Ada Lovelace", ManagerEmployeeNumber: "0000012"}
	l := line{buf: make([]byte, 0, 1<<20)}
	b.ReportAllocs()
	for b.Loop() {
		if len(l.buf) > 1<<19 {
			l.buf = l.buf[:0]
		}
		l.row(&r, fixedLinks{})
	}
}
