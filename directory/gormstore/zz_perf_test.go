package gormstore

import (
	"os"
	"testing"

	"github.com/latchkeyhq/latchkey/migrations"
)

func TestZZPerfSetup(t *testing.T) {
	url := os.Getenv("LK_PERF_URL")
	if url == "" {
		t.Skip()
	}
	s := openEmpty(t, Postgres, url)
	if _, err := migrations.Up(t.Context(), s.DB(), migrations.Dialect(Postgres)); err != nil {
		t.Fatal(err)
	}
}
