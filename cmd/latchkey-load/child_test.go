package main

import (
	"slices"
	"testing"
)

func TestChildEnvDropsCallerSettings(t *testing.T) {
	env := childEnv([]string{"PATH=/bin", "LATCHKEY_SCIM_RATE_LIMIT=1", "HOME=/root"}, map[string]string{"LATCHKEY_LOG_FORMAT": "json"})
	slices.Sort(env)
	want := []string{"HOME=/root", "LATCHKEY_LOG_FORMAT=json", "PATH=/bin"}
	if !slices.Equal(env, want) {
		t.Fatalf("env = %v; want %v", env, want)
	}
}

func TestLastLine(t *testing.T) {
	out := "Created SCIM token \"x\".\nCopy the token now:\nlks_abc\n\n"
	if got := lastLine(out); got != "lks_abc" {
		t.Fatalf("lastLine = %q", got)
	}
}
