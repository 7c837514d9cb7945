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
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// apiConditionVocabulary reads the condition types (Condition*) and reasons (Reason*) declared in
// api/v1alpha1/conditions.go, so that fixtures, alerts and dashboards can be checked against the
// API instead of a copy of it.
func apiConditionVocabulary(t testing.TB) (types, reasons map[string]bool) {
	t.Helper()
	path := filepath.Join(repoRoot(t), "api", "v1alpha1", "conditions.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	types, reasons = map[string]bool{}, map[string]bool{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				val, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case strings.HasPrefix(name.Name, "Condition"):
					types[val] = true
				case strings.HasPrefix(name.Name, "Reason"):
					reasons[val] = true
				}
			}
		}
	}
	if len(types) < 3 || len(reasons) < 10 {
		t.Fatalf("found only %d condition types and %d reasons in %s", len(types), len(reasons), path)
	}
	return types, reasons
}
