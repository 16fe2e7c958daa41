package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// FuzzLine: whatever a cell holds (a name an IdP sent), the record reads
// back through encoding/csv as exactly two cells, each the neutralised
// text, and no cell starts with a character a spreadsheet runs.
func FuzzLine(f *testing.F) {
	for _, seed := range [][2]string{{"plain", "=cmd|' /C calc'!A0"}, {"a,b", `"q"`}, {"line\r\nbreak", "\r"},
		{"\t@SUM(1)", "-1"}, {"", "+"}, {"émoji 🙂", "\n"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var l line
		l.text(a)
		l.text(b)
		l.end()
		got, err := csv.NewReader(bytes.NewReader(l.buf)).ReadAll()
		if err != nil || len(got) != 1 || len(got[0]) != 2 {
			t.Fatalf("%q, %q wrote %q, read back %q, %v", a, b, l.buf, got, err)
		}
		for i, cell := range []string{a, b} {
			// RFC 4180 readers may read a quoted CRLF as LF.
			want := strings.ReplaceAll(Neutralise(cell), "\r\n", "\n")
			if got[0][i] != want {
				t.Fatalf("cell %q read back as %q; want %q", cell, got[0][i], want)
			}
			if got[0][i] != "" && strings.ContainsRune("=+-@\t\r", rune(got[0][i][0])) {
				t.Fatalf("cell %q starts with a formula character: %q", cell, got[0][i])
			}
		}
	})
}
