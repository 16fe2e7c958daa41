package main

import "testing"

func TestCheckTargetURL(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://127.1.2.3:1/", "http://[::1]:8080", "http://localhost:9", "https://LOCALHOST:9"} {
		if _, err := checkTargetURL(ok); err != nil {
			t.Errorf("checkTargetURL(%q) = %v; want ok", ok, err)
		}
	}
	for _, bad := range []string{
		"http://10.0.0.1:8080", "http://192.168.1.5", "http://example.com", "http://127.0.0.1.example.com",
		"ftp://127.0.0.1", "127.0.0.1:8080", "http://u:p@127.0.0.1", "http://127.0.0.1/?x=1", "http://0.0.0.0:8080",
	} {
		if _, err := checkTargetURL(bad); err == nil {
			t.Errorf("checkTargetURL(%q) accepted", bad)
		}
	}
}

func TestCheckDatabaseTarget(t *testing.T) {
	for _, ok := range []string{
		"postgres://postgres@127.0.0.1:5432/postgres", "postgresql://u@localhost/db", "postgres://u@[::1]:5432/db",
		"postgres:///db?host=/var/run/postgresql", "bench.db", "/tmp/x/bench.db",
	} {
		if err := checkDatabaseTarget(ok); err != nil {
			t.Errorf("checkDatabaseTarget(%q) = %v; want ok", ok, err)
		}
	}
	for _, bad := range []string{
		"", "postgres://u@db.internal:5432/x", "postgres://u@10.1.1.1/x", "postgres://u@127.0.0.1,10.0.0.2/x", "mysql://127.0.0.1/x",
	} {
		if err := checkDatabaseTarget(bad); err == nil {
			t.Errorf("checkDatabaseTarget(%q) accepted", bad)
		}
	}
}
