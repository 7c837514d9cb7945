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

package manifests_test

import (
	"bufio"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const modulePath = "github.com/mca-operator/mca-operator"

// TestDockerfile checks the image recipe without a Docker engine: the stages, the static build of
// ./cmd/manager, the non-root distroless runtime, and that the directories it copies hold every
// package of this module the manager imports (so the build cannot fail on a missing directory).
func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	// Join continuation lines, as Docker does, so that a RUN split over lines reads as one.
	df := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(string(data), " ")
	for what, re := range map[string]*regexp.Regexp{
		"golang:1.26 builder stage":          regexp.MustCompile(`(?m)^FROM golang:1\.26\S* AS builder$`),
		"CGO_ENABLED=0 build of cmd/manager": regexp.MustCompile(`(?m)CGO_ENABLED=0 .*go build .*\./cmd/manager`),
		"distroless static nonroot runtime":  regexp.MustCompile(`(?m)^FROM gcr\.io/distroless/static:nonroot$`),
		"binary copied from the builder":     regexp.MustCompile(`(?m)^COPY --from=builder \S+/manager \S+`),
		"non-root user":                      regexp.MustCompile(`(?m)^USER 65532:65532$`),
		"entrypoint":                         regexp.MustCompile(`(?m)^ENTRYPOINT \["/manager"\]$`),
	} {
		if !re.MatchString(df) {
			t.Errorf("Dockerfile lacks %s (%s)", what, re)
		}
	}
	// The runtime stage is the last FROM, and USER comes after it.
	lastFrom := strings.LastIndex(df, "\nFROM ")
	if i := strings.LastIndex(df, "\nUSER "); i < lastFrom {
		t.Errorf("USER must be set in the final stage")
	}

	copied := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^COPY (\S+)/ \S+/?$`).FindAllStringSubmatch(df, -1) {
		copied[m[1]] = true
	}
	ignore := dockerignoreBasenamePatterns(t)

	if _, err := os.Stat(filepath.Join(root, "cmd", "manager")); os.IsNotExist(err) {
		t.Skip("cmd/manager does not exist yet")
	}
	seen := map[string]bool{}
	var walk func(dir string)
	walk = func(dir string) {
		if seen[dir] {
			return
		}
		seen[dir] = true
		top := strings.SplitN(dir, "/", 2)[0]
		if !copied[top] {
			t.Errorf("the manager imports %s/%s, but the Dockerfile does not COPY %s/", modulePath, dir, top)
		}
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			for _, pat := range ignore {
				if ok, _ := filepath.Match(pat, filepath.Base(f)); ok {
					t.Errorf(".dockerignore pattern **/%s excludes %s, which the manager needs", pat, f)
				}
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			for _, imp := range af.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				if rest, ok := strings.CutPrefix(p, modulePath+"/"); ok {
					walk(rest)
				}
			}
		}
	}
	walk("cmd/manager")
}

// dockerignoreBasenamePatterns returns the `**/<pattern>` entries of .dockerignore as basename
// patterns, and checks that go.mod, go.sum and the copied directories are not ignored outright.
func dockerignoreBasenamePatterns(t *testing.T) []string {
	f, err := os.Open(filepath.Join(repoRoot(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pats []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if slices.Contains([]string{"go.mod", "go.sum", "cmd", "cmd/", "api", "api/", "internal", "internal/", "*.go", "**/*.go"}, l) {
			t.Errorf(".dockerignore excludes %s, which the build needs", l)
		}
		if p, ok := strings.CutPrefix(l, "**/"); ok && !strings.HasSuffix(p, "/") {
			pats = append(pats, p)
		}
	}
	return pats
}
