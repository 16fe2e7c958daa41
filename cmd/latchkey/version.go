package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

func runVersion(_ context.Context, env *cli, args []string) error {
	if err := requireNoArgs("version", args); err != nil {
		return err
	}
	version, goVersion := "devel", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		goVersion = info.GoVersion
		if v := info.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
	}
	fmt.Fprintf(env.stdout, "latchkey %s (%s)\n", version, goVersion)
	return nil
}
