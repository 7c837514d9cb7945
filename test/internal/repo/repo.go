/*
Copyright 2026 The mca-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package repo helps the tests that run go or read files of this repository.
package repo

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Root is the repository root, found from this file's location.
func Root(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// ConsultSources stats every Go file of the root module's packages that the given packages build
// from, and go.mod and go.sum. A test that runs `go` in a subprocess is invisible to go test's
// result cache; files the test itself consults are part of the cache key, so a change to any of
// them reruns the test instead of replaying a stale pass.
func ConsultSources(t *testing.T, pkgs ...string) {
	t.Helper()
	ConsultModuleSources(t, ".", pkgs...)
}

// ConsultModuleSources is ConsultSources for the module in dir, relative to the repository root
// (hack/tools, say): the given packages are resolved there, and that module's go.mod and go.sum
// are stat'ed.
func ConsultModuleSources(t *testing.T, dir string, pkgs ...string) {
	t.Helper()
	moduleDir := filepath.Join(Root(t), filepath.FromSlash(dir))
	args := append([]string{"list", "-deps", "-f",
		"{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{range .EmbedFiles}} {{.}}{{end}}{{end}}{{end}}"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleDir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		for _, f := range fields[1:] {
			if _, err := os.Stat(filepath.Join(fields[0], f)); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if _, err := os.Stat(filepath.Join(moduleDir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if n == 0 {
		t.Fatalf("go list found no source files for %v", pkgs)
	}
}
