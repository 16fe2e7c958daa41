package main

import "testing"

func TestWithDatabase(t *testing.T) {
	got, err := withDatabase("postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "latchkey_bench")
	if err != nil || got != "postgres://postgres@127.0.0.1:5432/latchkey_bench?sslmode=disable" {
		t.Fatalf("withDatabase = %q, %v", got, err)
	}
}

func TestBenchDBNameGuard(t *testing.T) {
	for _, ok := range []string{"latchkey_bench", "latchkey_bench_1m"} {
		if !benchDBName.MatchString(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"postgres", "latchkey", "latchkey_bench; drop", "Latchkey_bench", "x_latchkey_bench"} {
		if benchDBName.MatchString(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRedactURL(t *testing.T) {
	if got := redactURL("postgres://u:secret@127.0.0.1/db"); got != "postgres://u:xxxxx@127.0.0.1/db" {
		t.Fatalf("redactURL = %q", got)
	}
}
