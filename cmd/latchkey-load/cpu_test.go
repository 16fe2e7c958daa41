package main

import (
	"os"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
	stat := "4242 (post gres: x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0\n"
	d, err := parseProcStat(stat)
	if err != nil || d != 3*time.Second {
		t.Fatalf("parseProcStat = %v, %v; want 3s", d, err)
	}
	if _, err := parseProcStat("garbage"); err == nil {
		t.Fatal("garbage accepted")
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Skip("no /proc here:", err)
	}
}

func TestCPUUse(t *testing.T) {
	before := cpuSnapshot{server: time.Second, client: time.Second, backends: map[int]time.Duration{1: time.Second}}
	after := cpuSnapshot{server: 3 * time.Second, client: 2 * time.Second, backends: map[int]time.Duration{1: 2 * time.Second, 2: time.Second}}
	u := after.since(before)
	if u.Server != 2*time.Second || u.Postgres != 2*time.Second || u.Client != time.Second {
		t.Fatalf("since = %+v", u)
	}
	if got := u.perRequest(1000); got != "2.00 / 2.00 / 1.00" {
		t.Fatalf("perRequest = %q", got)
	}
	if got := (cpuUse{Server: time.Second}).perRequest(1000); got != "1.00 / - / 0.00" {
		t.Fatalf("perRequest without PostgreSQL = %q", got)
	}
}
