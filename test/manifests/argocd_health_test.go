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
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

// argoHealthStatuses are the statuses Argo CD accepts from a health script.
var argoHealthStatuses = []string{"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}

type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// healthTestFile is Argo CD's health_test.yaml format.
type healthTestFile struct {
	Tests []struct {
		HealthStatus healthStatus `json:"healthStatus"`
		InputPath    string       `json:"inputPath"`
	} `json:"tests"`
}

func argocdDir(t testing.TB) string {
	return filepath.Join(repoRoot(t), "config", "argocd", "resource_customizations", "partnercenter.mca.dev")
}

// runHealthScript evaluates an Argo CD health.lua the way Argo CD does: a Lua state with the safe
// standard libraries, the resource as the global table `obj`, and a returned table with status and
// message.
func runHealthScript(script string, obj map[string]any) (healthStatus, error) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
	} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(script); err != nil {
		return healthStatus{}, err
	}
	ret := L.Get(-1)
	tbl, ok := ret.(*lua.LTable)
	if !ok {
		return healthStatus{}, fmt.Errorf("script returned %s, want a table", ret.Type())
	}
	var hs healthStatus
	if s, ok := tbl.RawGetString("status").(lua.LString); ok {
		hs.Status = string(s)
	}
	if m, ok := tbl.RawGetString("message").(lua.LString); ok {
		hs.Message = string(m)
	}
	return hs, nil
}

// toLua converts a decoded JSON value into Lua values as Argo CD's decodeValue does: objects and
// arrays become tables (arrays 1-indexed), numbers LNumber, nil LNil.
func toLua(L *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case string:
		return lua.LString(x)
	case float64:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case int:
		return lua.LNumber(x)
	case []any:
		t := L.NewTable()
		for _, e := range x {
			t.Append(toLua(L, e))
		}
		return t
	case map[string]any:
		t := L.NewTable()
		for k, e := range x {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	default:
		panic(fmt.Sprintf("unexpected %T", v))
	}
}

