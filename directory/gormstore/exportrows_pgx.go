package gormstore

import (
	"context"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/latchkeyhq/latchkey/directory"
)

// exportRowsPgx runs an ExportRows page on PostgreSQL through pgx itself
// rather than database/sql, and decodes the columns from the wire by
// hand (see exportPage): reading and allocating were most of an export's
// cost. Outside a transaction only (an export reads in pages, each on
// its own); ok is false when the connection is not pgx's.
func (s *Store) exportRowsPgx(ctx context.Context, q *sqlBuf, orgID string, limit int) (out []directory.ExportRow, ok bool, err error) {
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return nil, true, err
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		c, isPgx := driverConn.(*stdlib.Conn)
		if !isPgx {
			return nil
		}
		ok = true
		rows, err := c.Conn().Query(ctx, dollarPlaceholders(q.String()), q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		page := newExportPage(orgID, limit)
		for rows.Next() {
			if err := page.add(rows); err != nil {
				return err
			}
		}
		out = page.rows
		return rows.Err()
	})
	return out, ok, err
}

// exportPage collects decoded rows. Allocation is per page, not per
// value: each row's text is one string its fields are cut from, and
// times and emails point into arrays of the page.
type exportPage struct {
	orgID  string
	rows   []directory.ExportRow
	times  []time.Time
	emails []directory.Email
	text   strings.Builder
}

func newExportPage(orgID string, limit int) *exportPage {
	return &exportPage{orgID: orgID, rows: make([]directory.ExportRow, 0, limit),
		times: make([]time.Time, 0, 3*limit), emails: make([]directory.Email, 0, limit)}
}

// The columns of exportColumns, by position: the first textColumns
// (id .. state) are text.
const (
	textColumns = 13
	colActive   = 13
	colInvited  = 14
	colClaimed  = 15
	colLinkGen  = 16
	colLinkTo   = 17
	colCodeHash = 18
	colCodeGen  = 19
	colCodeTo   = 20
	colMgrName  = 21
	colMgrNum   = 22
	colCount    = 23
)

// add decodes the current row; a row whose columns do not come in the
// binary forms expected is scanned the ordinary way.
func (p *exportPage) add(rows pgx.Rows) error {
	raw := rows.RawValues()
	if !binaryExportColumns(rows.FieldDescriptions(), raw) {
		r, err := scanExportRowPgx(rows, p.orgID)
		p.rows = append(p.rows, r)
		return err
	}
	var texts [colCount]string
	size := 0
	for i, v := range raw {
		if isText(i) {
			size += len(v)
		}
	}
	p.text.Reset()
	p.text.Grow(size)
	for i, v := range raw {
		if isText(i) {
			p.text.Write(v)
		}
	}
	all := p.text.String()
	for i, v := range raw {
		if isText(i) {
			texts[i], all = all[:len(v)], all[len(v):]
		}
	}
	p.rows = append(p.rows, directory.ExportRow{ManagerName: texts[colMgrName], ManagerEmployeeNumber: texts[colMgrNum]})
	a := &p.rows[len(p.rows)-1].Account
	a.OrgID, a.ID, a.UserName, a.DisplayName, a.GivenName, a.FamilyName = p.orgID, texts[0], texts[1], texts[2], texts[3], texts[4]
	a.EmployeeNumber, a.Title, a.Department, a.Division, a.Location = texts[6], texts[7], texts[8], texts[9], texts[10]
	a.AuthMethod, a.State, a.AccessCodeHash = directory.AuthMethod(texts[11]), directory.State(texts[12]), texts[colCodeHash]
	if texts[5] != "" {
		p.emails = append(p.emails, directory.Email{Value: texts[5], Primary: true})
		a.Emails = p.emails[len(p.emails)-1 : len(p.emails) : len(p.emails)]
	}
	a.Active = raw[colActive][0] == 1
	a.InviteGeneration = int64(binary.BigEndian.Uint64(raw[colLinkGen]))
	a.AccessCodeGeneration = int64(binary.BigEndian.Uint64(raw[colCodeGen]))
	a.InvitedAt, a.ClaimedAt = p.time(raw[colInvited]), p.time(raw[colClaimed])
	a.InviteExpiresAt, a.AccessCodeExpiresAt = p.time(raw[colLinkTo]), p.time(raw[colCodeTo])
	return nil
}

