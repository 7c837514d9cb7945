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

// Package docs_test checks that README.md and docs/ name only spec and status fields the CRDs
// have: a renamed or removed field fails here instead of sending a reader to nothing.
package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// foreign are field paths the documents name on other projects' kinds (Argo CD's Argo CD
// resource, the Prometheus operator's PrometheusRule); they are not ours to check.
var foreign = map[string]bool{
	"spec.resourceHealthChecks": true,
	"spec.groups":               true,
}

// fieldRef finds a field path in inline code, optionally qualified by a kind: `spec.a.b`,
// `status.a[].b`, `PartnerTenant.spec.a`, and "the CustomerAgreement's `spec.a`".
var fieldRef = regexp.MustCompile("(?:(CustomerAgreement|PartnerTenant)'s )?`(?:(CustomerAgreement|PartnerTenant)\\.)?((?:spec|status)(?:\\.[A-Za-z][A-Za-z0-9]*(?:\\[\\d*\\])?)+)")

// index is an array index in a path (`deliveries[]`, `deliveries[0]`).
var index = regexp.MustCompile(`\[\d*\]`)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// schemaPaths lists every field path of a CRD's served schema, with [] removed; a map
// (additionalProperties) admits any key below it, recorded as a "*" segment.
func schemaPaths(t *testing.T, file string) (kind string, paths map[string]bool) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	paths = map[string]bool{}
	var walk func(prefix string, s *apiextensionsv1.JSONSchemaProps)
	walk = func(prefix string, s *apiextensionsv1.JSONSchemaProps) {
		if s == nil {
			return
		}
		if prefix != "" {
			paths[prefix] = true
		}
		for name, p := range s.Properties {
			child := name
			if prefix != "" {
				child = prefix + "." + name
			}
			walk(child, &p)
		}
		if s.Items != nil {
			walk(prefix, s.Items.Schema)
		}
		if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
			walk(prefix+".*", s.AdditionalProperties.Schema)
		}
	}
	for _, v := range crd.Spec.Versions {
		if v.Schema != nil {
			walk("", v.Schema.OpenAPIV3Schema)
		}
	}
	return crd.Spec.Names.Kind, paths
}

// has says whether path is a field of the schema, a "*" segment matching any key.
func has(paths map[string]bool, path string) bool {
	if paths[path] {
		return true
	}
	segs := strings.Split(path, ".")
	for i := len(segs) - 1; i > 0; i-- {
		if paths[strings.Join(segs[:i], ".")+".*"] {
			return true
		}
	}
	return false
}

func TestDocumentsNameOnlyCRDFields(t *testing.T) {
	root := repoRoot()
	crds, err := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(crds) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	kinds := map[string]map[string]bool{}
	for _, f := range crds {
		kind, paths := schemaPaths(t, f)
		kinds[kind] = paths
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append([]string{filepath.Join(root, "README.md")}, docs...)
	checked := 0
	for _, doc := range docs {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, doc)
		for n, line := range strings.Split(string(data), "\n") {
			for _, m := range fieldRef.FindAllStringSubmatch(line, -1) {
				kind := m[1] + m[2]
				path := index.ReplaceAllString(m[3], "")
				if foreign[path] {
					continue
				}
				checked++
				if problem := check(kinds, kind, path); problem != "" {
					t.Errorf("%s:%d: %s", rel, n+1, problem)
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("found only %d field references in README.md and docs/: the pattern no longer matches how they are written", checked)
	}
}

// check says what is wrong with a reference to path (on kind, when the text names one).
func check(kinds map[string]map[string]bool, kind, path string) string {
	if kind != "" {
		if !has(kinds[kind], path) {
			return kind + " has no field " + path
		}
		return ""
	}
	for _, paths := range kinds {
		if has(paths, path) {
			return ""
		}
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return "no CRD (" + strings.Join(names, ", ") + ") has a field " + path
}
