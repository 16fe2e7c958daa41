package export

import (
	"strings"
	"time"

	"github.com/latchkeyhq/latchkey/directory"
)

// Columns is the header row, in the order of every row's cells.
var Columns = []string{
	"ID", "User name", "Full name", "Given name", "Family name", "Email", "Employee number",
	"Title", "Department", "Division", "Location", "Manager name", "Manager employee number",
	"Sign-in method", "Status", "Invited at", "Claimed at", "Claim link", "Access code",
}

// bom is the UTF-8 byte order mark, which tells spreadsheet programs
// (Excel above all) that the file is UTF-8 rather than a legacy code page.
var bom = []byte{0xEF, 0xBB, 0xBF}

// Links makes an account's claim link and access code; claim.Inviter is
// one. Each answers "" when the account has none that works now.
type Links interface {
	ClaimLink(a directory.Account) string
	AccessCode(a directory.Account) string
}

// line appends one CSV record to buf (RFC 4180: CRLF line ends, fields
// with a comma, quote, CR or LF quoted and their quotes doubled). It is
// not encoding/csv because that writer, asked for CRLF line ends, drops
// a lone CR inside a field and turns LF into CRLF: a name would not
// come back as it was. Appending to one buffer also saves a copy per row.
type line struct {
	buf   []byte
	cells int
}

// text appends a cell holding s, neutralised (see Neutralise).
func (l *line) text(s string) {
	l.sep()
	if needsNeutralising(s) {
		l.quoted("'" + s)
		return
	}
	l.quoted(s)
}

// quoted appends s, quoted when it must be.
func (l *line) quoted(s string) {
	if !needsQuotes(s) {
		l.buf = append(l.buf, s...)
		return
	}
	l.buf = append(l.buf, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		l.buf = append(l.buf, s[:i+1]...)
		l.buf = append(l.buf, '"')
		s = s[i+1:]
	}
	l.buf = append(l.buf, s...)
	l.buf = append(l.buf, '"')
}

// needsQuotes reports a comma, quote, CR or LF in s. A loop over bytes,
// not strings.ContainsAny: this runs for every cell of a million rows.
func needsQuotes(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

// time appends an RFC 3339 UTC time, or an empty cell for nil. A time
// never starts with a formula character and never needs quotes.
func (l *line) time(t *time.Time) {
	l.sep()
	if t != nil {
		l.buf = t.UTC().AppendFormat(l.buf, time.RFC3339)
	}
}

func (l *line) sep() {
	if l.cells > 0 {
		l.buf = append(l.buf, ',')
	}
	l.cells++
}

// end closes the record.
func (l *line) end() {
	l.buf = append(l.buf, '\r', '\n')
	l.cells = 0
}

// header appends the header row.
func (l *line) header() {
	for _, c := range Columns {
		l.text(c)
	}
	l.end()
}

// row appends one account's record.
func (l *line) row(r *directory.ExportRow, links Links) {
	a := &r.Account
	for _, s := range []string{a.ID, a.UserName, a.DisplayName, a.GivenName, a.FamilyName, a.PrimaryEmail(),
		a.EmployeeNumber, a.Title, a.Department, a.Division, a.Location, r.ManagerName, r.ManagerEmployeeNumber,
		string(a.AuthMethod), string(directory.StatusOf(*a))} {
		l.text(s)
	}
	l.time(a.InvitedAt)
	l.time(a.ClaimedAt)
	l.text(links.ClaimLink(*a))
	l.text(links.AccessCode(*a))
	l.end()
}

// formulaStarts are the characters that make a spreadsheet read a cell
// as a formula (OWASP "CSV injection"): = + - @, and tab and CR, which
// some programs skip before looking for those.
const formulaStarts = "=+-@\t\r"

func needsNeutralising(s string) bool {
	return s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0
}

// Neutralise is what the file holds for a cell whose text is s: s
// itself, or, when s starts with a formula character, s after a single
// quote, which spreadsheets show as text and never evaluate.
func Neutralise(s string) string {
	if needsNeutralising(s) {
		return "'" + s
	}
	return s
}