func isText(col int) bool {
	return col < textColumns || col == colCodeHash || col == colMgrName || col == colMgrNum
}

// postgresEpoch is where PostgreSQL's binary timestamps count from.
var postgresEpoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// time decodes a binary timestamptz (microseconds since postgresEpoch),
// nil for NULL.
func (p *exportPage) time(v []byte) *time.Time {
	if v == nil {
		return nil
	}
	micros := int64(binary.BigEndian.Uint64(v))
	p.times = append(p.times, postgresEpoch.Add(time.Duration(micros)*time.Microsecond))
	return &p.times[len(p.times)-1]
}

// binaryExportColumns checks the row came as add expects: text columns,
// and bool, bigint and finite timestamptz columns in binary form (pgx
// asks for binary results of the types it knows).
func binaryExportColumns(fields []pgconn.FieldDescription, raw [][]byte) bool {
	if len(fields) != colCount || len(raw) != colCount {
		return false
	}
	for i, f := range fields {
		v := raw[i]
		switch {
		case isText(i):
			if f.DataTypeOID != pgtype.TextOID || (v == nil && i < textColumns) {
				return false
			}
		case i == colActive:
			if f.DataTypeOID != pgtype.BoolOID || f.Format != pgtype.BinaryFormatCode || len(v) != 1 {
				return false
			}
		case i == colLinkGen || i == colCodeGen:
			if f.DataTypeOID != pgtype.Int8OID || f.Format != pgtype.BinaryFormatCode || len(v) != 8 {
				return false
			}
		default: // timestamps; infinity is out of any range the store writes
			if f.DataTypeOID != pgtype.TimestamptzOID || f.Format != pgtype.BinaryFormatCode || (v != nil && len(v) != 8) ||
				(v != nil && (binary.BigEndian.Uint64(v) == 1<<63-1 || binary.BigEndian.Uint64(v) == 1<<63)) {
				return false
			}
		}
	}
	return true
}

// scanExportRowPgx reads one row of exportColumns with pgx's Scan.
func scanExportRowPgx(rows pgx.Rows, orgID string) (directory.ExportRow, error) {
	var (
		r                                directory.ExportRow
		a                                = &r.Account
		email, authMethod, state         string
		invited, claimed, linkTo, codeTo *time.Time
		codeHash, mgrName, mgrNumber     *string
	)
	err := rows.Scan(&a.ID, &a.UserName, &a.DisplayName, &a.GivenName, &a.FamilyName, &email,
		&a.EmployeeNumber, &a.Title, &a.Department, &a.Division, &a.Location, &authMethod, &state, &a.Active,
		&invited, &claimed, &a.InviteGeneration, &linkTo,
		&codeHash, &a.AccessCodeGeneration, &codeTo,
		&mgrName, &mgrNumber)
	if err != nil {
		return r, err
	}
	a.OrgID = orgID
	if email != "" {
		a.Emails = []directory.Email{{Value: email, Primary: true}}
	}
	a.AuthMethod, a.State = directory.AuthMethod(authMethod), directory.State(state)
	a.InvitedAt, a.ClaimedAt, a.InviteExpiresAt, a.AccessCodeExpiresAt = utcPtr(invited), utcPtr(claimed), utcPtr(linkTo), utcPtr(codeTo)
	a.AccessCodeHash, r.ManagerName, r.ManagerEmployeeNumber = deref(codeHash), deref(mgrName), deref(mgrNumber)
	return r, nil
}

// dollarPlaceholders numbers the '?' placeholders of SQL the translator
// wrote ($1, $2, ...), as gorm's PostgreSQL dialect does. That SQL holds
// no user text (every value is bound), so a '?' inside a quoted literal
// cannot occur; literals are skipped all the same.
func dollarPlaceholders(sql string) string {
	var b strings.Builder
	b.Grow(len(sql) + 16)
	n, quoted := 0, false
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			n++
			b.WriteString("$" + strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
