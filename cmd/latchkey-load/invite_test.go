package main

import (
	"strings"
	"testing"
	"time"
)

func TestInviteReport(t *testing.T) {
	// A run that failed before any email still renders.
	empty := (&inviteReport{Users: 10, Backend: "SQLite"}).markdown()
	if !strings.Contains(empty, "**FAIL**") {
		t.Fatalf("empty report:\n%s", empty)
	}
	start := time.Unix(1_000_000, 0)
	r := &inviteReport{Users: 3, Backend: "PostgreSQL", RuleAdded: start, HWM: 50e6, RSSBefore: 30e6,
		Sink:      sinkStats{Total: 3, Distinct: 3, First: start.Add(time.Second), Last: start.Add(3 * time.Second)},
		PerSecond: []int{1, 1, 1}, BackfillDone: 2 * time.Second, Elapsed: 5 * time.Second}
	for i := range 5 {
		r.Samples = append(r.Samples, inviteSample{At: time.Duration(i+1) * time.Second, Invited: -1, Emails: min(i, 3), RSS: 40e6})
	}
	if got := r.drainRate(); got != 1 {
		t.Fatalf("drain rate %v; want 1/s (2 emails after the first in 2 s)", got)
	}
	if !r.memoryFlat() || !r.exact() {
		t.Fatalf("flat %v, exact %v", r.memoryFlat(), r.exact())
	}
	r.Sink.Duplicates, r.Sink.Total = 1, 4
	if r.exact() {
		t.Fatal("a duplicate passed")
	}
}

func TestInviteFlags(t *testing.T) {
	f := inviteFlags{databaseURL: "postgres://db.example.com/x", users: 10, timeout: time.Minute, department: "Sales"}
	if err := f.validate(); err == nil || !strings.Contains(err.Error(), "non-loopback") {
		t.Fatalf("remote database: %v", err)
	}
	f = inviteFlags{databaseURL: "/tmp/x.db", users: 10, timeout: time.Minute, department: `Sa"les`, smtpQuery: "a?b"}
	if err := f.validate(); err == nil || !strings.Contains(err.Error(), "--department") || !strings.Contains(err.Error(), "--smtp-options") {
		t.Fatalf("bad flags: %v", err)
	}
}
