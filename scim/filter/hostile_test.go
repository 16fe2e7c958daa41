//go:build unix

package filter

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHostileInputIsFast feeds the largest inputs the bounds allow, shaped
// to make a backtracking parser work hard, and the 100,000-level nesting
// that would overflow the parser's stack. Each must be answered quickly.
func TestHostileInputIsFast(t *testing.T) {
	fill := func(unit, tail string) string {
		return strings.Repeat(unit, (MaxLength-len(tail))/len(unit)) + tail
	}
	nested := strings.Repeat("(", MaxDepth) + `a pr` + strings.Repeat(")", MaxDepth)
	inputs := []string{
		strings.Repeat("(", 100000) + `title pr` + strings.Repeat(")", 100000),
		strings.Repeat("(", MaxLength),
		strings.Repeat("not (", MaxLength/5),
		strings.Repeat("[", MaxLength),
		fill(`userName eq "x" and `, `title pr`),
		fill(`userName eq "x" or `, `title pr`),
		fill(`userName eq "x" and `, `title`),
		fill(nested+` and `, `title pr`),
		fill(nested+` and `, `(title`),
		fill(`emails[type eq "work" and value co "x"] or `, `title pr`),
		fill(`emails[type eq "work"].value eq "x" or `, `title pr`),
		fill(`emails[type eq "work"].value eq "x" or `, `title`),
		fill(`].value eq "x"`, ``),
		fill(`urn:a:b:c:d:e:f:g:`, `userName pr`),
		fill(`urn:`, ``),
		fill(`"\"`, ``),
		fill(`a`, ``),
		fill(`(((((((((((((((a pr))))))))))))))) or `, `a pr`),
		fill(`not (not (not (not (not (not (not (not (a pr)))))))) or `, `a pr`),
	}
	// The parser needs some 10 to 40 ms of CPU for the worst 4 KB inputs,
	// several times that under -race. The limit is there to catch
	// backtracking that grows exponentially, not to benchmark; CPU time
	// rather than wall time keeps it meaningful on a loaded machine.
	limit := time.Second
	for _, in := range inputs {
		start := cpuTime(t)
		_, _ = Users(in)
		_, _ = Groups(in)
		if d := cpuTime(t) - start; d > limit {
			t.Errorf("%s took %v of CPU", short(in), d)
		}
	}
}

// cpuTime is the CPU time the test process has used so far.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
