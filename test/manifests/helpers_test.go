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

// Package manifests_test checks the deployment surface of mca-operator without a cluster: the
// kustomize render of config/default, the RBAC it grants, the Argo CD health checks, the
// Prometheus rules and the Grafana dashboard.
package manifests_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

const (
	// operatorNamespace is where config/default installs the operator; its credentials Secrets
	// live there too.
	operatorNamespace = "mca-operator-system"
	namePrefix        = "mca-operator-"
)

// repoRoot is the repository root, found from this file's location so that `go test` works from
// any directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// generatedRolePath is the RBAC role controller-gen writes from the +kubebuilder:rbac markers.
func generatedRolePath(t testing.TB) string {
	return filepath.Join(repoRoot(t), "config", "rbac", "role.yaml")
}

// renderResult is a kustomize render split into objects.
type renderResult struct {
	objects []map[string]any
	yaml    []byte
	// usedFixture is true when config/rbac/role.yaml did not exist and the fixture stood in.
	usedFixture bool
}

// render runs kustomize in-process on config/<dir>, the way `kubectl kustomize config/<dir>` does.
// The repository's config/ tree is copied into an in-memory filesystem; when controller-gen has
// not generated config/rbac/role.yaml yet, testdata/role.fixture.yaml (controller-gen's output for
// the planned markers) stands in for it so the rest of the render can still be checked.
func render(t testing.TB, dir string) renderResult {
	t.Helper()
	return renderWith(t, dir, nil)
}

// renderWith is render with some files of the in-memory copy replaced (paths like
// /config/default/kustomization.yaml).
func renderWith(t testing.TB, dir string, overrides map[string]string) renderResult {
	t.Helper()
	root := repoRoot(t)
	mem := filesys.MakeFsInMemory()
	configDir := filepath.Join(root, "config")
	err := filepath.WalkDir(configDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return mem.WriteFile(filepath.Join("/", rel), data)
	})
	if err != nil {
		t.Fatalf("copying config/: %v", err)
	}
	res := renderResult{}
	if _, err := os.Stat(generatedRolePath(t)); os.IsNotExist(err) {
		data, err := os.ReadFile(filepath.Join(root, "test", "manifests", "testdata", "role.fixture.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := mem.WriteFile("/config/rbac/role.yaml", data); err != nil {
			t.Fatal(err)
		}
		res.usedFixture = true
		t.Logf("config/rbac/role.yaml is not generated yet (run `make manifests`); rendering with testdata/role.fixture.yaml")
	}
	for path, content := range overrides {
		if err := mem.WriteFile(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(mem, filepath.Join("/config", dir))
	if err != nil {
		t.Fatalf("kustomize build config/%s: %v", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatalf("serialising the render: %v", err)
	}
	res.yaml = out
	res.objects = splitYAML(t, out)
	return res
}

// splitYAML decodes a multi-document YAML stream into generic objects, skipping empty documents.
func splitYAML(t testing.TB, data []byte) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for i, doc := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if obj != nil {
			objs = append(objs, obj)
		}
	}
	return objs
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func str(obj map[string]any, path ...string) string {
	v, _ := nested(obj, path...).(string)
	return v
}

func nested(obj any, path ...string) any {
	cur := obj
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// find returns the objects of a kind, optionally with a given name.
func find(objs []map[string]any, kind, name string) []map[string]any {
	var out []map[string]any
	for _, o := range objs {
		if str(o, "kind") == kind && (name == "" || str(o, "metadata", "name") == name) {
			out = append(out, o)
		}
	}
	return out
}

// convert decodes a generic object into a typed one through JSON.
func convert(t testing.TB, in map[string]any, out any) {
	t.Helper()
	data, err := yaml.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, out); err != nil {
		t.Fatalf("decoding %s/%s: %v", str(in, "kind"), str(in, "metadata", "name"), err)
	}
}
