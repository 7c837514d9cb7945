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

// Package license_test checks that every Go file of the repository starts with the license header
// of hack/boilerplate.go.txt.
package license_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// generated are the files controller-gen writes: they start with a build constraint and carry the
// header below it (make generate passes hack/boilerplate.go.txt as its headerFile).
var generated = []string{
	"api/v1alpha1/zz_generated.deepcopy.go",
}

// repoRoot is the repository root, found from this file's location.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// goFiles lists the repository's Go files: the tracked ones when git is available, otherwise
// every .go file outside bin/, dist/ and hidden directories.
func goFiles(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "*.go")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
		return files
	}
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || rel == "bin" || rel == "dist") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(rel, ".go") {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func isExempt(file string) bool {
	for _, g := range generated {
		if file == g {
			return true
		}
	}
	return false
}

// TestGoFilesStartWithLicenseHeader fails for every Go file that does not start with
// hack/boilerplate.go.txt followed by a blank line.
func TestGoFilesStartWithLicenseHeader(t *testing.T) {
	root := repoRoot(t)
	header, err := os.ReadFile(filepath.Join(root, "hack", "boilerplate.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := append(bytes.TrimRight(header, "\n"), '\n', '\n')
	files := goFiles(t, root)
	if len(files) == 0 {
		t.Fatal("no Go files found")
	}
	var missing []string
	for _, f := range files {
		if isExempt(f) {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if os.IsNotExist(err) {
			continue // deleted in the work tree but still in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(src, want) {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d Go files do not start with the header of hack/boilerplate.go.txt (and a blank line):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
}

// TestGeneratedFilesCarryLicenseHeader checks that controller-gen's output, which starts with its
// build constraint, carries the same header right after it.
func TestGeneratedFilesCarryLicenseHeader(t *testing.T) {
	root := repoRoot(t)
	header, err := os.ReadFile(filepath.Join(root, "hack", "boilerplate.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range generated {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(src, bytes.TrimRight(header, "\n")) {
			t.Errorf("%s does not carry the header of hack/boilerplate.go.txt (run `make generate`)", f)
		}
	}
}
