package main

import (
	"os"
	"strings"
	"testing"

	"github.com/latchkeyhq/latchkey/config"
)

// TestReadmeDocumentsEverySetting keeps the README's settings table and
// command list in step with the code.
func TestReadmeDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	for _, s := range config.Settings() {
		if !strings.Contains(text, "`"+s.Env+"`") || !strings.Contains(text, "`"+s.Key+"`") {
			t.Errorf("README.md does not document %s (%s)", s.Env, s.Key)
		}
	}
	for _, c := range commands() {
		if !strings.Contains(text, "`latchkey "+c.name) {
			t.Errorf("README.md does not document `latchkey %s`", c.name)
		}
	}
}
