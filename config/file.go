package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// readFile reads a flat YAML mapping of setting keys to scalar values.
// Unknown keys are errors, so a typo never silently falls back to a default.
func readFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var doc map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	known := map[string]bool{}
	for _, s := range settings {
		known[s.key] = true
	}
	out := map[string]string{}
	var unknown []string
	for k, v := range doc {
		switch {
		case !known[k]:
			unknown = append(unknown, k)
		case v == nil:
			out[k] = ""
		default:
			switch v.(type) {
			case map[string]any, []any:
				return nil, fmt.Errorf("config file %s: %s must be a single value", path, k)
			}
			out[k] = fmt.Sprint(v)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return out, fmt.Errorf("config file %s: unknown setting(s) %s", path, strings.Join(unknown, ", "))
	}
	return out, nil
}
