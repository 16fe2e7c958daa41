// Package export writes "Export employee information": a CSV file of the
// people matching an admin's filters, with the claim link of every
// invited, unclaimed, active account and the access code of every
// account that has one (people without email claim with it). A link or
// code that has expired is left out (an empty cell), as it would not
// work: a reminder gives the person a fresh link, and the next export
// shows it.
//
// The file is RFC 4180 (comma-separated, CRLF line ends, fields quoted
// when they hold a comma, quote, CR or LF), UTF-8, optionally after a
// byte order mark for spreadsheet programs. A cell that starts with
// = + - @, tab or CR is written after a single quote, so a spreadsheet
// shows it as text instead of running it as a formula (OWASP's advice on
// CSV injection); every cell is treated so, including the header.
//
// Build streams rows from the database a page at a time into parts of
// about a megabyte, stored in the database (so any replica can serve
// them) or as a file in an export directory every replica shares; Open
// reads a file back and Remove deletes it. The admin API (package admin)
// runs Build in a job and owns the export's status, emails and audit.
//
// It imports directory only.
package export
