package main

import (
	"strings"
	"testing"
	"time"
)

func TestRenderProgress(t *testing.T) {
	got := renderProgress("seed", 500, 1000, 10*time.Second, false, false)
	for _, want := range []string{"seed [", " 50.0% 500/1,000", " 50/s ", "ETA 10s", "\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	tty := renderProgress("walk", 7, 0, time.Second, true, false)
	if !strings.HasPrefix(tty, "\r") || strings.HasSuffix(tty, "\n") || !strings.Contains(tty, "walk 7 7/s") {
		t.Errorf("tty line %q", tty)
	}
	if final := renderProgress("x", 1000, 1000, time.Second, true, true); strings.Contains(final, "ETA") || !strings.HasSuffix(final, "\n") {
		t.Errorf("final line %q", final)
	}
	if over := renderProgress("x", 2000, 1000, time.Second, false, false); strings.Count(over, "=") != 30 {
		t.Errorf("overfull bar %q", over)
	}
}
