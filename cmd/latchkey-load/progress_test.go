package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRenderProgress(t *testing.T) {
	got := progressLine{label: "seed", done: 500, total: 1000, elapsed: 10 * time.Second}.render()
	for _, want := range []string{"seed [", " 50.0% 500/1,000", " 50/s ", "ETA 10s", "\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "errors") {
		t.Errorf("a seed's bar counts errors: %q", got)
	}
	tty := progressLine{label: "walk", done: 7, elapsed: time.Second, tty: true}.render()
	if !strings.HasPrefix(tty, "\r") || strings.HasSuffix(tty, "\n") || !strings.Contains(tty, "walk 7 7/s") {
		t.Errorf("tty line %q", tty)
	}
	if final := (progressLine{label: "x", done: 1000, total: 1000, elapsed: time.Second, tty: true, final: true}).render(); strings.Contains(final, "ETA") || !strings.HasSuffix(final, "\n") {
		t.Errorf("final line %q", final)
	}
	if over := (progressLine{label: "x", done: 2000, total: 1000, elapsed: time.Second}).render(); strings.Count(over, "=") != barWidth {
		t.Errorf("overfull bar %q", over)
	}
}

// TestRenderTimedProgress: a phase bounded by time fills its bar with
// the time and shows the rate and the errors.
func TestRenderTimedProgress(t *testing.T) {
	got := progressLine{label: "create", done: 3000, errs: 2, countErrs: true, elapsed: 15 * time.Second, limit: 30 * time.Second}.render()
	for _, want := range []string{"create [" + strings.Repeat("=", barWidth/2) + strings.Repeat(" ", barWidth/2) + "] ", "15s/30s 3,000 200/s, 2 errors\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	late := progressLine{label: "create", done: 10, countErrs: true, elapsed: 31 * time.Second, limit: 30 * time.Second}.render()
	if !strings.Contains(late, "30s/30s") || strings.Count(late, "=") != barWidth {
		t.Errorf("a phase past its limit: %q", late)
	}
}

// TestTimedProgressEndsItsLine: whatever the drive counted is in the
// last line, which ends with a newline so the report starts clean.
func TestClockProgressShowsOnlyTime(t *testing.T) {
	got := progressLine{label: "pgbench", elapsed: 10 * time.Second, limit: 30 * time.Second}.render()
	if !strings.HasSuffix(got, "] 10s/30s\n") {
		t.Errorf("pgbench line %q", got)
	}
}

func TestTimedProgressEndsItsLine(t *testing.T) {
	var buf bytes.Buffer
	p := startTimedProgress(&buf, "patch", loadOptions{requests: 4, maxTime: time.Minute})
	p.add(4)
	p.errs.Add(1)
	p.finish()
	if got := buf.String(); !strings.Contains(got, "100.0% 4/4") || !strings.HasSuffix(got, ", 1 errors\n") {
		t.Fatalf("final drawing %q", got)
	}
}