// loadObject reads a Kubernetes object from YAML as Argo CD sees it (JSON numbers).
func loadObject(t testing.TB, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var obj map[string]any
	if err := json.Unmarshal(js, &obj); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

func TestArgoCDHealthChecks(t *testing.T) {
	types, reasons := apiConditionVocabulary(t)
	for _, kind := range []string{"CustomerAgreement", "PartnerTenant"} {
		t.Run(kind, func(t *testing.T) {
			dir := filepath.Join(argocdDir(t), kind)
			script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(dir, "health_test.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var tests healthTestFile
			if err := yaml.UnmarshalStrict(data, &tests); err != nil {
				t.Fatalf("health_test.yaml: %v", err)
			}
			if len(tests.Tests) == 0 {
				t.Fatal("health_test.yaml lists no tests")
			}
			covered := map[string]bool{}
			used := map[string]bool{}
			for _, tc := range tests.Tests {
				t.Run(strings.TrimSuffix(filepath.Base(tc.InputPath), ".yaml"), func(t *testing.T) {
					if !slices.Contains(argoHealthStatuses, tc.HealthStatus.Status) {
						t.Fatalf("expected status %q is not an Argo CD health status", tc.HealthStatus.Status)
					}
					obj := loadObject(t, filepath.Join(dir, tc.InputPath))
					used[filepath.Clean(tc.InputPath)] = true
					if str(obj, "kind") != kind || str(obj, "apiVersion") != "partnercenter.mca.dev/v1alpha1" {
						t.Fatalf("input is %s %s, want partnercenter.mca.dev/v1alpha1 %s", str(obj, "apiVersion"), str(obj, "kind"), kind)
					}
					checkConditionVocabulary(t, obj, types, reasons)
					got, err := runHealthScript(string(script), obj)
					if err != nil {
						t.Fatalf("health.lua: %v", err)
					}
					if got != tc.HealthStatus {
						t.Errorf("health = %+v, want %+v", got, tc.HealthStatus)
					}
					covered[got.Status] = true
				})
			}
			for _, s := range []string{"Healthy", "Progressing", "Degraded"} {
				if !covered[s] {
					t.Errorf("no test case yields %s", s)
				}
			}
			// Every testdata file is exercised by health_test.yaml.
			files, _ := filepath.Glob(filepath.Join(dir, "testdata", "*.yaml"))
			for _, f := range files {
				rel, _ := filepath.Rel(dir, f)
				if !used[rel] {
					t.Errorf("%s is not listed in health_test.yaml", rel)
				}
			}
		})
	}
}

// checkConditionVocabulary fails when a testdata condition uses a type or reason that
// api/v1alpha1/conditions.go does not declare, so the fixtures follow the API.
func checkConditionVocabulary(t *testing.T, obj map[string]any, types, reasons map[string]bool) {
	t.Helper()
	conds, _ := nested(obj, "status", "conditions").([]any)
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if ty, _ := m["type"].(string); !types[ty] {
			t.Errorf("condition type %q is not declared in api/v1alpha1/conditions.go", ty)
		}
		if r, _ := m["reason"].(string); !reasons[r] {
			t.Errorf("condition reason %q is not declared in api/v1alpha1/conditions.go", r)
		}
	}
}

// TestArgoCDHealthScriptOrder exercises the precedence rules directly, so that a reordering of the
// script fails even if the fixture files were edited along with it.
func TestArgoCDHealthScriptOrder(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(argocdDir(t), "CustomerAgreement", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	cond := func(ty, status, reason string) map[string]any {
		return map[string]any{"type": ty, "status": status, "reason": reason, "message": reason + " message"}
	}
	obj := func(gen, observed float64, conds ...map[string]any) map[string]any {
		list := make([]any, 0, len(conds))
		for _, c := range conds {
			list = append(list, c)
		}
		return map[string]any{
			"metadata": map[string]any{"generation": gen},
			"status":   map[string]any{"observedGeneration": observed, "conditions": list},
		}
	}
	cases := []struct {
		name string
		obj  map[string]any
		want string
	}{
		{"stale generation beats Ready", obj(2, 1, cond("Ready", "True", "Attested")), "Progressing"},
		{"stale generation beats Stalled", obj(2, 1, cond("Stalled", "True", "DuplicateSignatory")), "Progressing"},
		{"Stalled beats Ready=True", obj(1, 1, cond("Ready", "True", "Attested"), cond("Stalled", "True", "CustomerNotFound")), "Degraded"},
		{"Ready=True beats Reconciling", obj(1, 1, cond("Reconciling", "True", "Progressing"), cond("Ready", "True", "Attested")), "Healthy"},
		{"Reconciling beats Ready=False", obj(1, 1, cond("Ready", "False", "Throttled"), cond("Reconciling", "True", "Throttled")), "Progressing"},
		{"Awaiting beats Ready=False", obj(1, 1, cond("Ready", "False", "AwaitingCustomerAcceptance"), cond("AwaitingCustomerAcceptance", "True", "AttestationStarted")), "Progressing"},
		{"Reconciling=False does not count", obj(1, 1, cond("Ready", "False", "TransactionsBlocked"), cond("Reconciling", "False", "Progressing")), "Degraded"},
		{"Stalled=False does not count", obj(1, 1, cond("Ready", "True", "Attested"), cond("Stalled", "False", "DuplicateSignatory")), "Healthy"},
		{"no metadata.generation", map[string]any{"status": map[string]any{"conditions": []any{cond("Ready", "True", "Attested")}}}, "Healthy"},
		{"empty object", map[string]any{}, "Progressing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := runHealthScript(string(script), tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.want {
				t.Errorf("status = %s (%s), want %s", got.Status, got.Message, tc.want)
			}
			if got.Message == "" {
				t.Errorf("empty message")
			}
		})
	}
}

// TestArgoCDHealthScriptsAgree keeps the two scripts' logic identical: only comment lines may
// differ.
func TestArgoCDHealthScriptsAgree(t *testing.T) {
	code := func(kind string) []string {
		data, err := os.ReadFile(filepath.Join(argocdDir(t), kind, "health.lua"))
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range strings.Split(string(data), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		return lines
	}
	if !slices.Equal(code("CustomerAgreement"), code("PartnerTenant")) {
		t.Errorf("the CustomerAgreement and PartnerTenant health.lua differ outside comments")
	}
}

// TestGitOpsDocEmbedsHealthScript checks that docs/gitops.md carries the current health.lua in its
// argocd-cm snippet, so that copying the doc installs the tested script.
func TestGitOpsDocEmbedsHealthScript(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "gitops.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"CustomerAgreement", "PartnerTenant"} {
		key := "resource.customizations.health.partnercenter.mca.dev_" + kind + ": |"
		if !strings.Contains(string(doc), key) {
			t.Errorf("docs/gitops.md lacks the argocd-cm key %q", key)
		}
	}
	script, err := os.ReadFile(filepath.Join(argocdDir(t), "CustomerAgreement", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	// The code lines (not comments) must appear, indented, in the doc.
	var missing []string
	for _, l := range strings.Split(string(script), "\n") {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "--") {
			continue
		}
		if !strings.Contains(string(doc), "    "+l+"\n") {
			missing = append(missing, l)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/gitops.md's health snippet is out of date with health.lua; missing lines:\n%s", strings.Join(missing, "\n"))
	}
}
